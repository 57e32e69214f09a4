"""Reads of transcripts, scoped to the caller, in the form the NLP and checklist engines use."""

from __future__ import annotations

from soapify.core.transcript import TranscriptView, build_transcript
from soapify.encounters.models import AudioChunk, Encounter
from soapify.stt.models import TranscriptSegment


def encounter_segments(*, encounter: Encounter):
    """The visit's segments in order. Typed segments are used only when no audio segment exists."""
    qs = TranscriptSegment.objects.filter(encounter=encounter).select_related("chunk")
    qs = qs.filter(chunk__isnull=True) | qs.filter(chunk__status=AudioChunk.Status.COMMITTED)
    segments = list(qs.in_visit_order())
    if any(s.source == TranscriptSegment.Source.STT for s in segments):
        segments = [s for s in segments if s.source == TranscriptSegment.Source.STT]
    return segments


def encounter_transcript(*, encounter: Encounter) -> TranscriptView:
    """The whole visit as one text with each segment's character span (``TranscriptView``).

    Evidence anchors of drafts and checklist evaluations are offsets into ``TranscriptView.text``.
    """
    segments = encounter_segments(encounter=encounter)
    language = encounter.language or None
    return build_transcript(
        [
            {"text": s.text, "speaker": s.speaker, "segment_id": s.id, "start": s.start, "end": s.end}
            for s in segments
        ],
        language=language,
    )
