"""Transcription workflows: live per-chunk transcription, re-runs, encounter processing, manual
edits, typed transcripts.

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
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from soapify.core.engines import EngineError, EngineHandler
from soapify.core.errors import ApiError, Conflict, NotFound, PayloadTooLarge
from soapify.core.jobs import job_find_active, job_start
from soapify.core.models import Job
from soapify.core.transcript import parse_dialogue
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.selectors import encounter_get_own
from soapify.encounters.services import encounter_set_status
from soapify.stt.audio import SAMPLE_RATE, decode_audio, transcribe_in_windows
from soapify.stt.engines.base import Segment, TranscriptionResult
from soapify.stt.models import ChunkTranscription, TranscriptSegment

logger = logging.getLogger("soapify.stt")

stt_engines = EngineHandler("STT_ENGINES")

TRANSCRIBE_JOB = "stt.transcribe_chunk"
PROCESS_JOB = "stt.process_encounter"

MAX_SEGMENT_TEXT = 10_000
MAX_TYPED_TRANSCRIPT = 200_000

_LOCK_NAMESPACE = 0x5354  # "ST": keeps these advisory locks apart from any other app's
_EDITABLE_ENCOUNTER_STATUSES = {
    Encounter.Status.CREATED,
    Encounter.Status.RECORDING,
    Encounter.Status.TRANSCRIBING,
    Encounter.Status.TRANSCRIBED,
    Encounter.Status.FAILED,
}


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
    status: str  # done | already_done | busy
    segments: int = 0
    language: str | None = None
    engine: str = ""
    real_time_factor: float | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


def _finalized_conflict() -> Conflict:
    return Conflict("The encounter is finalized; its transcript is read-only.", code="encounter_finalized")


def chunk_has_edits(chunk_id: int) -> bool:
    return TranscriptSegment.objects.filter(chunk_id=chunk_id, edited=True).exists()


def _load_samples(chunk: AudioChunk) -> np.ndarray:
    if not chunk.storage_key:
        raise EngineError("The chunk has no stored audio.", code="audio_missing")
    storage = storages["audio"]
    try:
        try:
            path = storage.path(chunk.storage_key)
        except NotImplementedError:
            with storage.open(chunk.storage_key, "rb") as fh:
                return decode_audio(fh)
        return decode_audio(path)
    except EngineError:
        raise
    except FileNotFoundError as exc:
        raise EngineError("The chunk's audio object is missing from storage.", code="audio_missing") from exc
    except Exception as exc:  # noqa: BLE001 - S3/network trouble: worth a retry
        raise EngineError(
            f"Could not read the chunk's audio from storage ({type(exc).__name__}).",
            code="storage_unavailable",
            transient=True,
        ) from exc


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
                text=seg.text.strip(),
                confidence=seg.confidence,
                speaker=seg.speaker,
                words=_words(seg),
                language=language[:8],
                engine=result.engine[:64],
                model=(result.model or "")[:128],
                engine_version=(result.version or "")[:64],
            )
        )
    return rows


def _words(seg: Segment) -> list[dict]:
    return [
        {"start": round(w.start, 3), "end": round(w.end, 3), "text": w.text, "confidence": w.confidence}
        for w in seg.words
    ]


def _update_search_vector(**filters: Any) -> None:
    TranscriptSegment.objects.filter(**filters).update(search_vector=SearchVector("text", config="simple"))


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
            raise _finalized_conflict()
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
        _update_search_vector(chunk_id=chunk.pk)
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


def _ct_update(ct_id: int, **values: Any) -> None:
    ChunkTranscription.objects.filter(pk=ct_id).update(updated_at=timezone.now(), **values)


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
            exc = _finalized_conflict()
            if ct.status != ChunkTranscription.Status.DONE:
                _ct_update(
                    ct.pk,
                    status=ChunkTranscription.Status.FAILED,
                    error={"code": exc.code, "message": exc.message},
                    finished_at=timezone.now(),
                )
            raise exc
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
            _ct_update(ct.pk, status=previous or ChunkTranscription.Status.DONE)
            encounter_transcription_refresh(encounter_id=chunk.encounter_id)
            raise exc
        language = language or chunk.encounter.language or None
        _ct_update(
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
            started = time.perf_counter()
            result = _run_engine(engine, samples, language)
            elapsed = time.perf_counter() - started
            seconds = max(len(samples) / SAMPLE_RATE, 1e-6)
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
            _ct_update(ct.pk, status=restore, error=error, finished_at=timezone.now())
            encounter_transcription_refresh(encounter_id=chunk.encounter_id)
            raise
        except EngineError as exc:
            retrying = exc.transient and not final_attempt
            _ct_update(
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
            _ct_update(
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


# --- encounter status -----------------------------------------------------------------------------


@dataclass
class TranscriptionProgress:
    chunks: int = 0
    done: int = 0
    pending: int = 0
    running: int = 0
    failed: int = 0
    not_started: int = 0
    failed_chunks: list[int] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.chunks > 0 and self.done == self.chunks


def encounter_progress(*, encounter_id: int) -> TranscriptionProgress:
    """Counts of the encounter's committed chunks by transcription state (one query)."""
    S = ChunkTranscription.Status
    counts = AudioChunk.objects.filter(
        encounter_id=encounter_id, status=AudioChunk.Status.COMMITTED
    ).aggregate(
        chunks=Count("id"),
        done=Count("id", filter=Q(transcription__status=S.DONE)),
        pending=Count("id", filter=Q(transcription__status=S.PENDING)),
        running=Count("id", filter=Q(transcription__status=S.RUNNING)),
        failed=Count("id", filter=Q(transcription__status=S.FAILED)),
    )
    progress = TranscriptionProgress(**counts)
    progress.not_started = (
        progress.chunks - progress.done - progress.pending - progress.running - progress.failed
    )
    if progress.failed:
        progress.failed_chunks = list(
            AudioChunk.objects.filter(
                encounter_id=encounter_id,
                status=AudioChunk.Status.COMMITTED,
                transcription__status=S.FAILED,
            )
            .order_by("chunk_number")
            .values_list("chunk_number", flat=True)
        )
    return progress


