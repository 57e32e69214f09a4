"""What every speech-to-text engine promises: one method, plain dataclass results, one error type.

Engines know nothing of the ORM, DRF or HTTP status codes. They raise
:class:`soapify.core.engines.EngineError` (``transient=True`` when a retry may help).
Times are seconds on the encounter timeline: an engine adds ``offset`` (the chunk's start) to
every segment and word it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from soapify.core.engines import EngineError

__all__ = [
    "AudioInput",
    "EngineError",
    "STTEngine",
    "Segment",
    "TranscriptionResult",
    "Word",
    "clip_confidence",
]

#: 16 kHz mono samples (float32 in -1..1 or int16), or a path to any audio file.
AudioInput = np.ndarray | str | Path


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str
    confidence: float = 1.0

    def shifted(self, seconds: float) -> Word:
        return replace(self, start=self.start + seconds, end=self.end + seconds)


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    text: str
    confidence: float = 1.0  # 0..1
    speaker: str | None = None
    words: list[Word] = field(default_factory=list)

    def shifted(self, seconds: float) -> Segment:
        return replace(
            self,
            start=self.start + seconds,
            end=self.end + seconds,
            words=[w.shifted(seconds) for w in self.words],
        )


@dataclass(slots=True)
class TranscriptionResult:
    segments: list[Segment]
    language: str | None
    engine: str
    model: str
    version: str

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)


@runtime_checkable
class STTEngine(Protocol):
    name: str
    model: str
    version: str

    def transcribe(
        self, audio: AudioInput, *, language: str | None = None, offset: float = 0.0
    ) -> TranscriptionResult: ...


def clip_confidence(value: float) -> float:
    """A confidence forced into 0..1 (NaN becomes 0)."""
    if value != value:  # NaN
        return 0.0
    return float(min(1.0, max(0.0, value)))
