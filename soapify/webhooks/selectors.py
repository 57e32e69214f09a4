"""Webhook reads, scoped to the caller (another user's endpoints and deliveries do not exist)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from soapify.core.errors import NotFound
from soapify.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhook_list(*, user) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_user(user).order_by("-created_at", "-id")


def webhook_get(*, user, pk: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.for_user(user).filter(pk=pk).first()
    if endpoint is None:
        raise NotFound("Webhook not found.", code="webhook_not_found")
    return endpoint


def delivery_list(*, endpoint: WebhookEndpoint, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """Newest first, each with its attempts (three queries a page: count, page, attempts)."""
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    if status is not None:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-created_at", "-id").prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number", "id"))
    )


def delivery_get(*, user, pk: int) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.for_user(user).select_related("endpoint").filter(pk=pk).first()
    if delivery is None:
        raise NotFound("Delivery not found.", code="delivery_not_found")
    return delivery
