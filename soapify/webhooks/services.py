"""Webhook writes: endpoints (create, change, rotate the secret, delete), events into deliveries,
and one delivery attempt (claim, sign, send, record, schedule the next or give up)."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from standardwebhooks import Webhook

from soapify.core.errors import ApiError, Conflict
from soapify.webhooks import events
from soapify.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from soapify.webhooks.transport import Answer, DestinationRefused, destination_check, post

logger = logging.getLogger("soapify.webhooks")

USER_AGENT = "SOAPify-Webhooks/1.0"
MAX_GRACE_SECONDS = 7 * 24 * 3600


# --- endpoints ----------------------------------------------------------------------------------------


def secret_new() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def url_check(url: str) -> str:
    """The URL as stored, or a 400 naming why it may not be called (checked again at delivery)."""
    url = url.strip()
    try:
        destination_check(url)
    except DestinationRefused as exc:
        raise ApiError(exc.message, code=exc.code, fields={"url": [exc.message]}) from None
    return url


def webhook_create(*, user, url: str, events: list[str], description: str = "") -> WebhookEndpoint:
    url = url_check(url)
    limit = int(settings.WEBHOOKS_MAX_PER_USER)
    if WebhookEndpoint.objects.filter(owner=user).count() >= limit:
        raise Conflict(f"A user may have at most {limit} webhooks.", code="too_many_webhooks")
    return WebhookEndpoint.objects.create(
        owner=user, url=url, events=sorted(set(events)), description=description, secret=secret_new()
    )


def webhook_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    if url is not None:
        endpoint.url = url_check(url)
    if events is not None:
        endpoint.events = sorted(set(events))
    if description is not None:
        endpoint.description = description
    with transaction.atomic():
        if is_active is True and not endpoint.is_active:
            endpoint.is_active = True
            endpoint.disabled_at = None
            endpoint.disabled_reason = ""
            endpoint.failing_since = None
        elif is_active is False and endpoint.is_active:
            _endpoint_disable(endpoint, reason="Disabled by its owner.")
        endpoint.save()
    return endpoint


def webhook_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()  # its deliveries and attempts go with it


def webhook_rotate_secret(*, endpoint: WebhookEndpoint, grace_seconds: int | None = None) -> WebhookEndpoint:
    """A new secret; the replaced one keeps being signed with (a second signature) for
    ``grace_seconds`` (default ``WEBHOOKS_SECRET_GRACE_SECONDS``; 0 drops it at once)."""
    grace = int(settings.WEBHOOKS_SECRET_GRACE_SECONDS if grace_seconds is None else grace_seconds)
    if not 0 <= grace <= MAX_GRACE_SECONDS:
        raise ApiError(
            f"grace_seconds must be between 0 and {MAX_GRACE_SECONDS}.",
            code="validation_error",
            fields={"grace_seconds": ["Out of range."]},
        )
    endpoint.previous_secret = endpoint.secret if grace else ""
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(seconds=grace) if grace else None
    endpoint.secret = secret_new()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint


def _endpoint_disable(endpoint: WebhookEndpoint, *, reason: str) -> None:
    """Stop sending to the endpoint; its waiting deliveries fail with ``reason`` as their note."""
    now = timezone.now()
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason[:500]
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_at=now, disabled_reason=endpoint.disabled_reason
    )
    WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None, note=endpoint.disabled_reason
    )


# --- events into deliveries ------------------------------------------------------------------------------


def _payload(event_type: str, data: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {"type": event_type, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data}


def subscribed(*, owner_id: int, event_type: str) -> bool:
    return WebhookEndpoint.objects.filter(
        owner_id=owner_id, is_active=True, events__contains=[event_type]
    ).exists()


def event_emit(*, owner_id: int, event_type: str, event_id: str, data: dict[str, Any]) -> list[int]:
    """One pending delivery per active endpoint of the owner subscribed to ``event_type`` (none new
    if this event was already emitted); the ids of the deliveries to send now."""
    now = timezone.now()
    endpoints = list(
        WebhookEndpoint.objects.filter(owner_id=owner_id, is_active=True, events__contains=[event_type])
    )
    if not endpoints:
        return []
    payload = _payload(event_type, data, now)
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                next_attempt_at=now,
                queued_at=now,
            )
            for endpoint in endpoints
        ],
        ignore_conflicts=True,
    )
    return list(
        WebhookDelivery.objects.filter(
            endpoint__in=endpoints, event_id=event_id, status=WebhookDelivery.Status.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )


def webhook_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ``webhook.test`` event to this endpoint only (whatever it subscribed to)."""
    if not endpoint.is_active:
        raise Conflict(
            "The webhook is disabled; enable it first (PATCH is_active=true).", code="webhook_disabled"
        )
    now = timezone.now()
    data = {"webhook_id": endpoint.pk, "links": {"webhook": events.link(f"/api/webhooks/{endpoint.pk}/")}}
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=events.new_event_id(),
        event_type=events.TEST,
        payload=_payload(events.TEST, data, now),
        next_attempt_at=now,
        queued_at=now,
    )


