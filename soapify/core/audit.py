"""Audit of patient data: who did what to which object, from where, with what outcome."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.db import connection
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
) -> AuditLog:
    """Append one audit row. ``durable`` (default: for anything but a read) makes the row's
    commit wait for the WAL flush; see :func:`_insert_async_commit` for the other case."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    row = AuditLog(
        actor=actor,
        actor_username=getattr(actor, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        ip=client_ip(request) if request is not None else None,
        method=getattr(request, "method", "") or "",
        path=(getattr(request, "path", "") or "")[:512],
        status_code=status_code,
        outcome=outcome or (outcome_of(status_code) if status_code else "success"),
        extra=extra or {},
    )
    if durable is None:
        durable = action not in ("read", "list")
    if not durable and not connection.in_atomic_block:
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


def _insert_async_commit(row: AuditLog) -> None:
    """Insert an audit row in one round trip, committed with synchronous_commit off.

    For reads, and for writes that are themselves committed that way (a received upload chunk,
    durable only once its upload is committed): PostgreSQL still writes the row in order and
    never corrupts anything; at worst a database-server crash loses the last fraction of a second
    of such rows, together with the writes they describe. Other writes are audited with a normal,
    synchronous commit.
    """
    row.created_at = timezone.now()
    values = [
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
    ]
    with connection.cursor() as cur:
        cur.execute(_ASYNC_INSERT_SQL, values)
        row.pk = cur.fetchone()[0]
    row._state.adding = False


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
                )
            except Exception:  # pragma: no cover - never break a response because auditing failed
                logger.exception("audit write failed")
        return response
