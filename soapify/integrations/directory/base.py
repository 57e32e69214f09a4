"""The patient directory interface: search, look up one patient, check the provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

SEXES = frozenset({"female", "male", "other", "unknown"})


@dataclass(frozen=True, slots=True)
class DirectoryRecord:
    ref: str
    full_name: str
    national_id: str = ""
    birth_date: date | None = None
    sex: str = "unknown"


@runtime_checkable
class PatientDirectory(Protocol):
    """Engines raise ``soapify.core.engines.EngineError`` with one of the codes
    ``directory_timeout`` / ``directory_unavailable`` (transient), ``directory_bad_reply``,
    ``directory_misconfigured``."""

    def search(self, query: str, *, limit: int) -> list[DirectoryRecord]: ...

    def get(self, ref: str) -> DirectoryRecord | None: ...

    def check(self) -> None:
        """Return when the directory answers; raise ``EngineError`` otherwise (health checks)."""
        ...