def encounter_transcription_refresh(*, encounter_id: int) -> str | None:
    """Move the encounter along recording → transcribing → transcribed (or failed) from the state of
    its chunks. Encounters already drafting, ready or finalized are never touched."""
    current = Encounter.objects.filter(pk=encounter_id).values_list("status", flat=True).first()
    if current is None or current not in _EDITABLE_ENCOUNTER_STATUSES:
        return current
    p = encounter_progress(encounter_id=encounter_id)
    if not p.chunks:
        return current
    encounter = Encounter(pk=encounter_id, status=current)
    if p.pending or p.running:
        # "transcribed" promised a complete transcript; a new chunk makes that untrue again.
        force = current in (Encounter.Status.TRANSCRIBED, Encounter.Status.FAILED)
        target, detail = Encounter.Status.TRANSCRIBING, ""
    elif p.failed:
        numbers = ", ".join(str(n) for n in p.failed_chunks[:20])
        target, detail, force = (
            Encounter.Status.FAILED,
            f"Transcription failed for chunk(s) {numbers}.",
            False,
        )
    elif p.complete:
        target, detail, force = Encounter.Status.TRANSCRIBED, "", False
    else:
        return current
    if target == current:
        return current
    return encounter_set_status(encounter=encounter, status=target, detail=detail, force=force).status


# --- live transcription and timeline offsets --------------------------------------------------------


def chunk_offsets_sync(*, encounter_id: int) -> int:
    """Move the segments of chunks whose place on the timeline changed (an earlier chunk was
    committed after them) by the difference. Returns how many chunks were moved."""
    moved = 0
    stale = ChunkTranscription.objects.filter(
        chunk__encounter_id=encounter_id, status=ChunkTranscription.Status.DONE
    ).values_list("pk", "chunk__start_offset", "offset")
    for ct_id, start_offset, offset in stale:
        if abs((start_offset or 0.0) - offset) < 1e-6:
            continue
        with transaction.atomic():
            ct = ChunkTranscription.objects.select_for_update().select_related("chunk").get(pk=ct_id)
            delta = (ct.chunk.start_offset or 0.0) - ct.offset
            if abs(delta) < 1e-6:
                continue
            segments = list(TranscriptSegment.objects.select_for_update().filter(chunk_id=ct.chunk_id))
            for seg in segments:
                seg.start = round(seg.start + delta, 3)
                seg.end = round(seg.end + delta, 3)
                seg.words = [
                    {**w, "start": round(w["start"] + delta, 3), "end": round(w["end"] + delta, 3)}
                    for w in seg.words
                ]
            TranscriptSegment.objects.bulk_update(segments, ["start", "end", "words"])
            ct.offset = ct.chunk.start_offset or 0.0
            ct.save(update_fields=["offset", "updated_at"])
            moved += 1
    return moved


