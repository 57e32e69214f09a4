"""Reads of transcripts, scoped to the caller, in the form the NLP and checklist engines use."""

from __future__ import annotations

import html
import re
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When

from soapify.core.transcript import TranscriptView, build_transcript
from soapify.encounters.models import AudioChunk, Encounter
from soapify.stt.models import TranscriptSegment

MAX_QUERY = 200
_SEL_START, _SEL_STOP = "\x02", "\x03"


def encounter_segments(*, encounter: Encounter):
    """The visit's segments in order. Typed segments are used only when no audio segment exists."""
    qs = TranscriptSegment.objects.filter(encounter=encounter).select_related("chunk")
    qs = qs.filter(chunk__isnull=True) | qs.filter(chunk__status=AudioChunk.Status.COMMITTED)
    segments = list(qs.in_visit_order())
    if any(s.source == TranscriptSegment.Source.STT for s in segments):
        segments = [s for s in segments if s.source == TranscriptSegment.Source.STT]
    return segments


def _view_of(segments, encounter: Encounter) -> TranscriptView:
    return build_transcript(
        [
            {"text": s.text, "speaker": s.speaker, "segment_id": s.id, "start": s.start, "end": s.end}
            for s in segments
        ],
        language=encounter.language or None,
    )


def encounter_transcript(*, encounter: Encounter) -> TranscriptView:
    """The whole visit as one text with each segment's character span (``TranscriptView``).

    Evidence anchors of drafts and checklist evaluations are offsets into ``TranscriptView.text``.
    """
    return _view_of(encounter_segments(encounter=encounter), encounter)


def encounter_transcript_detail(*, encounter: Encounter) -> tuple[TranscriptView, list[dict]]:
    """The ``TranscriptView`` (the very one evidence anchors use) and, for the API, each segment
    with its character span in ``view.text``."""
    segments = encounter_segments(encounter=encounter)
    view = _view_of(segments, encounter)
    by_id = {s.id: s for s in segments}
    rows = []
    for span in view.segments:
        seg = by_id[span.segment_id]
        rows.append(
            {
                "id": seg.id,
                "chunk_id": seg.chunk_id,
                "chunk_number": seg.chunk.chunk_number if seg.chunk_id else None,
                "source": seg.source,
                "start": seg.start,
                "end": seg.end,
                "text": span.text,
                "speaker": seg.speaker,
                "confidence": seg.confidence,
                "edited": seg.edited,
                "language": seg.language,
                "words": seg.words,
                "char_start": span.start_char,
                "char_end": span.end_char,
            }
        )
    return view, rows


def chunk_segments(*, chunk: AudioChunk) -> QuerySet[TranscriptSegment]:
    return TranscriptSegment.objects.filter(chunk=chunk).order_by("start", "index", "id")


def segment_search(*, user, q: str, encounter_id: int | None = None) -> QuerySet[Any]:
    """The caller's segments matching ``q``, best first.

    Full-text (``websearch_to_tsquery('simple', q)`` on the GIN-indexed ``search_vector``, ranked
    with ``ts_rank``) or, for what the parser does not split into words the way the user typed them
    (Persian affixes, a fragment of a word, a short query), a case-insensitive substring match that
    ranks below a full-text hit. Each row carries ``score`` and ``headline`` (``ts_headline``).
    """
    query = SearchQuery(q, search_type="websearch", config="simple")
    qs = TranscriptSegment.objects.for_user(user)
    if encounter_id is not None:
        qs = qs.filter(encounter_id=encounter_id)
    qs = qs.filter(Q(search_vector=query) | Q(text__icontains=q))
    substring = Case(When(text__icontains=q, then=Value(0.05)), default=Value(0.0), output_field=FloatField())
    return (
        qs.annotate(
            score=SearchRank(F("search_vector"), query) + substring,
            headline=SearchHeadline(
                "text",
                query,
                config="simple",
                start_sel=_SEL_START,
                stop_sel=_SEL_STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
            chunk_number=F("chunk__chunk_number"),
        )
        .only(
            "id",
            "encounter_id",
            "chunk_id",
            "source",
            "start",
            "end",
            "text",
            "speaker",
            "edited",
            "created_at",
        )
        .order_by("-score", "-encounter_id", "start", "id")
    )


def highlight(headline: str | None, text: str, q: str) -> str:
    """HTML-safe snippet: ``ts_headline``'s fragment with its matches in ``<mark>``; for a
    substring-only hit, the text around the first occurrence of ``q``."""
    headline = headline or ""
    if _SEL_START in headline:
        out = html.escape(headline)
        return out.replace(_SEL_START, "<mark>").replace(_SEL_STOP, "</mark>")
    m = re.search(re.escape(q.strip()), text, flags=re.IGNORECASE)
    if not m:
        return html.escape(headline or text[:200])
    a, b = m.span()
    left, right = max(0, a - 80), min(len(text), b + 80)
    return (
        ("… " if left else "")
        + html.escape(text[left:a])
        + "<mark>"
        + html.escape(text[a:b])
        + "</mark>"
        + html.escape(text[b:right])
        + (" …" if right < len(text) else "")
    )
