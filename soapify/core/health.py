"""Health: liveness (the process answers) and readiness (what it depends on answers).

Readiness runs a registry of named checks, each a function that returns normally when its
dependency works and raises when it does not:

    @health_check("database")
    def database() -> None: ...

    run_checks()  # {"status": "up" | "down", "checks": {"database": {"status": "up", "latency_ms": 1.2}, ...}}

``READY_CHECKS`` (settings) chooses which of the registered checks ``/readyz`` runs. Other health
endpoints (AdminPlus: ``ADMINPLUS_HEALTH_CHECKS``, which adds ``storage`` and ``engines``) run the
same registry with their own selection; ``worker_heartbeats()`` gives each worker's queues and age.

Worker heartbeat: each Celery worker process writes ``{hostname: {at, queues, pid}}`` into one cache
entry every ``READY_WORKER_MAX_AGE / 3`` seconds from a small thread started on ``worker_ready``
(soapify/celery.py); the ``worker`` check passes while at least one entry is fresher than
``READY_WORKER_MAX_AGE``. Two workers beating at the same moment may overwrite each other's entry;
the next beat, a third of the allowed age later, puts it back.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connections
from django.utils.module_loading import import_string

from soapify.core.logs import redact

logger = logging.getLogger("soapify.health")

HealthCheck = Callable[[], None]
_CHECKS: dict[str, HealthCheck] = {}

WORKER_HEARTBEAT_KEY = "soapify:worker-heartbeats"


class CheckFailed(Exception):
    """A check's own, readable reason for failing."""


def health_check(name: str) -> Callable[[HealthCheck], HealthCheck]:
    """Register ``fn`` as the readiness check called ``name``."""

    def register(fn: HealthCheck) -> HealthCheck:
        _CHECKS[name] = fn
        return fn

    return register


def registered_checks() -> list[str]:
    return list(_CHECKS)


@dataclass(frozen=True)
class CheckResult:
    up: bool
    latency_ms: float
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "up" if self.up else "down", "latency_ms": self.latency_ms}
        if self.error:
            body["error"] = self.error
        return body


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, CheckFailed):
        return str(exc)
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return redact(f"{type(exc).__name__}: {first_line}".rstrip(": "))[:300]


def run_check(name: str) -> CheckResult:
    fn = _CHECKS[name]
    started = time.perf_counter()
    try:
        fn()
    except Exception as exc:
        latency, error = round((time.perf_counter() - started) * 1000, 1), _error_text(exc)
        logger.warning("health check %s failed: %s", name, error)
        return CheckResult(up=False, latency_ms=latency, error=error)
    return CheckResult(up=True, latency_ms=round((time.perf_counter() - started) * 1000, 1))


def run_checks(names: Iterable[str] | None = None) -> dict[str, Any]:
    """Run the named checks (default: ``READY_CHECKS``) one after the other; each bounds its own
    wait by ``READY_CHECK_TIMEOUT``. ``status`` is ``up`` only when every check is."""
    selected = list(settings.READY_CHECKS if names is None else names)
    unknown = [n for n in selected if n not in _CHECKS]
    if unknown:
        raise LookupError(f"Unknown health checks {unknown}; registered: {registered_checks()}")
    results = {name: run_check(name) for name in selected}
    return {
        "status": "up" if all(r.up for r in results.values()) else "down",
        "checks": {name: r.as_dict() for name, r in results.items()},
    }


def _timeout() -> float:
    return float(settings.READY_CHECK_TIMEOUT)


# ----------------------------------------------------------------------------------------- checks


@health_check("database")
def check_database() -> None:
    """``SELECT 1`` over a new connection (so a dead pooled one cannot hide an outage or cause one),
    with connect and statement time-outs of ``READY_CHECK_TIMEOUT``."""
    wrapper = connections["default"]
    settings_dict = {**wrapper.settings_dict, "OPTIONS": {**wrapper.settings_dict.get("OPTIONS", {})}}
    # libpq counts connect_timeout in whole seconds and treats anything under 2 as 2
    settings_dict["OPTIONS"]["connect_timeout"] = max(2, math.ceil(_timeout()))
    probe = type(wrapper)(settings_dict, "default")
    try:
        with probe.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {max(1, int(_timeout() * 1000))}")
            cursor.execute("SELECT 1")
            if cursor.fetchone() != (1,):
                raise CheckFailed("SELECT 1 did not return 1")
    finally:
        probe.close()


@health_check("cache")
def check_cache() -> None:
    """Write a value to the default cache and read it back."""
    key = f"soapify:health:{os.getpid()}:{threading.get_ident()}"
    value = uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    if cache.get(key) != value:
        raise CheckFailed("the cache did not return the value just written")


@health_check("broker")
def check_broker() -> None:
    """The Celery broker accepts a connection (time-out ``READY_CHECK_TIMEOUT``); for the
    filesystem broker, its folders exist and are writable."""
    app = current_app
    url = str(app.conf.broker_url or "")
    if url.startswith("filesystem"):
        options = app.conf.broker_transport_options or {}
        keys = ("data_folder_in", "data_folder_out", "processed_folder")
        for folder in {options[k] for k in keys if options.get(k)}:
            path = Path(folder)
            if not path.is_dir():
                raise CheckFailed(f"broker folder {path.name!r} is missing")
            if not os.access(path, os.W_OK | os.X_OK):
                raise CheckFailed(f"broker folder {path.name!r} is not writable")
        return
    with app.connection_for_write(connect_timeout=_timeout()) as conn:
        conn.ensure_connection(max_retries=0, timeout=_timeout())