def chunk_transcription_queue(*, chunk: AudioChunk) -> Job | None:
    """Queue the transcription of a just-committed chunk (the live path). Returns the job, or None
    when the chunk is already transcribed or a job for it is already queued or running."""
    chunk_offsets_sync(encounter_id=chunk.encounter_id)
    ct, created = ChunkTranscription.objects.get_or_create(chunk=chunk)
    if not created and ct.status == ChunkTranscription.Status.DONE:
        return None
    active = job_find_active(kind=TRANSCRIBE_JOB, target=chunk)
    if active is not None:
        return None
    if ct.status == ChunkTranscription.Status.FAILED:
        _ct_update(ct.pk, status=ChunkTranscription.Status.PENDING, error={})
    encounter = Encounter.objects.only("id", "doctor_id").get(pk=chunk.encounter_id)
    return job_start(
        kind=TRANSCRIBE_JOB,
        owner=encounter.doctor,
        target=chunk,
        params={"chunk_id": chunk.pk, "language": None, "rerun": False, "force": False, "live": True},
    )


# --- API-facing workflows -------------------------------------------------------------------------------


def _own_chunk(*, user, chunk_id: int) -> AudioChunk:
    chunk = AudioChunk.objects.for_user(user).select_related("encounter").filter(pk=chunk_id).first()
    if chunk is None:
        raise NotFound("Audio chunk not found.", code="chunk_not_found")
    return chunk


def chunk_transcribe_start(*, user, chunk_id: int, language: str | None = None, force: bool = False) -> Job:
    """``POST /api/stt/transcribe/``: (re-)transcribe one committed chunk of the caller's as a job."""
    chunk = _own_chunk(user=user, chunk_id=chunk_id)
    if chunk.encounter.status == Encounter.Status.FINALIZED:
        raise _finalized_conflict()
    if chunk.status != AudioChunk.Status.COMMITTED:
        raise Conflict("Only a committed audio chunk can be transcribed.", code="chunk_not_committed")
    if not force and chunk_has_edits(chunk.pk):
        raise Conflict(
            "A segment of this chunk was edited by hand; send force=true to replace it.",
            code="chunk_has_edits",
        )
    params = {"chunk_id": chunk.pk, "language": language, "rerun": True, "force": force}
    active = job_find_active(kind=TRANSCRIBE_JOB, target=chunk)
    if (
        active is not None
        and active.params.get("rerun")
        and ((active.params.get("language"), active.params.get("force")) == (language, force))
    ):
        return active
    ct, _ = ChunkTranscription.objects.get_or_create(chunk=chunk)
    if ct.status == ChunkTranscription.Status.FAILED:
        _ct_update(ct.pk, status=ChunkTranscription.Status.PENDING, error={})
    return job_start(kind=TRANSCRIBE_JOB, owner=user, target=chunk, params=params)


@dataclass
class ProcessStart:
    job: Job
    chunks: int
    to_transcribe: int
    typed_only: bool = False


