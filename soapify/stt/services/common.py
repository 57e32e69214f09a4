"""What several transcription workflows share: the finalized-encounter refusal, the search
vector refresh and the chunk-transcription row update."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchVector
from django.utils import timezone

from soapify.core.errors import Conflict
from soapify.stt.models import ChunkTranscription, TranscriptSegment


def finalized_conflict() -> Conflict:
    return Conflict("The encounter is finalized; its transcript is read-only.", code="encounter_finalized")


def chunk_has_edits(chunk_id: int) -> bool:
    return TranscriptSegment.objects.filter(chunk_id=chunk_id, edited=True).exists()


def update_search_vector(**filters: Any) -> None:
    TranscriptSegment.objects.filter(**filters).update(search_vector=SearchVector("text", config="simple"))


def ct_update(ct_id: int, **values: Any) -> None:
    ChunkTranscription.objects.filter(pk=ct_id).update(updated_at=timezone.now(), **values)
