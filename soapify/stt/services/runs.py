"""Running the transcription of one chunk: the per-chunk lock, the engine run and the one
transaction that replaces the chunk's segments.

Concurrency rules (every one of them is tested):

* One transcription of a chunk at a time, whichever worker or job runs it: a PostgreSQL
  *session* advisory lock keyed by the chunk id is held around the engine run. A worker that dies
  drops its connection and with it the lock, so the next attempt (``acks_late`` redelivery, a
  ``process`` call) sees a ``running`` row nobody holds and takes it over.
* Nothing is written until the engine has finished: the chunk's segments are replaced in one
  transaction (lock the rows, delete, ``bulk_create``, set ``search_vector``), so a run killed
  half-way leaves the previous segments (or none), never a mix.
* A doctor's edits are never lost silently: a re-run refuses (409 ``chunk_has_edits``) when a
  segment of the chunk was edited, unless ``force`` is given. The check runs again inside the
  write transaction with the segment rows locked, so an edit that lands while the engine is
  running still stops the re-run; an edit that arrives after the re-run replaced the segments
  finds its segment gone (404) instead of editing text nobody sees. A forced re-run keeps every
  edited segment it replaces in ``ChunkTranscription.replaced_edits`` (appended, never trimmed).
* A finalized encounter's transcript is read-only: starting a (re-)transcription of one of its
  chunks is refused (409 ``encounter_finalized``), and the write transaction re-reads the
  encounter with its row locked (finalization takes the same lock), so a run that finishes after
  the encounter was finalized stores nothing and fails with that code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from soapify.core.engines import EngineError, EngineHandler
from soapify.core.errors import Conflict
from soapify.core.signals import content_changed, transcript_stored
from soapify.encounters.models import AudioChunk, Encounter
from soapify.stt.audio import SAMPLE_RATE, transcribe_in_windows
from soapify.stt.chunk_audio import chunk_samples as _load_samples
from soapify.stt.engines.base import Segment, TranscriptionResult
from soapify.stt.models import ChunkTranscription, TranscriptSegment
from soapify.stt.services.common import chunk_has_edits, ct_update, finalized_conflict, update_search_vector
from soapify.stt.services.status import encounter_transcription_refresh
from soapify.stt.services.windows import needs_windows, windows_in_flight, windows_start
from soapify.stt.text import transcript_text

logger = logging.getLogger("soapify.stt")

stt_engines = EngineHandler("STT_ENGINES")

_LOCK_NAMESPACE = 0x5354  # "ST": keeps these advisory locks apart from any other app's


def window_seconds() -> float:
    """Chunks longer than twice this are transcribed in overlapping windows of this length."""
    return float(settings.STT_WINDOW_SECONDS)


def busy_wait_seconds() -> float:
    """How long a job waits for another worker's run of the same chunk before giving up."""
    return float(settings.STT_BUSY_WAIT_SECONDS)


# --- the per-chunk lock ---------------------------------------------------------------------------


def _int4(value: int) -> int:
    return ((int(value) + 2**31) % 2**32) - 2**31


@contextmanager
def chunk_lock(chunk_id: int, *, wait: float = 0.0, poll: float = 0.2) -> Iterator[bool]:
    """Hold the chunk's advisory lock for the block; yields False when another session holds it
    for longer than ``wait`` seconds. Session-level, so it spans the short transactions of a run
    and is released by PostgreSQL itself if the worker's connection dies."""
    key = [_LOCK_NAMESPACE, _int4(chunk_id)]
    deadline = time.monotonic() + max(0.0, wait)
    acquired = False
    with connection.cursor() as cur:
        while True:
            cur.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            acquired = bool(cur.fetchone()[0])
            if acquired or time.monotonic() >= deadline:
                break
            time.sleep(poll)
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", key)


# --- running one chunk ----------------------------------------------------------------------------


@dataclass
class ChunkOutcome:
    chunk_id: int
    status: str  # done | already_done | busy | windows_queued | windows_running
    segments: int = 0
    windows: int | None = None
    language: str | None = None
    engine: str = ""
    real_time_factor: float | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


def _run_engine(engine: Any, samples: np.ndarray, language: str | None) -> TranscriptionResult:
    """Times relative to the chunk (offset 0); the chunk's offset is applied when storing."""
    win = window_seconds()
    if len(samples) / SAMPLE_RATE > 2 * win:
        return transcribe_in_windows(
            lambda piece: engine.transcribe(piece, language=language),
            samples,
            window=win,
            overlap=min(1.5, win / 10),
        )
    return engine.transcribe(samples, language=language)


