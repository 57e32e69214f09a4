"""The SOAP engine interface: a transcript in, a draft (``soapify.core.draft_schema``) out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from soapify.core.draft_schema import Draft
from soapify.core.transcript import TranscriptView


@dataclass(slots=True)
class DraftResult:
    """What an engine produced and which engine, model and version produced it."""

    draft: Draft
    engine: str
    model: str
    version: str
    fallback_reason: str | None = None  # set when an engine fell back to another one


@runtime_checkable
class NoteEngine(Protocol):
    name: str
    model: str
    version: str

    def generate(self, transcript: TranscriptView, *, language: str | None = None) -> DraftResult:
        """Extract a SOAP draft; raises ``soapify.core.engines.EngineError`` on failure."""
        ...
