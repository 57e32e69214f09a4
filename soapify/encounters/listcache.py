"""A shared cache of each doctor's encounter list (count and pages), always consistent.

The encounter list is the hottest read of the API. Each doctor has a *list version* in the shared
cache (Redis in production, a file cache in development); cached counts and pages are stored under
that version. Every write to a doctor's encounters goes through ``encounters.services`` and calls
``list_changed`` (now and again once its transaction commits), which gives the doctor a new random version: every
process then misses and reads the database again. A reader racing a writer can only store what it
read under the *old* version, which no reader uses any more, so a stale page is never served.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

_TTL = 300


def _enabled() -> bool:
    return bool(getattr(settings, "ENCOUNTER_LIST_CACHE", True))


def _version_key(doctor_id: int) -> str:
    return f"enc:list:v:{doctor_id}"


def list_version(doctor_id: int) -> str | None:
    if not _enabled():
        return None
    key = _version_key(doctor_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key)
    return version


def list_changed(doctor_id: int) -> None:
    """Call on every change of a doctor's encounters: a new version now, and another once the
    transaction commits (whatever was cached in between was read before the change was visible)."""

    def bump() -> None:
        cache.set(_version_key(doctor_id), uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def cached(doctor_id: int, version: str | None, part: str, compute) -> Any:
    if version is None:
        return compute()
    key = f"enc:list:{doctor_id}:{version}:{part}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=_TTL)
    return value