def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a finished delivery again (same ``webhook-id``, a new round of the retry schedule)."""
    if delivery.status in (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.SENDING):
        raise Conflict("The delivery is still under way.", code="delivery_in_progress")
    if not delivery.endpoint.is_active:
        raise Conflict(
            "The webhook is disabled; enable it first (PATCH is_active=true).", code="webhook_disabled"
        )
    now = timezone.now()
    updated = WebhookDelivery.objects.filter(
        pk=delivery.pk, status__in=[WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED]
    ).update(
        status=WebhookDelivery.Status.PENDING,
        round_start=F("attempts"),
        next_attempt_at=now,
        queued_at=now,
        note="",
    )
    if not updated:
        raise Conflict("The delivery is still under way.", code="delivery_in_progress")
    delivery.refresh_from_db()
    return delivery


# --- sending ------------------------------------------------------------------------------------------


def signature_headers(endpoint: WebhookEndpoint, event_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """Standard Webhooks headers; during a rotation's grace period the previous secret's signature
    follows the current one's, space-separated."""
    keys = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > at:
        keys.append(endpoint.previous_secret)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(Webhook(key).sign(event_id, at, body) for key in keys),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def _lease() -> timedelta:
    return timedelta(
        seconds=float(settings.WEBHOOKS_CONNECT_TIMEOUT)
        + float(settings.WEBHOOKS_READ_TIMEOUT)
        + float(settings.WEBHOOKS_TOTAL_TIMEOUT)
        + 30.0
    )


def _due(now: datetime) -> Q:
    return Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=WebhookDelivery.Status.SENDING, claimed_until__lt=now
    )