def _segment_rows(
    chunk: AudioChunk, result: TranscriptionResult, offset: float, language: str
) -> list[TranscriptSegment]:
    rows = []
    kept = [s for s in result.segments if (s.text or "").strip()]
    for i, seg in enumerate(sorted(kept, key=lambda s: (s.start, s.end))):
        seg = seg.shifted(offset) if offset else seg
        rows.append(
            TranscriptSegment(
                encounter_id=chunk.encounter_id,
                chunk_id=chunk.pk,
                source=TranscriptSegment.Source.STT,
                index=i,
                start=round(seg.start, 3),
                end=round(seg.end, 3),
                text=transcript_text(seg.text.strip(), language),
                confidence=seg.confidence,
                speaker=seg.speaker,
                words=_words(seg, language),
                language=language[:8],
                engine=result.engine[:64],
                model=(result.model or "")[:128],
                engine_version=(result.version or "")[:64],
            )
        )
    return rows


def _words(seg: Segment, language: str) -> list[dict]:
    return [
        {
            "start": round(w.start, 3),
            "end": round(w.end, 3),
            "text": transcript_text(w.text, language),
            "confidence": w.confidence,
        }
        for w in seg.words
    ]


def _store_result(
    *, chunk: AudioChunk, ct_id: int, result: TranscriptionResult, force: bool, rtf: float, language: str
) -> int:
    """Replace the chunk's segments with ``result`` in one transaction. Returns the segment count.
    Edited segments being replaced (``force``) are appended to ``ct.replaced_edits`` first."""
    with transaction.atomic():
        # The encounter's row lock first (the order every other writer uses): finalization takes
        # it too, so the status read here cannot change before this transaction commits.
        status = (
            Encounter.objects.select_for_update()
            .filter(pk=chunk.encounter_id)
            .values_list("status", flat=True)
            .first()
        )
        if status == Encounter.Status.FINALIZED:
            raise finalized_conflict()
        ct = ChunkTranscription.objects.select_for_update().get(pk=ct_id)
        current = AudioChunk.objects.filter(pk=chunk.pk).values("status", "start_offset").first()
        if current is None or current["status"] != AudioChunk.Status.COMMITTED:
            raise Conflict("The audio chunk is no longer committed.", code="chunk_not_committed")
        existing = list(
            TranscriptSegment.objects.select_for_update()
            .filter(chunk_id=chunk.pk)
            .order_by("start", "index", "id")
            .values("id", "start", "end", "text", "original_text", "edited", "edited_by_id", "edited_at")
        )
        edited = [e for e in existing if e["edited"]]
        if edited and not force:
            raise Conflict(
                "A segment of this chunk was edited by hand; re-transcribe with force=true to replace it.",
                code="chunk_has_edits",
            )
        if edited:
            replaced_at = timezone.now().isoformat()
            ct.replaced_edits = list(ct.replaced_edits or []) + [
                {
                    "id": e["id"],
                    "start": e["start"],
                    "end": e["end"],
                    "text": e["text"],
                    "original_text": e["original_text"],
                    "edited_by": e["edited_by_id"],
                    "edited_at": e["edited_at"].isoformat() if e["edited_at"] else None,
                    "replaced_at": replaced_at,
                }
                for e in edited
            ]
        offset = float(current["start_offset"] or 0.0)
        rows = _segment_rows(chunk, result, offset, language)
        TranscriptSegment.objects.filter(chunk_id=chunk.pk).delete()
        TranscriptSegment.objects.bulk_create(rows)
        update_search_vector(chunk_id=chunk.pk)
        content_changed.send(sender=TranscriptSegment, encounter_id=chunk.encounter_id)
        # who spoke which segment: the diarizer queues its job for after this transaction commits
        transcript_stored.send(sender=TranscriptSegment, encounter_id=chunk.encounter_id, chunk_id=chunk.pk)
        ct.status = ChunkTranscription.Status.DONE
        ct.engine = result.engine[:64]
        ct.model = (result.model or "")[:128]
        ct.engine_version = (result.version or "")[:64]
        ct.language = language[:8]
        ct.error = {}
        ct.finished_at = timezone.now()
        ct.real_time_factor = round(rtf, 4)
        ct.offset = offset
        ct.save()
    return len(rows)


