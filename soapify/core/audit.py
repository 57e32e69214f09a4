"""Audit of patient data: who did what to which object, from where, with what outcome."""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections, transaction
from django.utils import timezone

from soapify.core.models import AuditLog

logger = logging.getLogger("soapify.audit")

METHOD_ACTIONS = {
    "GET": "read",
    "HEAD": "read",
    "POST": "create",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}


def client_ip(request) -> str | None:
    meta = getattr(request, "META", {})
    if settings.NUM_PROXIES:
        forwarded = [p.strip() for p in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if forwarded:
            return forwarded[-min(settings.NUM_PROXIES, len(forwarded))]
    return meta.get("REMOTE_ADDR") or None


def outcome_of(status_code: int) -> str:
    if status_code < 400:
        return "success"
    if status_code in (401, 403, 404):
        return "denied"
    return "error" if status_code >= 500 else "rejected"


def _text(value: str) -> str:
    """PostgreSQL text cannot hold NUL (a request path may carry one, percent-encoded)."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _clean(value: Any) -> Any:
    """``extra`` without NUL characters anywhere (jsonb refuses them too)."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def audit_record(
    *,
    action: str,
    object_type: str,
    object_id: Any = "",
    request=None,
    actor=None,
    status_code: int | None = None,
    outcome: str | None = None,
    extra: dict | None = None,
    durable: bool | None = None,
    buffered: bool = False,
) -> AuditLog:
    """Append one audit row. ``durable`` (default: for anything but a read) makes the row's
    commit wait for the WAL flush; see :func:`_insert_async_commit` for the other case.

    ``buffered`` (web requests, see :class:`AuditedViewMixin`): the row of a *read* that need not
    be durable is handed to this process's :data:`read_buffer` instead (written within
    ``AUDIT_READ_FLUSH_MS``, many rows per statement); the returned row then has no ``pk``.
    Writes are never buffered."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    row = AuditLog(
        actor=actor,
        actor_username=_text(getattr(actor, "username", "") or ""),
        action=action,
        object_type=object_type,
        object_id=_text(str(object_id or ""))[:64],
        ip=client_ip(request) if request is not None else None,
        method=_text(getattr(request, "method", "") or ""),
        path=_text(getattr(request, "path", "") or "")[:512],
        status_code=status_code,
        outcome=outcome or (outcome_of(status_code) if status_code else "success"),
        extra=_clean(extra or {}),
    )
    is_read = action in ("read", "list")
    if durable is None:
        durable = not is_read
    if not durable and not connection.in_atomic_block:
        row.created_at = timezone.now()
        if buffered and is_read and settings.AUDIT_READ_FLUSH_MS > 0:
            read_buffer.add(_values(row))
        else:
            _insert_async_commit(row)
    else:
        row.save()
    return row


_COLUMNS = (
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "ip",
    "method",
    "path",
    "status_code",
    "outcome",
    "extra",
    "created_at",
)
# Built once from constants (no user input): one statement that disables the WAL-flush wait for its
# own transaction and inserts the row.
_ASYNC_INSERT_SQL = (
    "WITH cfg AS (SELECT set_config('synchronous_commit', 'off', true)) "  # noqa: S608
    f"INSERT INTO core_auditlog ({', '.join(_COLUMNS)}) SELECT {', '.join(['%s'] * len(_COLUMNS))} FROM cfg "
    "RETURNING id"
)


def _values(row: AuditLog) -> tuple:
    return (
        row.actor_id,
        row.actor_username,
        row.action,
        row.object_type,
        row.object_id,
        row.ip,
        row.method,
        row.path,
        row.status_code,
        row.outcome,
        json.dumps(row.extra),
        row.created_at,
    )


def _insert_async_commit(row: AuditLog) -> None:
    """Insert an audit row in one round trip, committed with synchronous_commit off.

    For reads, and for writes that are themselves committed that way (a received upload chunk,
    durable only once its upload is committed): PostgreSQL still writes the row in order and
    never corrupts anything; at worst a database-server crash loses the last fraction of a second
    of such rows, together with the writes they describe. Other writes are audited with a normal,
    synchronous commit.
    """
    with connection.cursor() as cur:
        cur.execute(_ASYNC_INSERT_SQL, list(_values(row)))
        row.pk = cur.fetchone()[0]
    row._state.adding = False


class ReadAuditBuffer:
    """Audit rows of reads made by this web process, written by one background thread every
    ``AUDIT_READ_FLUSH_MS`` (sooner once ``AUDIT_READ_FLUSH_ROWS`` wait) in one multi-row INSERT
    committed asynchronously, on its own database connection.

    Why: a read's own audit INSERT is the largest part of a cached list request (a round trip
    and ~270 µs of CPU between the two processes); one statement for a few dozen rows costs a
    fraction of that per row. Each row keeps the time of its request. What this trades: rows of
    the last ``AUDIT_READ_FLUSH_MS`` are lost if the process is killed outright (a normal exit
    writes them, see ``atexit``), like the asynchronous commit's window on a database crash.
    Writes are never buffered. If the database refuses a batch, the rows are kept and retried
    (at most ``AUDIT_READ_BUFFER_MAX`` rows are held; beyond that the oldest are dropped, logged).
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        """A fresh, idle buffer (at construction, and in a forked child: the parent's rows, locks
        and thread are not the child's)."""
        self._rows: list[tuple] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, values: tuple) -> None:
        with self._lock:
            if self._thread is None:
                self._start()
            self._rows.append(values)
            pending = len(self._rows)
        if pending >= settings.AUDIT_READ_FLUSH_ROWS:
            self._wake.set()

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def _start(self) -> None:
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._wake, self._stopping), name="audit-flush", daemon=True
        )
        self._thread.start()

    def _run(self, wake: threading.Event, stopping: threading.Event) -> None:
        try:
            while not stopping.is_set():
                interval = settings.AUDIT_READ_FLUSH_MS
                wake.wait(interval / 1000 if interval > 0 else 1.0)
                wake.clear()
                self.flush()
        finally:
            self.flush()
            connections.close_all()  # this thread's connection

    def stop(self) -> None:
        """Write what waits and end the writer thread (process exit; tests). A later row starts
        a new one."""
        with self._lock:
            thread, wake, stopping = self._thread, self._wake, self._stopping
            self._thread = None
        if thread is not None:
            stopping.set()
            wake.set()
            thread.join(timeout=30)
        self.flush()  # rows added while the thread was stopping

    def flush(self) -> int:
        """Write every waiting row now (any thread); returns how many were written.

        A batch the database refuses for a connection problem is kept and retried; one it refuses
        for its content is written row by row, and only a row refused on its own is dropped
        (logged), so that one bad row never holds up the others."""
        with self._flush_lock:
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return 0
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            try:
                _write_rows(rows)
                return len(rows)
            except (OperationalError, InterfaceError):
                logger.exception("could not write %d read audit rows; retrying", len(rows))
                if not connection.in_atomic_block:
                    connection.close()  # reconnect next time
                with self._lock:
                    self._rows[:0] = rows
                    excess = len(self._rows) - settings.AUDIT_READ_BUFFER_MAX
                    if excess > 0:
                        del self._rows[:excess]
                        logger.error("dropped %d read audit rows: the database refused them", excess)
                return 0
            except DatabaseError:
                written = 0
                for row in rows:
                    try:
                        _write_rows([row])
                        written += 1
                    except DatabaseError:
                        logger.exception("dropped a read audit row the database refuses: %r", row)
                return written


