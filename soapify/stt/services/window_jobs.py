"""The jobs of a windowed transcription: transcribe one window, and stitch the windows into the
chunk's transcript once the last one is done (the rules are in ``stt.services.windows``). Kept apart
from the planning in ``windows`` because they store results through ``runs``, which plans windows."""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from pathlib import Path

import numpy as np
from cachetools import LRUCache
from django.core.files.storage import storages
from django.utils import timezone

from soapify.core.engines import EngineError
from soapify.core.errors import Conflict
from soapify.encounters.models import AudioChunk
from soapify.stt.audio import SAMPLE_RATE, Window, decode_wav_range, merge_windows
from soapify.stt.chunk_audio import chunk_samples as _load_samples
from soapify.stt.engines.base import TranscriptionResult
from soapify.stt.models import ChunkTranscription, ChunkWindow, TranscriptSegment
from soapify.stt.services.common import ct_update
from soapify.stt.services.runs import _store_result, busy_wait_seconds, chunk_lock, stt_engines
from soapify.stt.services.status import encounter_transcription_refresh
from soapify.stt.services.windows import _segment_json, _segment_of, windows_in_flight

logger = logging.getLogger("soapify.stt")

WINDOW_JOB = "stt.transcribe_window"

logger = logging.getLogger("soapify.stt")


def _current(window_id: int, generation: int) -> ChunkWindow | None:
    row = ChunkWindow.objects.select_related("transcription").filter(pk=window_id).first()
    if row is None or row.generation != generation or row.transcription.runs != generation:
        return None
    if row.transcription.status != ChunkTranscription.Status.RUNNING:
        return None
    return row


def window_transcribe(
    *, window_id: int, generation: int, language: str | None, force: bool, final_attempt: bool
) -> dict:
    """Transcribe one window and, when it was the last one of its run, stitch the chunk.

    A window of an older run (or one whose chunk is no longer running) stores nothing."""

    row = _current(window_id, generation)
    if row is None:
        return {"window_id": window_id, "status": "superseded"}
    ct = row.transcription
    if row.status != ChunkWindow.Status.DONE:
        ChunkWindow.objects.filter(pk=row.pk).update(
            status=ChunkWindow.Status.RUNNING, attempts=row.attempts + 1, error={}
        )
        chunk = AudioChunk.objects.get(pk=ct.chunk_id)
        try:
            piece = _window_samples(chunk, row.start, row.end, _load_samples)
            if not len(piece):
                raise EngineError("The window lies beyond the end of the audio.", code="corrupt_window")
            started = time.perf_counter()
            result = stt_engines["default"].transcribe(piece, language=language)
            elapsed = time.perf_counter() - started
        except EngineError as exc:
            retrying = exc.transient and not final_attempt
            error = {"code": exc.code, "message": exc.message}
            ChunkWindow.objects.filter(pk=row.pk, generation=generation).update(
                status=ChunkWindow.Status.PENDING if retrying else ChunkWindow.Status.FAILED, error=error
            )
            if not retrying:
                _fail_chunk(ct.pk, generation, {**error, "window": row.index})
            raise
        ChunkWindow.objects.filter(pk=row.pk, generation=generation).update(
            status=ChunkWindow.Status.DONE,
            segments=[_segment_json(s.shifted(row.start)) for s in result.segments],
            language=(result.language or language or "")[:8],
            engine=result.engine[:64],
            model=(result.model or "")[:128],
            engine_version=(result.version or "")[:64],
            elapsed=round(elapsed, 4),
        )
    stitched = windows_stitch(ct_id=ct.pk, generation=generation, force=force)
    return {"window_id": window_id, "index": row.index, "status": "done", "stitched": stitched}


#: The last chunk this process decoded whole (a compressed file): its next windows are cut from it.
#: At most 256 MB of samples (about 70 minutes); a longer compressed file is decoded for each window.
_decoded: LRUCache = LRUCache(maxsize=256 * 1024 * 1024, getsizeof=lambda samples: samples.nbytes)
_decoded_lock = threading.Lock()


