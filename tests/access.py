"""The access matrix's case type, shared by ``tests/test_access_matrix.py`` and the per-app case
modules in ``tests/access_cases/`` (each defines ``CASES``: ``{(route, method): Case}``).

A case's ``path`` and ``body`` receive the matrix's ``World``: ``w.alice`` (the owner doctor),
``w.owner`` (her API client) and her objects made through the API on first use (``w.encounter``,
``w.transcribed``, ``w.job`` ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PUBLIC = {"other": 200, "admin": 200, "anon": 200}  # no credentials needed: every caller alike


@dataclass(frozen=True)
class Case:
    path: Callable[[Any], str]
    owner: int
    other: int = 404
    admin: int = 404
    anon: int = 401
    body: Callable[[Any], Any] | None = None
    format: str = "json"
    extra: dict = field(default_factory=dict)

    def expected(self, role: str) -> int:
        return getattr(self, role)
