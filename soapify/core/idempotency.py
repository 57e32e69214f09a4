"""``Idempotency-Key`` on POSTs that start work: the same key replays the first response.

Keys are per user and live for 24 h. The same key with a different request body is a 422; a key
whose first request is still running is a 409.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from soapify.core.errors import ApiError, Conflict, Unprocessable
from soapify.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)


def _describe(value):
    """Uploaded files are described by name and size; everything else as it is."""
    if hasattr(value, "read") and hasattr(value, "size"):
        return f"file:{getattr(value, 'name', '')}:{value.size}"
    return value


def _fingerprint(request) -> str:
    content_type = request.content_type or ""
    try:
        data = request.data
        if hasattr(data, "lists"):  # form and multipart bodies (QueryDict)
            data = {k: [_describe(v) for v in vs] for k, vs in data.lists()}
        body = json.dumps(data, sort_keys=True, default=str)
    except Exception:  # noqa: BLE001 - a parse error surfaces in the view itself
        body = f"{content_type}:{request.META.get('CONTENT_LENGTH', '')}"
    raw = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def idempotent(view_method):
    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255:
            raise ApiError("Idempotency-Key must be 1 to 255 characters.", code="invalid_idempotency_key")
        fingerprint = _fingerprint(request)
        IdempotencyRecord.objects.filter(
            user=request.user, key=key, created_at__lt=timezone.now() - TTL
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path[:512],
                    fingerprint=fingerprint,
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(user=request.user, key=key)
            if record.fingerprint != fingerprint:
                raise Unprocessable(
                    "This Idempotency-Key was already used with a different request.",
                    code="idempotency_key_reused",
                ) from None
            if record.status_code is None:
                raise Conflict(
                    "A request with this Idempotency-Key is still in progress.",
                    code="idempotency_in_progress",
                ) from None
            response = Response(record.response_body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = view_method(self, request, *args, **kwargs)
        except Exception:
            record.delete()
            raise
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            record.delete()
        else:
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=response.status_code, response_body=response.data
            )
        return response

    return wrapper
