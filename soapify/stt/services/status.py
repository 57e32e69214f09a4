"""The encounter's transcription status, derived from the state of its chunks."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.services import encounter_set_status
from soapify.stt.models import ChunkTranscription

_EDITABLE_ENCOUNTER_STATUSES = {
    Encounter.Status.CREATED,
    Encounter.Status.RECORDING,
    Encounter.Status.TRANSCRIBING,
    Encounter.Status.TRANSCRIBED,
    Encounter.Status.FAILED,
}


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
