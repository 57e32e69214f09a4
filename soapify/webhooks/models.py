"""Webhook endpoints (a user's receivers), one delivery per event and endpoint, and its attempts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class WebhookEndpointQuerySet(models.QuerySet):
    def for_user(self, user) -> WebhookEndpointQuerySet:
        """A user's own endpoints only (admins included: nobody sees another user's)."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)


class WebhookEndpoint(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=500, blank=True, default="")
    events = ArrayField(models.CharField(max_length=64), default=list)
    #: the Standard Webhooks signing key (``whsec_`` + base64 of 32 random bytes): a key the server
    #: signs with, so it is stored as it is (unlike a password); shown to the owner once
    secret = models.CharField(max_length=100)
    #: the secret replaced by the last rotation, still signed with until ``previous_secret_expires_at``
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True, default="")
    #: the first failed attempt since the last successful one (None while the endpoint answers)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "is_active"])]

    def __str__(self) -> str:
        return f"webhook {self.pk} → {self.url}"


class WebhookDeliveryQuerySet(models.QuerySet):
    def for_user(self, user) -> WebhookDeliveryQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(endpoint__owner=user)


class WebhookDelivery(models.Model):
    """One event sent to one endpoint (``webhook-id`` = ``event_id``, the same on every attempt)."""

    class Status(models.TextChoices):
        PENDING = "pending"  # waiting for its next attempt (``next_attempt_at``)
        SENDING = "sending"  # an attempt holds it until ``claimed_until``
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # gave up (retries exhausted, or the endpoint was disabled)

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    #: ``attempts`` when the current round began (0, or the count at the last redelivery): the retry
    #: schedule counts from there
    round_start = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    #: when a message to attempt it was last sent (the sweeper sends again only after a while)
    queued_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.IntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once_per_event")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → webhook {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: when, how long, what came back (never the response body)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.IntegerField(null=True, blank=True)
    #: empty on success; else a code: timeout, connection_error, address_refused, redirect_refused,
    #: http_error, tls_error
    error = models.CharField(max_length=64, blank=True, default="")
    message = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["number", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}: {self.status_code or self.error}"
