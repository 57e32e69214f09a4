"""Fake note engines for tests of the code around the engines."""

from __future__ import annotations

from soapify.core.draft_schema import empty_draft
from soapify.core.engines import EngineError
from soapify.core.transcript import TranscriptView
from soapify.nlp.engines.base import DraftResult


class BadAnchorEngine:
    """One good item and two with wrong anchors (off by one; out of range)."""

    name = "fake"
    model = "fake-model"
    version = "0.1"

    def generate(self, transcript: TranscriptView, *, language: str | None = None) -> DraftResult:
        text = transcript.text
        draft = empty_draft("en")
        word = "headache"
        i = text.index(word)
        good = {"start": i, "end": i + len(word), "text": word, "segment_id": None}
        shifted = {"start": i + 1, "end": i + 1 + len(word), "text": word, "segment_id": None}
        outside = {"start": len(text) + 5, "end": len(text) + 12, "text": "invented", "segment_id": None}
        base = {"kind": "hpi", "negated": False, "uncertain": False, "confidence": 0.9}
        draft["sections"]["subjective"] = {
            "text": "Headache.",
            "items": [
                {**base, "text": "Headache.", "evidence": [good]},
                {**base, "text": "Shifted.", "evidence": [good, shifted]},
                {**base, "text": "Invented.", "evidence": [outside]},
            ],
        }
        return DraftResult(draft=draft, engine=self.name, model=self.model, version=self.version)


class BrokenEngine:
    name = "broken"
    model = "none"
    version = "0"

    def generate(self, transcript: TranscriptView, *, language: str | None = None) -> DraftResult:
        raise EngineError("The engine is broken.", code="engine_broken")
