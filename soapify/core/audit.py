"""Audit of patient data: who did what to which object, from where, with what outcome.

Every row is a plain ORM insert, committed synchronously with whatever transaction it belongs to.
A web request audited by :class:`AuditedViewMixin` writes its row in its own transaction, so the
row and the request's changes are committed together, or neither is (fail closed: a request
whose audit row cannot be written is answered 503 ``audit_unavailable`` and changes nothing).
Outside a request (services, tasks) :func:`audit_record` is an ordinary insert in the caller's
transaction, or its own in autocommit mode.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.core.errors import error_body
from soapify.core.logs import redact
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
) -> AuditLog:
    """Append one audit row (an INSERT in the caller's transaction). A database error is raised,
    never swallowed: the caller's transaction then fails with it."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return AuditLog.objects.create(
        actor=actor,
        actor_username=_text(getattr(actor, "username", "") or ""),
        action=action,
        object_type=object_type,
        object_id=_text(str(object_id or ""))[:64],
        ip=client_ip(request) if request is not None else None,
        method=_text(getattr(request, "method", "") or ""),
        path=_text(redact(getattr(request, "path", "") or ""))[:512],  # no share-link tokens
        status_code=status_code,
        outcome=outcome or (outcome_of(status_code) if status_code else "success"),
        extra=_clean(extra or {}),
    )


class AuditUnavailable(Exception):
    """The audit row of a request could not be written; the request is refused (503)."""


_UNSET = object()


class AuditedViewMixin(APIView):
    """DRF views that read or write patient data: one audit row per request, whatever the outcome,
    in the request's own transaction.

    The whole request (authentication, permission checks, the handler, the audit row) runs in one
    ``transaction.atomic()``; the row is written in ``finalize_response``, which DRF also calls for
    the responses it makes of exceptions, so denied and rejected requests have their rows too.

    - An unexpected failure (a 5xx) keeps nothing: the request's changes are rolled back to a
      savepoint taken at its start, then the failure's row is written and committed alone.
    - A deliberate 4xx (an ``ApiError`` from a service, DRF's validation, 401/403/404/429) keeps
      what was committed before it: a service's multi-step write is in its own
      ``transaction.atomic()`` block, which rolls back by itself when the error is raised inside
      it, and what a service records on purpose before refusing (e.g. a rejected chunk and its
      reason, whose stored object it has already deleted) stays consistent with the outside world.
    - If the audit row cannot be written, the whole transaction is rolled back and the client gets
      503 ``audit_unavailable``: no data leaves, and no change is kept, without its row.

    ``audit_object_type`` names the object. The id is ``self.audit_id`` when the view sets it (even
    to "" — e.g. a view whose URL carries a secret token sets it before anything can fail, so the
    token never reaches the log); otherwise the URL's ``audit_lookup_kwarg`` or first kwarg, or, for
    creations, the response body's ``id``. ``audit_action_name`` and ``audit_extra`` refine the row.
    """

    audit_object_type: str = ""
    audit_lookup_kwarg: str | None = None
    audit_action_name: str | None = None

    def dispatch(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                self._audit_savepoint = transaction.savepoint()
                return super().dispatch(request, *args, **kwargs)
        except AuditUnavailable:
            response = Response(
                error_body("audit_unavailable", "The request could not be recorded; nothing was changed."),
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
            return super().finalize_response(self.request, response, *args, **kwargs)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if response.status_code >= 500 or transaction.get_rollback():
            # An unexpected failure, or a transaction a failed atomic(savepoint=False) block left
            # unusable: nothing the request did is kept (its on_commit callbacks go too). The
            # failure's own row, written next, is then committed alone.
            transaction.set_rollback(False)
            transaction.savepoint_rollback(self._audit_savepoint)
        return response

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
                )
            except DatabaseError as exc:
                logger.exception("audit write failed; the request is refused and rolled back")
                raise AuditUnavailable from exc
        return response