def chunk_transcribe(
    *,
    chunk_id: int,
    language: str | None = None,
    rerun: bool = False,
    force: bool = False,
    wait: float = 0.0,
    final_attempt: bool = True,
) -> ChunkOutcome:
    """Transcribe one committed chunk with the default engine and store its segments.

    ``rerun``: transcribe even when already done (replacing the segments); without it a done
    chunk is left alone. ``force``: replace segments a doctor edited. ``wait``: seconds to wait for
    another run of the same chunk to end (then, without ``rerun``, that run's result is kept).
    ``final_attempt``: whether a transient failure marks the chunk failed (else pending, retried).
    Raises ``EngineError`` (engine, audio, storage) or ``Conflict`` (state) after recording it.
    """
    with chunk_lock(chunk_id, wait=wait) as acquired:
        if not acquired:
            return ChunkOutcome(chunk_id, "busy")
        chunk = AudioChunk.objects.select_related("encounter").filter(pk=chunk_id).first()
        if chunk is None:
            raise Conflict("The audio chunk no longer exists.", code="chunk_gone")
        if chunk.status != AudioChunk.Status.COMMITTED:
            raise Conflict("Only a committed audio chunk can be transcribed.", code="chunk_not_committed")
        ct, _ = ChunkTranscription.objects.get_or_create(chunk=chunk)
        if ct.status == ChunkTranscription.Status.DONE and not rerun:
            return ChunkOutcome(chunk_id, "already_done", engine=ct.engine, language=ct.language or None)
        if chunk.encounter.status == Encounter.Status.FINALIZED:
            # Read-only transcript: don't run the engine. A done chunk stays done; one that was
            # waiting records why it never will be transcribed. (Checked again under lock.)
            exc = finalized_conflict()
            if ct.status != ChunkTranscription.Status.DONE:
                ct_update(
                    ct.pk,
                    status=ChunkTranscription.Status.FAILED,
                    error={"code": exc.code, "message": exc.message},
                    finished_at=timezone.now(),
                )
            raise exc
        if ct.status == ChunkTranscription.Status.RUNNING and not rerun and windows_in_flight(ct.pk):
            # Its windows are being transcribed by other jobs; the last one writes the segments.
            return ChunkOutcome(chunk_id, "windows_running")
        if ct.status == ChunkTranscription.Status.RUNNING:
            # We hold the lock, so nobody is running it: a worker died mid-run. Take over.
            logger.warning("chunk %s: taking over a stale running transcription", chunk_id)
        previous = (
            ct.status
            if ct.status in (ChunkTranscription.Status.DONE, ChunkTranscription.Status.FAILED)
            else None
        )
        if not force and chunk_has_edits(chunk_id):
            exc = Conflict(
                "A segment of this chunk was edited by hand; re-transcribe with force=true to replace it.",
                code="chunk_has_edits",
            )
            # Edits exist, so segments exist: the chunk stays as it was (done), not pending.
            ct_update(ct.pk, status=previous or ChunkTranscription.Status.DONE)
            encounter_transcription_refresh(encounter_id=chunk.encounter_id)
            raise exc
        language = language or chunk.encounter.language or None
        ct_update(
            ct.pk,
            status=ChunkTranscription.Status.RUNNING,
            started_at=timezone.now(),
            finished_at=None,
            error={},
            runs=ct.runs + 1,
        )
        encounter_transcription_refresh(encounter_id=chunk.encounter_id)
        try:
            engine = stt_engines["default"]
            samples = _load_samples(chunk)
            seconds = max(len(samples) / SAMPLE_RATE, 1e-6)
            if needs_windows(seconds):
                # One job per window on the bulk queue; the last window to finish writes the chunk.
                started_windows = windows_start(
                    chunk=chunk, ct=ct, seconds=seconds, language=language, force=force
                )
                return ChunkOutcome(chunk_id, "windows_queued", windows=started_windows.windows)
            started = time.perf_counter()
            result = _run_engine(engine, samples, language)
            elapsed = time.perf_counter() - started
            count = _store_result(
                chunk=chunk,
                ct_id=ct.pk,
                result=result,
                force=force,
                rtf=elapsed / seconds,
                language=result.language or language or "",
            )
        except Conflict as exc:
            # State changed under us (an edit landed, the chunk was replaced): nothing written.
            restore = previous or ChunkTranscription.Status.FAILED
            error = (
                {}
                if restore == ChunkTranscription.Status.DONE
                else {"code": exc.code, "message": exc.message}
            )
            ct_update(ct.pk, status=restore, error=error, finished_at=timezone.now())
            encounter_transcription_refresh(encounter_id=chunk.encounter_id)
            raise
        except EngineError as exc:
            retrying = exc.transient and not final_attempt
            ct_update(
                ct.pk,
                status=ChunkTranscription.Status.PENDING if retrying else ChunkTranscription.Status.FAILED,
                error={"code": exc.code, "message": exc.message, **({"retrying": True} if retrying else {})},
                finished_at=None if retrying else timezone.now(),
            )
            encounter_transcription_refresh(encounter_id=chunk.encounter_id)
            raise
        except BaseException as exc:
            name = type(exc).__name__
            code = "timeout" if name == "SoftTimeLimitExceeded" else "internal_error"
            ct_update(
                ct.pk,
                status=ChunkTranscription.Status.FAILED,
                error={"code": code, "message": f"The transcription stopped ({name})."},
                finished_at=timezone.now(),
            )
            encounter_transcription_refresh(encounter_id=chunk.encounter_id)
            raise
    encounter_transcription_refresh(encounter_id=chunk.encounter_id)
    return ChunkOutcome(
        chunk_id,
        "done",
        segments=count,
        language=result.language or language,
        engine=result.engine,
        real_time_factor=round(elapsed / seconds, 4),
    )
