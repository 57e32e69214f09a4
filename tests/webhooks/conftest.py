"""Webhook test helpers: a receiver (pytest-httpserver on loopback, allowed by the test itself) and
a way to let time pass for the retry schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from soapify.webhooks import tasks
from soapify.webhooks.models import WebhookDelivery
from tests.httpfakes import base_url

ALL_EVENTS = [
    "transcription.completed",
    "draft.ready",
    "checklist.evaluated",
    "finalize.completed",
    "job.failed",
]


@pytest.fixture
def receiver(httpserver, settings):
    """The receiver's URL; loopback is allowed for this test only (WEBHOOKS_ALLOW_PRIVATE)."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    return f"{base_url(httpserver)}/hook"


def create_webhook(client, url: str, events: list[str] | None = None, **extra) -> dict:
    response = client.post(
        "/api/webhooks/", {"url": url, "events": events or ALL_EVENTS, **extra}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def time_passes() -> int:
    """Every waiting attempt comes due (as if its delay had passed); the sweep sends them (eagerly
    in tests). Returns how many were sent."""
    WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1), queued_at=None
    )
    return tasks.send_due()