def encounter_process_start(*, user, encounter_id: int) -> ProcessStart:
    """``POST /api/stt/encounter/{id}/process/``: transcribe every committed chunk not yet done."""
    encounter = encounter_get_own(user=user, encounter_id=encounter_id)
    chunks = list(
        AudioChunk.objects.filter(encounter=encounter, status=AudioChunk.Status.COMMITTED).select_related(
            "transcription"
        )
    )
    typed = TranscriptSegment.objects.filter(
        encounter=encounter, source=TranscriptSegment.Source.TYPED
    ).exists()
    if not chunks and not typed:
        raise Conflict(
            "The encounter has no committed audio and no typed transcript to process.", code="no_audio"
        )
    todo = [c for c in chunks if getattr(_ct_of(c), "status", None) != ChunkTranscription.Status.DONE]
    if todo and encounter.status == Encounter.Status.FINALIZED:
        raise _finalized_conflict()
    active = job_find_active(kind=PROCESS_JOB, target=encounter)
    if active is None:
        for c in todo:
            ct = _ct_of(c)
            if ct is None:
                ChunkTranscription.objects.get_or_create(chunk=c)
            elif ct.status == ChunkTranscription.Status.FAILED:
                _ct_update(ct.pk, status=ChunkTranscription.Status.PENDING, error={})
        if todo:
            encounter_transcription_refresh(encounter_id=encounter.pk)
        active = job_start(
            kind=PROCESS_JOB, owner=user, target=encounter, params={"encounter_id": encounter.pk}
        )
    return ProcessStart(job=active, chunks=len(chunks), to_transcribe=len(todo), typed_only=not chunks)


def _ct_of(chunk: AudioChunk) -> ChunkTranscription | None:
    try:
        return chunk.transcription
    except ChunkTranscription.DoesNotExist:
        return None


def encounter_process(*, encounter: Encounter, final_attempt: bool = True, progress=None) -> dict:
    """The job behind ``process``: transcribe the encounter's committed chunks that are not done,
    in order, one at a time. A chunk another worker is transcribing is waited for, not redone.
    Chunks that fail permanently are reported (and the job fails) after the others are done."""
    chunks = list(
        AudioChunk.objects.filter(encounter=encounter, status=AudioChunk.Status.COMMITTED)
        .order_by("chunk_number")
        .values_list("pk", "chunk_number")
    )
    if not chunks:
        if TranscriptSegment.objects.filter(
            encounter=encounter, source=TranscriptSegment.Source.TYPED
        ).exists():
            if encounter.status in (Encounter.Status.CREATED, Encounter.Status.RECORDING):
                encounter_set_status(encounter=encounter, status=Encounter.Status.TRANSCRIBED)
            return {
                "encounter_id": encounter.pk,
                "chunks": 0,
                "note": "The encounter has a typed transcript and no audio; nothing to transcribe.",
            }
        raise Conflict("The encounter has no committed audio and no typed transcript.", code="no_audio")
    done_ids = set(
        ChunkTranscription.objects.filter(
            chunk__encounter=encounter, status=ChunkTranscription.Status.DONE
        ).values_list("chunk_id", flat=True)
    )
    todo = [(pk, n) for pk, n in chunks if pk not in done_ids]
    if todo and Encounter.objects.filter(pk=encounter.pk, status=Encounter.Status.FINALIZED).exists():
        raise _finalized_conflict()
    transcribed: list[int] = []
    waited: list[int] = []
    failed: list[dict] = []
    for i, (chunk_id, number) in enumerate(todo):
        try:
            outcome = chunk_transcribe(
                chunk_id=chunk_id, wait=busy_wait_seconds(), final_attempt=final_attempt
            )
        except EngineError as exc:
            if exc.transient and not final_attempt:
                raise
            failed.append(
                {"chunk_id": chunk_id, "chunk_number": number, "code": exc.code, "message": exc.message}
            )
        except Conflict as exc:
            failed.append(
                {"chunk_id": chunk_id, "chunk_number": number, "code": exc.code, "message": exc.message}
            )
        else:
            if outcome.status == "done":
                transcribed.append(number)
            elif outcome.status == "already_done":
                waited.append(number)
            else:  # still busy after waiting: another worker holds it far too long
                failed.append(
                    {
                        "chunk_id": chunk_id,
                        "chunk_number": number,
                        "code": "chunk_busy",
                        "message": "Another worker is still transcribing this chunk.",
                    }
                )
        if progress is not None:
            progress((i + 1) / len(todo))
    state = encounter_transcription_refresh(encounter_id=encounter.pk)
    result = {
        "encounter_id": encounter.pk,
        "chunks": len(chunks),
        "already_done": len(chunks) - len(todo),
        "transcribed": transcribed,
        "done_by_another_job": waited,
        "encounter_status": state,
    }
    if failed:
        detail = "; ".join(f"chunk {f['chunk_number']}: {f['code']}" for f in failed[:10])
        raise ApiError(
            f"{len(failed)} of {len(chunks)} chunk(s) could not be transcribed ({detail}).",
            code="transcription_failed",
            status_code=422,
        )
    return result


