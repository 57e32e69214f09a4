"""A transcript as the NLP and checklist engines see it: plain text plus the spans of its segments.

Engines never touch the ORM: the STT app turns stored segments into a ``TranscriptView`` and the
engines anchor every piece of evidence to character offsets in ``TranscriptView.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SPEAKER_DOCTOR = "doctor"
SPEAKER_PATIENT = "patient"

_RTL_CHARS = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN_CHARS = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class SegmentSpan:
    """One transcript segment and where its text sits in the transcript's plain text."""

    start_char: int
    end_char: int
    text: str
    speaker: str | None = None
    segment_id: int | None = None
    start: float | None = None  # seconds on the encounter timeline
    end: float | None = None


@dataclass(slots=True)
class TranscriptView:
    """The whole visit as one string; ``segments`` cover it in order, joined by newlines."""

    text: str
    segments: list[SegmentSpan] = field(default_factory=list)
    language: str = "en"

    def segment_at(self, char: int) -> SegmentSpan | None:
        """The segment that contains character offset ``char`` (binary search)."""
        lo, hi = 0, len(self.segments) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            seg = self.segments[mid]
            if char < seg.start_char:
                hi = mid - 1
            elif char >= seg.end_char:
                lo = mid + 1
            else:
                return seg
        return None

    def segments_between(self, start: int, end: int) -> list[SegmentSpan]:
        return [s for s in self.segments if s.start_char < end and s.end_char > start]


def detect_language(text: str) -> str:
    """'fa' when Arabic-script letters outnumber Latin ones, else 'en'."""
    rtl = len(_RTL_CHARS.findall(text))
    latin = len(_LATIN_CHARS.findall(text))
    return "fa" if rtl > latin else "en"


def build_transcript(parts: list[dict], language: str | None = None) -> TranscriptView:
    """Join segment dicts (``text`` and optional ``speaker``, ``segment_id``, ``start``, ``end``)."""
    pieces: list[str] = []
    spans: list[SegmentSpan] = []
    pos = 0
    for part in parts:
        text = (part.get("text") or "").strip()
        if not text:
            continue
        if pieces:
            pieces.append("\n")
            pos += 1
        pieces.append(text)
        spans.append(
            SegmentSpan(
                start_char=pos,
                end_char=pos + len(text),
                text=text,
                speaker=part.get("speaker"),
                segment_id=part.get("segment_id"),
                start=part.get("start"),
                end=part.get("end"),
            )
        )
        pos += len(text)
    full = "".join(pieces)
    return TranscriptView(text=full, segments=spans, language=language or detect_language(full))


_TURN = re.compile(r"^\s*(?:\[(?P<b>[^\]]+)\]|(?P<p>[A-Za-z_ ]{1,20}|[\u0600-\u06FF ]{1,20}):)\s*(?P<t>.*)$")
_SPEAKER_ALIASES = {
    "doctor": SPEAKER_DOCTOR,
    "d": SPEAKER_DOCTOR,
    "dr": SPEAKER_DOCTOR,
    "guest_clinician": SPEAKER_DOCTOR,
    "clinician": SPEAKER_DOCTOR,
    "پزشک": SPEAKER_DOCTOR,
    "دکتر": SPEAKER_DOCTOR,
    "patient": SPEAKER_PATIENT,
    "p": SPEAKER_PATIENT,
    "بیمار": SPEAKER_PATIENT,
}


def _speaker(label: str) -> str:
    key = label.strip().lower()
    return _SPEAKER_ALIASES.get(key, key.replace(" ", "_") or "unknown")


def parse_dialogue(dialogue: str, language: str | None = None) -> TranscriptView:
    """Parse a typed or pasted dialogue into a transcript.

    Understands ACI-BENCH turns (``[doctor] text``), MTS-Dialog turns (``Doctor: text``), the test
    audio references (``D: text``) and Persian labels (``پزشک: ...``). Lines with no label continue the
    previous turn's speaker (or have none).
    """
    # ACI-BENCH puts several turns on one line: split before every "[label]".
    normalised = re.sub(r"\s*(\[[A-Za-z_ ]{1,20}\])", r"\n\1", dialogue.replace("\r\n", "\n"))
    parts: list[dict] = []
    current: str | None = None
    for raw in normalised.split("\n"):
        line = raw.strip()
        if not line:
            continue
        m = _TURN.match(line)
        if m and (m.group("b") or m.group("p")):
            current = _speaker(m.group("b") or m.group("p"))
            line = m.group("t").strip()
            if not line:
                continue
        parts.append({"text": line, "speaker": current})
    return build_transcript(parts, language=language)