def _window_samples(chunk: AudioChunk, start: float, end: float, load) -> np.ndarray:
    """The window's samples: a PCM WAV is read from ``start`` to ``end`` only; any other format is
    decoded whole once per process and kept for the chunk's next windows."""
    if chunk.format == "wav":
        try:
            path = storages["audio"].path(chunk.storage_key)
        except NotImplementedError:
            path = None
        if path is not None and Path(path).is_file():
            return decode_wav_range(path, start, end)
    key = (chunk.storage_key, chunk.size)
    with _decoded_lock:
        samples = _decoded.get(key)
    if samples is None:
        samples = load(chunk)
        with _decoded_lock:
            _decoded.clear()  # one chunk at a time
            with contextlib.suppress(ValueError):  # larger than the cache: not kept
                _decoded[key] = samples
    return samples[int(start * SAMPLE_RATE) : int(math.ceil(end * SAMPLE_RATE))]


def _fail_chunk(ct_id: int, generation: int, error: dict) -> None:
    updated = ChunkTranscription.objects.filter(
        pk=ct_id, runs=generation, status=ChunkTranscription.Status.RUNNING
    ).update(status=ChunkTranscription.Status.FAILED, error=error, finished_at=timezone.now())
    if updated:
        encounter_id = ChunkTranscription.objects.values_list("chunk__encounter_id", flat=True).get(pk=ct_id)
        encounter_transcription_refresh(encounter_id=encounter_id)


# --- stitching -------------------------------------------------------------------------------------


def windows_stitch(*, ct_id: int, generation: int, force: bool) -> bool:
    """When every window of ``generation`` is done, write the chunk's segments (once). Returns
    whether this call wrote them."""

    chunk_id = ChunkTranscription.objects.values_list("chunk_id", flat=True).get(pk=ct_id)
    if windows_in_flight(ct_id):
        return False
    with chunk_lock(chunk_id, wait=busy_wait_seconds()) as acquired:
        if not acquired:
            return False
        ct = ChunkTranscription.objects.filter(pk=ct_id).first()
        if ct is None or ct.runs != generation or ct.status != ChunkTranscription.Status.RUNNING:
            return False
        rows = list(
            ChunkWindow.objects.filter(transcription_id=ct_id, generation=generation).order_by("index")
        )
        if not rows or any(r.status != ChunkWindow.Status.DONE for r in rows):
            return False
        merged = merge_windows(
            [
                (
                    Window(r.start, r.end, r.keep_from, math.inf if r.keep_to is None else r.keep_to),
                    [_segment_of(s) for s in r.segments],
                )
                for r in rows
            ]
        )
        last = rows[-1]
        language = next((r.language for r in rows if r.language), "")
        result = TranscriptionResult(
            segments=merged,
            language=language or None,
            engine=last.engine,
            model=last.model,
            version=last.engine_version,
        )
        chunk = AudioChunk.objects.get(pk=chunk_id)
        seconds = max(rows[-1].end, 1e-6)
        try:
            _store_result(
                chunk=chunk,
                ct_id=ct_id,
                result=result,
                force=force,
                rtf=sum(r.elapsed for r in rows) / seconds,
                language=language,
            )
        except Conflict as exc:
            has_segments = TranscriptSegment.objects.filter(chunk_id=chunk_id).exists()
            ct_update(
                ct_id,
                status=ChunkTranscription.Status.DONE if has_segments else ChunkTranscription.Status.FAILED,
                error={} if has_segments else {"code": exc.code, "message": exc.message},
                finished_at=timezone.now(),
            )
            encounter_transcription_refresh(encounter_id=chunk.encounter_id)
            raise
    encounter_transcription_refresh(encounter_id=chunk.encounter_id)
    return True