def segment_edit(*, user, segment_id: int, text: str) -> TranscriptSegment:
    """A doctor's correction of one segment. The first edit keeps the machine's text in
    ``original_text``; every edit records who and when."""
    text = (text or "").strip()
    if not text:
        raise ApiError("The text must not be empty.", code="validation_error", fields={"text": ["Required."]})
    if len(text) > MAX_SEGMENT_TEXT:
        raise ApiError(
            f"The text must be at most {MAX_SEGMENT_TEXT} characters.",
            code="validation_error",
            fields={"text": [f"At most {MAX_SEGMENT_TEXT} characters."]},
        )
    with transaction.atomic():
        seg = (
            TranscriptSegment.objects.for_user(user)
            .select_for_update(of=("self",))
            .select_related("encounter")
            .filter(pk=segment_id)
            .first()
        )
        if seg is None:
            raise NotFound("Transcript segment not found.", code="segment_not_found")
        if seg.encounter.status == Encounter.Status.FINALIZED:
            raise _finalized_conflict()
        if text != seg.text:
            if not seg.edited:
                seg.original_text = seg.text
            seg.text = text
            seg.edited = True
            seg.edited_by = user
            seg.edited_at = timezone.now()
            seg.save(update_fields=["text", "original_text", "edited", "edited_by", "edited_at"])
            _update_search_vector(pk=seg.pk)
    return seg


@dataclass
class TypedStored:
    encounter: Encounter
    segments: int
    replaced: int


def typed_transcript_store(
    *, user, encounter_id: int, text: str, language: str | None = None, replace: bool = False
) -> TypedStored:
    """Store a typed or pasted dialogue as the encounter's typed transcript (speaker labels such as
    ``Doctor:``, ``[patient]``, ``پزشک:`` understood). Replaces an existing typed transcript only
    with ``replace``; the audio transcript, when there is one, still takes precedence."""
    if len(text) > MAX_TYPED_TRANSCRIPT:
        raise PayloadTooLarge(
            f"The transcript must be at most {MAX_TYPED_TRANSCRIPT} characters.", code="transcript_too_large"
        )
    view = parse_dialogue(text, language=language or None)
    if not view.segments:
        raise ApiError(
            "The transcript is empty.", code="validation_error", fields={"text": ["Empty transcript."]}
        )
    with transaction.atomic():
        encounter = encounter_get_own(user=user, encounter_id=encounter_id, lock=True)
        if encounter.status == Encounter.Status.FINALIZED:
            raise _finalized_conflict()
        existing = TranscriptSegment.objects.filter(
            encounter=encounter, source=TranscriptSegment.Source.TYPED
        )
        count = existing.count()
        if count and not replace:
            raise Conflict(
                "The encounter already has a typed transcript; send replace=true to replace it.",
                code="transcript_exists",
            )
        existing.delete()
        TranscriptSegment.objects.bulk_create(
            [
                TranscriptSegment(
                    encounter=encounter,
                    source=TranscriptSegment.Source.TYPED,
                    index=i,
                    text=span.text,
                    speaker=span.speaker,
                    language=view.language[:8],
                    engine="typed",
                )
                for i, span in enumerate(view.segments)
            ]
        )
        _update_search_vector(encounter=encounter, source=TranscriptSegment.Source.TYPED)
        has_audio = AudioChunk.objects.filter(
            encounter=encounter, status=AudioChunk.Status.COMMITTED
        ).exists()
        if not has_audio and encounter.status in (
            Encounter.Status.CREATED,
            Encounter.Status.RECORDING,
            Encounter.Status.TRANSCRIBING,
            Encounter.Status.FAILED,
        ):
            encounter_set_status(encounter=encounter, status=Encounter.Status.TRANSCRIBED)
    return TypedStored(encounter=encounter, segments=len(view.segments), replaced=count)
