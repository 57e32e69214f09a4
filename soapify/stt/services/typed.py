"""Typed or pasted transcripts: an encounter's dialogue without audio."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from soapify.core.errors import ApiError, Conflict, PayloadTooLarge
from soapify.core.signals import content_changed
from soapify.core.transcript import parse_dialogue
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.selectors import encounter_get_own
from soapify.encounters.services import encounter_set_status
from soapify.stt.models import TranscriptSegment
from soapify.stt.services.common import finalized_conflict, update_search_vector

MAX_TYPED_TRANSCRIPT = 200_000


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
            raise finalized_conflict()
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
        update_search_vector(encounter=encounter, source=TranscriptSegment.Source.TYPED)
        content_changed.send(sender=TranscriptSegment, encounter_id=encounter.pk)
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
