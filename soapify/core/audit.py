"""Audit of patient data: who did what to which object, from where, with what outcome."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from soapify.core.models import AuditLog

logger = logging.getLogger("soapify.audit")

_ACTIONS = {
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
) -> AuditLog:
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return AuditLog.objects.create(
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


class AuditedViewMixin:
    """DRF views that read or write patient data: one audit row per request, whatever the outcome.

    ``audit_object_type`` names the object; the id comes from the URL (``audit_lookup_kwarg`` or the
    first URL kwarg) or, for creations, from the response body's ``id``.
    """

    audit_object_type: str = ""
    audit_lookup_kwarg: str | None = None

    def audit_action(self, request) -> str:
        if request.method == "GET" and not self.kwargs:
            return "list"
        return _ACTIONS.get(request.method, request.method.lower())

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.audit_object_type and request.method != "OPTIONS":
            object_id = ""
            if self.audit_lookup_kwarg:
                object_id = self.kwargs.get(self.audit_lookup_kwarg, "")
            elif self.kwargs:
                object_id = next(iter(self.kwargs.values()))
            elif isinstance(getattr(response, "data", None), dict):
                object_id = response.data.get("id", "")
            try:
                audit_record(
                    action=self.audit_action(request),
                    object_type=self.audit_object_type,
                    object_id=object_id,
                    request=request,
                    status_code=response.status_code,
                )
            except Exception:  # pragma: no cover - never break a response because auditing failed
                logger.exception("audit write failed")
        return response