@health_check("worker")
def check_worker() -> None:
    """At least one Celery worker wrote its heartbeat within ``READY_WORKER_MAX_AGE`` seconds."""
    max_age = float(settings.READY_WORKER_MAX_AGE)
    beats = cache.get(WORKER_HEARTBEAT_KEY) or {}
    now = time.time()
    if not any(now - float(b.get("at", 0)) <= max_age for b in beats.values()):
        raise CheckFailed(f"no worker heartbeat in the last {max_age:g} s")


#: the storage aliases whose backends the ``storage`` check writes to (each distinct one once)
STORAGE_ALIASES = ("default", "audio", "outputs")


@health_check("storage")
def check_storage() -> None:
    """Write a small object to each file storage (``default``, ``audio``, ``outputs``; the same
    backend and location once), read it back and delete it."""
    seen: set[str] = set()
    configured: dict[str, Any] = getattr(settings, "STORAGES", {})
    for alias in STORAGE_ALIASES:
        config: dict[str, Any] = configured.get(alias) or {}
        if not config:
            continue
        identity = repr(sorted((k, repr(v)) for k, v in config.items()))
        if identity in seen:
            continue
        seen.add(identity)
        storage = storages[alias]
        value = uuid.uuid4().hex.encode()
        name = storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(value))
        try:
            with storage.open(name, "rb") as fh:
                if fh.read() != value:
                    raise CheckFailed(f"storage {alias!r} did not return the object just written")
        finally:
            storage.delete(name)


def engine_settings() -> list[str]:
    """The engine registries configured in settings (every ``*_ENGINES`` setting)."""
    return sorted(name for name in dir(settings) if name.endswith("_ENGINES") and name.isupper())


@health_check("engines")
def check_engines() -> None:
    """Every engine alias of every registry (``STT_ENGINES``, ``NOTE_ENGINES`` ...) names a backend
    that imports. Nothing is built or loaded (models stay where they are); providers' reachability
    is ``/api/integrations/health/``'s."""
    broken = []
    for setting in engine_settings():
        registry: dict[str, Any] = getattr(settings, setting) or {}
        for alias, conf in registry.items():
            backend = str((conf or {}).get("BACKEND") or "")
            try:
                import_string(backend)
            except (ImportError, TypeError, ValueError) as exc:
                broken.append(f"{setting}[{alias!r}]: {type(exc).__name__}")
    if broken:
        raise CheckFailed("engine backends that do not import: " + "; ".join(broken)[:250])


def worker_heartbeats(*, now: float | None = None) -> list[dict[str, Any]]:
    """Each worker that beat recently: hostname, queues, pid, last heartbeat (epoch seconds), its
    age and whether it is within ``READY_WORKER_MAX_AGE``; newest first."""
    now = time.time() if now is None else now
    max_age = float(settings.READY_WORKER_MAX_AGE)
    rows = []
    for hostname, beat in (cache.get(WORKER_HEARTBEAT_KEY) or {}).items():
        at = float(beat.get("at", 0))
        rows.append(
            {
                "hostname": hostname,
                "queues": list(beat.get("queues") or []),
                "pid": beat.get("pid"),
                "last_heartbeat": at,
                "age_seconds": round(max(0.0, now - at), 1),
                "alive": now - at <= max_age,
            }
        )
    return sorted(rows, key=lambda r: -r["last_heartbeat"])


# ----------------------------------------------------------------------------------- heartbeats


def worker_heartbeat_beat(hostname: str, queues: list[str], *, now: float | None = None) -> None:
    """Record that the worker ``hostname`` (consuming ``queues``) is alive; drop long-gone workers."""
    now = time.time() if now is None else now
    max_age = float(settings.READY_WORKER_MAX_AGE)
    beats = {
        h: b
        for h, b in (cache.get(WORKER_HEARTBEAT_KEY) or {}).items()
        if now - b.get("at", 0) < 10 * max_age
    }
    beats[hostname] = {"at": now, "queues": sorted(queues), "pid": os.getpid()}
    cache.set(WORKER_HEARTBEAT_KEY, beats, timeout=int(10 * max_age) + 1)


def worker_heartbeat_forget(hostname: str) -> None:
    beats = cache.get(WORKER_HEARTBEAT_KEY) or {}
    if beats.pop(hostname, None) is not None:
        cache.set(WORKER_HEARTBEAT_KEY, beats, timeout=int(10 * float(settings.READY_WORKER_MAX_AGE)) + 1)


class WorkerHeartbeat:
    """A daemon thread in a Celery worker's main process that beats every ``interval`` seconds."""

    def __init__(self, hostname: str, queues: list[str], interval: float) -> None:
        self.hostname, self.queues, self.interval = hostname, queues, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soapify-worker-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                worker_heartbeat_beat(self.hostname, self.queues)
            except Exception:
                logger.warning("worker heartbeat could not be written", exc_info=True)
            if self._stop.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            worker_heartbeat_forget(self.hostname)
        except Exception:
            logger.warning("worker heartbeat could not be removed", exc_info=True)


_heartbeat: WorkerHeartbeat | None = None


def worker_heartbeat_start(sender: Any = None, **_kwargs: Any) -> None:
    """``worker_ready`` receiver (``sender`` is the worker's consumer): start beating for this
    worker, with its hostname and queues."""
    global _heartbeat
    consumer = sender
    hostname = str(getattr(consumer, "hostname", "") or "unknown")
    task_consumer = getattr(consumer, "task_consumer", None)
    queues = [q.name for q in getattr(task_consumer, "queues", [])] if task_consumer else []
    interval = max(1.0, float(settings.READY_WORKER_MAX_AGE) / 3)
    _heartbeat = WorkerHeartbeat(hostname, queues, interval)
    _heartbeat.start()


def worker_heartbeat_stop(**_kwargs: Any) -> None:
    """``worker_shutdown`` receiver."""
    global _heartbeat
    if _heartbeat is not None:
        _heartbeat.stop()
        _heartbeat = None
