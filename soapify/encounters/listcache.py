"""A shared cache of each doctor's encounter list (count and pages), always consistent.

The encounter list is the hottest read of the API. Each doctor has a *list version* in the shared
cache (Redis in production, a file cache in development); cached counts and pages are stored under
that version. Every write to a doctor's encounters goes through ``encounters.services`` and calls
``list_changed`` (now and again once its transaction commits), which gives the doctor a new random version: every
process then misses and reads the database again. A reader racing a writer can only store what it
read under the *old* version, which no reader uses any more, so a stale page is never served.

What is stored under a version never changes, so each process also keeps the entries it used
last in memory (``_local``): a warm request reads only the version from the shared
cache.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from soapify.core.lru import LRU

_TTL = 300


def _enabled() -> bool:
    return bool(settings.ENCOUNTER_LIST_CACHE)


def version_key(doctor_id: int) -> str:
    return f"enc:list:v:{doctor_id}"


def list_version(doctor_id: int, prefetched: dict | None = None) -> str | None:
    """The doctor's current list version (``prefetched``: cache values already read in this
    request, see accounts.authentication)."""
    if not _enabled():
        return None
    key = version_key(doctor_id)
    version = (prefetched or {}).get(key) or cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key)
    return version


def list_changed(doctor_id: int) -> None:
    """Call on every change of a doctor's encounters: a new version now, and another once the
    transaction commits (whatever was cached in between was read before the change was visible)."""

    def bump() -> None:
        cache.set(version_key(doctor_id), uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


# This process's most recently used entries. Keys carry the list version, so an entry is never
# stale; entries of old versions simply age out.
_local = LRU(1024)


def cached(doctor_id: int, version: str | None, part: str, compute) -> Any:
    """The value of ``part`` of the doctor's list at ``version``: from this process's memory, the
    shared cache, or ``compute()`` (then stored in both). No caching without a version."""
    if version is None:
        return compute()
    key = f"enc:list:{doctor_id}:{version}:{part}"
    value = _local.get(key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=_TTL)
    _local.put(key, value)
    return value
