"""Cutting one transcript segment where its speaker changes (the cut points come from
:meth:`soapify.stt.diarization.engines.Diarizer.change_points`).

A cut is made only at a single space of the segment's text between two words, and that space
becomes the line break the transcript puts between segments: every character keeps its offset in
the encounter's transcript text, so evidence anchors stay valid, and no text is lost or repeated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from soapify.stt.diarization.engines import Span

_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a cut segment: its time span, its text and its words (``words[lo:hi]``)."""

    span: Span
    text: str
    lo: int
    hi: int


def word_spans(words: list[dict]) -> list[Span]:
    return [Span(float(w["start"]), float(w["end"])) for w in words]


def text_cuts(text: str, words: list[dict], cuts: list[int]) -> list[int] | None:
    """The character position in ``text`` (a single space) of every cut before ``words[k]``, or
    None when the words do not line up with the text's whitespace-separated tokens (an edited
    segment, an engine that attaches punctuation differently): such a segment is left whole."""
    tokens = list(_TOKEN.finditer(text))
    if len(tokens) != len(words) or not tokens:
        return None
    for tok, w in zip(tokens, words, strict=True):
        if tok.group() != str(w.get("text", "")).strip():
            return None
    positions = []
    for k in cuts:
        if not 0 < k < len(tokens):
            return None
        pos = tokens[k - 1].end()
        if tokens[k].start() != pos + 1 or text[pos] != " ":
            return None
        positions.append(pos)
    return positions


def split_segment(segment: Span, text: str, words: list[dict], cuts: list[int]) -> list[Part]:
    """``segment`` cut before each ``words[k]`` for ``k`` in ``cuts``; one part (the segment whole)
    when there is no cut or the text cannot be cut cleanly."""
    cuts = sorted(set(cuts))
    positions = text_cuts(text, words, cuts) if cuts else None
    if not positions:
        return [Part(segment, text, 0, len(words))]
    spans = word_spans(words)
    bounds = [0, *cuts, len(words)]
    chars = [0, *(p + 1 for p in positions)]
    char_ends = [*positions, len(text)]
    parts = []
    for i, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False)):
        start = segment.start if i == 0 else spans[lo].start
        end = segment.end if hi == len(words) else spans[hi - 1].end
        parts.append(Part(Span(start, max(start, end)), text[chars[i] : char_ends[i]], lo, hi))
    return parts
