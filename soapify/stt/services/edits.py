"""A doctor's corrections of transcript segments."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from soapify.core.errors import ApiError, NotFound
from soapify.encounters.models import Encounter
from soapify.stt.models import TranscriptSegment
from soapify.stt.services.common import finalized_conflict, update_search_vector

MAX_SEGMENT_TEXT = 10_000


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
            raise finalized_conflict()
        if text != seg.text:
            if not seg.edited:
                seg.original_text = seg.text
            seg.text = text
            seg.edited = True
            seg.edited_by = user
            seg.edited_at = timezone.now()
            seg.save(update_fields=["text", "original_text", "edited", "edited_by", "edited_at"])
            update_search_vector(pk=seg.pk)
    return seg
