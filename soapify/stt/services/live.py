"""Live transcription: a just-committed chunk is queued at once, and the segments of chunks whose
place on the timeline changed are moved."""

from __future__ import annotations

from django.db import transaction

from soapify.core.jobs import job_find_active, job_start
from soapify.core.models import Job
from soapify.encounters.models import AudioChunk, Encounter
from soapify.stt.models import ChunkTranscription, TranscriptSegment
from soapify.stt.services.common import ct_update
from soapify.stt.services.jobs import TRANSCRIBE_JOB


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
        ct_update(ct.pk, status=ChunkTranscription.Status.PENDING, error={})
    encounter = Encounter.objects.only("id", "doctor_id").get(pk=chunk.encounter_id)
    return job_start(
        kind=TRANSCRIBE_JOB,
        owner=encounter.doctor,
        target=chunk,
        params={"chunk_id": chunk.pk, "language": None, "rerun": False, "force": False, "live": True},
    )
