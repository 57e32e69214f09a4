from __future__ import annotations

from rest_framework import serializers

from soapify.core.serializers import StrictFieldsMixin
from soapify.webhooks.events import EVENTS
from soapify.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from soapify.webhooks.services import MAX_GRACE_SECONDS

_EVENTS_HELP = "Events to receive: " + ", ".join(EVENTS) + "."


class WebhookWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    url = serializers.CharField(max_length=2000, help_text="http(s) URL of a public receiver.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENTS),
        min_length=1,
        max_length=len(EVENTS),
        help_text=_EVENTS_HELP,
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class WebhookUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    url = serializers.CharField(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENTS),
        min_length=1,
        max_length=len(EVENTS),
        required=False,
        help_text=_EVENTS_HELP,
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_active = serializers.BooleanField(
        required=False, help_text="false stops deliveries; true re-enables a disabled webhook."
    )


class RotateSecretSerializer(StrictFieldsMixin, serializers.Serializer):
    grace_seconds = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_GRACE_SECONDS,
        help_text="How long the replaced secret still signs (a second signature); default "
        "WEBHOOKS_SECRET_GRACE_SECONDS, 0 drops it at once.",
    )


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret: shown only here, once.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "error", "message"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.IntegerField(source="endpoint_id", read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook_id",
            "event_id",
            "event_type",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "note",
            "created_at",
            "delivered_at",
            "attempt_log",
        ]
        read_only_fields = fields