def deliveries_due(*, limit: int = 500) -> list[int]:
    """Deliveries whose attempt is due and whose message was not sent in the last minute (a lost
    message, a retry come due, a worker that died mid-attempt); marked as sent."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.filter(_due(now), endpoint__is_active=True)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - timedelta(seconds=60)))
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def _claim(delivery_id: int, token: uuid.UUID) -> str:
    """Take the delivery's due attempt: ``claimed``, ``skipped`` (not due, taken, gone, webhook
    disabled) or ``deferred`` (its webhook already has ``WEBHOOKS_MAX_IN_FLIGHT`` attempts under
    way: it waits for one of them to end, see ``delivery_next``). The webhook's row is locked
    meanwhile, so concurrent claims for one webhook are counted one after the other."""
    now = timezone.now()
    with transaction.atomic():
        endpoint_id = (
            WebhookDelivery.objects.filter(pk=delivery_id).values_list("endpoint_id", flat=True).first()
        )
        if endpoint_id is None:
            return "skipped"
        locked = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id, is_active=True)
        if not locked.values_list("pk", flat=True).first():
            return "skipped"
        due = WebhookDelivery.objects.filter(_due(now), pk=delivery_id)
        in_flight = WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id, status=WebhookDelivery.Status.SENDING, claimed_until__gte=now
        ).count()
        if in_flight >= int(settings.WEBHOOKS_MAX_IN_FLIGHT):
            return "deferred" if due.update(queued_at=None) else "skipped"
        claimed = due.update(
            status=WebhookDelivery.Status.SENDING,
            claim=token,
            claimed_until=now + _lease(),
            attempts=F("attempts") + 1,
        )
    return "claimed" if claimed else "skipped"


def delivery_next(*, delivery_id: int) -> int | None:
    """After an attempt: the next due delivery of the same webhook that was deferred (oldest first),
    marked as sent, so a burst to one webhook drains one after the other without waiting for the
    sweep."""
    endpoint_id = WebhookDelivery.objects.filter(pk=delivery_id).values_list("endpoint_id", flat=True).first()
    if endpoint_id is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        pk = (
            WebhookDelivery.objects.filter(
                endpoint_id=endpoint_id,
                status=WebhookDelivery.Status.PENDING,
                next_attempt_at__lte=now,
                queued_at__isnull=True,
            )
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None:
            WebhookDelivery.objects.filter(pk=pk).update(queued_at=now)
    return pk


def delivery_attempt(*, delivery_id: int) -> str:
    """Make the delivery's due attempt if nobody else holds it; returns what happened (``skipped``,
    ``deferred``, ``succeeded``, ``retry``, ``failed`` or ``disabled``)."""
    token = uuid.uuid4()
    claim = _claim(delivery_id, token)
    if claim != "claimed":
        return claim
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # deleted with its webhook meanwhile
        return "skipped"
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    started, clock = timezone.now(), time.monotonic()
    try:
        destination = destination_check(endpoint.url)
    except DestinationRefused as exc:
        answer = Answer(None, exc.code, exc.message)
    else:
        answer = post(destination, body, signature_headers(endpoint, delivery.event_id, body, started))
    try:
        with transaction.atomic():
            WebhookAttempt.objects.create(
                delivery=delivery,
                number=delivery.attempts,
                started_at=started,
                duration_ms=int((time.monotonic() - clock) * 1000),
                status_code=answer.status_code,
                error=answer.error,
                message=answer.message[:500],
            )
    except IntegrityError:  # the webhook was deleted during the attempt
        return "skipped"
    fence = WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING, claim=token)
    done = timezone.now()
    if not answer.error:
        fence.update(
            status=WebhookDelivery.Status.SUCCEEDED,
            delivered_at=done,
            last_status_code=answer.status_code,
            last_error="",
            next_attempt_at=None,
            claim=None,
            claimed_until=None,
        )
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
        return "succeeded"
    return _attempt_failed(delivery, endpoint, fence, answer, done)


def retry_schedule() -> list[float]:
    return [float(s) for s in settings.WEBHOOKS_RETRY_SCHEDULE]


def _attempt_failed(
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    fence: QuerySet[WebhookDelivery],
    answer: Answer,
    now: datetime,
) -> str:
    failure = {"last_status_code": answer.status_code, "last_error": answer.message[:500], "claim": None}
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    failing_since = (
        WebhookEndpoint.objects.filter(pk=endpoint.pk).values_list("failing_since", flat=True).first()
    )
    disable_after = timedelta(seconds=float(settings.WEBHOOKS_DISABLE_AFTER_SECONDS))
    if failing_since is not None and now - failing_since >= disable_after:
        reason = (
            f"Disabled on {now:%Y-%m-%d %H:%M} UTC: every attempt since {failing_since:%Y-%m-%d %H:%M} UTC "
            "failed. Fix the receiver, then PATCH is_active=true and redeliver what it missed."
        )
        with transaction.atomic():
            fence.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None, note=reason, **failure)
            _endpoint_disable(endpoint, reason=reason)
        logger.warning("webhook %s disabled after sustained failure", endpoint.pk)
        return "disabled"
    schedule = retry_schedule()
    index = delivery.attempts - delivery.round_start - 1
    if index < len(schedule):
        fence.update(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at=now + timedelta(seconds=schedule[index]),
            queued_at=None,
            claimed_until=None,
            **failure,
        )
        return "retry"
    fence.update(
        status=WebhookDelivery.Status.FAILED,
        next_attempt_at=None,
        note=f"Gave up after {delivery.attempts - delivery.round_start} attempts.",
        **failure,
    )
    return "failed"


def deliveries_prune() -> int:
    """Delete finished deliveries (and their attempts) older than ``WEBHOOKS_KEEP_DAYS``; returns
    how many deliveries went."""
    cutoff = timezone.now() - timedelta(days=float(settings.WEBHOOKS_KEEP_DAYS))
    old = WebhookDelivery.objects.filter(
        created_at__lt=cutoff, status__in=[WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED]
    )
    _, by_model = old.delete()
    return int(by_model.get(WebhookDelivery._meta.label, 0))