def _write_rows(rows: list[tuple]) -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        for start in range(0, len(rows), 500):
            batch = rows[start : start + 500]
            cur.execute(_batch_sql(len(batch)), [v for row in batch for v in row])


def _batch_sql(n: int) -> str:
    one = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    return f"INSERT INTO core_auditlog ({', '.join(_COLUMNS)}) VALUES {', '.join([one] * n)}"  # noqa: S608


read_buffer = ReadAuditBuffer()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=read_buffer._reset)


atexit.register(read_buffer.stop)  # a normal exit (gunicorn's graceful stop) writes what waits


_UNSET = object()


class AuditedViewMixin:
    """DRF views that read or write patient data: one audit row per request, whatever the outcome.

    ``audit_object_type`` names the object. The id is ``self.audit_id`` when the view sets it (even
    to "" — e.g. a view whose URL carries a secret token sets it before anything can fail, so the
    token never reaches the log); otherwise the URL's ``audit_lookup_kwarg`` or first kwarg, or, for
    creations, the response body's ``id``. ``audit_action_name`` and ``audit_extra`` refine the row.
    """

    audit_object_type: str = ""
    audit_lookup_kwarg: str | None = None
    audit_action_name: str | None = None
    #: None: reads are audited with an asynchronous commit, writes durably (``audit_record``)
    audit_durable: bool | None = None

    def audit_action(self, request) -> str:
        if self.audit_action_name:
            return self.audit_action_name
        if request.method == "GET" and not self.kwargs:
            return "list"
        return METHOD_ACTIONS.get(request.method, request.method.lower())

    def audit_object_id(self, response) -> object:
        object_id = getattr(self, "audit_id", _UNSET)
        if object_id is not _UNSET:
            return object_id
        if self.audit_lookup_kwarg:
            return self.kwargs.get(self.audit_lookup_kwarg, "")
        if self.kwargs:
            return next(iter(self.kwargs.values()))
        if isinstance(getattr(response, "data", None), dict):
            return response.data.get("id", "")
        return ""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.audit_object_type and request.method != "OPTIONS":
            try:
                audit_record(
                    action=self.audit_action(request),
                    object_type=self.audit_object_type,
                    object_id=self.audit_object_id(response),
                    request=request,
                    status_code=response.status_code,
                    extra=getattr(self, "audit_extra", None),
                    durable=self.audit_durable,
                    buffered=True,
                )
            except Exception:  # pragma: no cover - never break a response because auditing failed
                logger.exception("audit write failed")
        return response
