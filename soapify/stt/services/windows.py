"""Long chunks transcribed in parallel: one job per window, stitched when the last one is done.

A committed chunk longer than twice ``STT_WINDOW_SECONDS`` (a long live chunk, or a whole visit
uploaded at the end) is cut into overlapping windows (``soapify.stt.audio.plan_windows``). Each
window is a job of its own on the ``stt_bulk`` queue, so as many worker processes as are free work
on one recording at once, while live chunks and end-of-visit work keep the ``stt`` queue to
themselves (a doctor whose visit just ended waits for at most one window, not for another doctor's
hour-long upload).

Rules (each one tested):

* The chunk's transcript is written only when every window of the run is done, in one
  transaction, with the overlaps de-duplicated by word midpoints (``merge_windows``); until then
  the chunk stays ``running`` and the encounter ``transcribing``: a partial transcript is never
  presented as complete.
* A window that fails with a transient error is retried alone (its job's next attempt); a window
  that fails for good fails the chunk with the window's error.
* A re-run starts a new *generation*: the old windows are replaced, and a late job of an older
  generation finds its window gone or superseded and stores nothing.
* A worker killed mid-window: the job reaper queues the window's job again; the window is
  transcribed again and its row overwritten, and the stitch runs once under the chunk's lock and
  replaces the chunk's segments, so no segment is duplicated or missing.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from soapify.core.jobs import job_start
from soapify.encounters.models import AudioChunk, Encounter
from soapify.stt.audio import plan_windows
from soapify.stt.engines.base import Segment, Word
from soapify.stt.models import ChunkTranscription, ChunkWindow

logger = logging.getLogger("soapify.stt")

WINDOW_JOB = "stt.transcribe_window"


def parallel_windows_enabled() -> bool:
    return bool(getattr(settings, "STT_PARALLEL_WINDOWS", True))


def window_overlap(window: float) -> float:
    return min(float(settings.STT_WINDOW_OVERLAP_SECONDS), window / 10)


def needs_windows(seconds: float) -> bool:
    """Whether a chunk of ``seconds`` is transcribed as parallel window jobs."""
    return parallel_windows_enabled() and seconds > 2 * float(settings.STT_WINDOW_SECONDS)


@dataclass
class WindowsStarted:
    generation: int
    windows: int


def windows_start(
    *, chunk: AudioChunk, ct: ChunkTranscription, seconds: float, language: str | None, force: bool
) -> WindowsStarted:
    """Replace the chunk's windows by a new generation and queue one job per window. The caller
    holds the chunk's lock and has marked the transcription ``running``."""
    window = float(settings.STT_WINDOW_SECONDS)
    plan = plan_windows(seconds, window=window, overlap=window_overlap(window))
    generation = ChunkTranscription.objects.values_list("runs", flat=True).get(pk=ct.pk)
    encounter = Encounter.objects.only("id", "doctor_id").get(pk=chunk.encounter_id)
    with transaction.atomic():
        ChunkWindow.objects.filter(transcription_id=ct.pk).delete()
        rows = ChunkWindow.objects.bulk_create(
            ChunkWindow(
                transcription_id=ct.pk,
                generation=generation,
                index=i,
                start=w.start,
                end=w.end,
                keep_from=w.keep_from,
                keep_to=None if math.isinf(w.keep_to) else w.keep_to,
            )
            for i, w in enumerate(plan)
        )
    for row in rows:
        job_start(
            kind=WINDOW_JOB,
            owner=encounter.doctor,
            target=row,
            params={
                "window_id": row.pk,
                "chunk_id": chunk.pk,
                "generation": generation,
                "language": language,
                "force": force,
            },
        )
    return WindowsStarted(generation=generation, windows=len(rows))


def windows_in_flight(ct_id: int) -> bool:
    """Whether the transcription's current generation still has windows to finish."""
    runs = ChunkTranscription.objects.values_list("runs", flat=True).filter(pk=ct_id).first()
    if runs is None:
        return False
    return ChunkWindow.objects.filter(
        transcription_id=ct_id,
        generation=runs,
        status__in=[ChunkWindow.Status.PENDING, ChunkWindow.Status.RUNNING],
    ).exists()


# --- one window ------------------------------------------------------------------------------------


def _segment_json(seg: Segment) -> dict:
    return {
        "start": seg.start,
        "end": seg.end,
        "text": seg.text,
        "confidence": seg.confidence,
        "speaker": seg.speaker,
        "words": [
            {"start": w.start, "end": w.end, "text": w.text, "confidence": w.confidence} for w in seg.words
        ],
    }


def _segment_of(data: dict) -> Segment:
    return Segment(
        start=data["start"],
        end=data["end"],
        text=data["text"],
        confidence=data.get("confidence", 1.0),
        speaker=data.get("speaker"),
        words=[
            Word(w["start"], w["end"], w["text"], w.get("confidence", 1.0)) for w in data.get("words", [])
        ],
    )
