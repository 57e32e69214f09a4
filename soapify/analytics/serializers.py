"""Analytics request validation and the documented shapes of its answers."""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta

from django.conf import settings
from rest_framework import serializers

from soapify.analytics.models import ActivityEvent, Alert, AlertRule, MetricEvent
from soapify.core.serializers import StrictFieldsMixin

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]*$")
MAX_TAGS = 20
MAX_VALUE = 1e15
MAX_DEPTH = 5
MAX_RANGE_DAYS = 366


def _name(value: str, what: str) -> str:
    if not NAME.match(value):
        raise serializers.ValidationError(
            f"{what} must start with a letter or _ and hold only letters, digits, _ . : -"
        )
    return value


def _depth(value, level: int = 1) -> int:
    if isinstance(value, dict):
        return max([level, *(_depth(v, level + 1) for v in value.values())])
    if isinstance(value, list):
        return max([level, *(_depth(v, level + 1) for v in value)])
    return level - 1


# --- query parameters -----------------------------------------------------------------------------------


class DaysParams(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, default=30)


class PerformanceParams(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, default=7)


class UserParams(serializers.Serializer):
    user_id = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, help_text="default: the caller"
    )
    days = serializers.IntegerField(min_value=1, max_value=365, default=30)


class AlertListParams(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["active", "open", "acknowledged", "resolved", "all"],
        default="active",
        help_text="active (default) = open or acknowledged",
    )


# --- request bodies ---------------------------------------------------------------------------------------


class NumberField(serializers.FloatField):
    """A JSON number (or a numeric string): ``true``/``false`` are not numbers."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class MetricIn(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    value = NumberField()
    metric_type = serializers.ChoiceField(choices=MetricEvent.Type.choices, default=MetricEvent.Type.GAUGE)
    tags = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False
    )

    def validate_name(self, value: str) -> str:
        return _name(value, "name")

    def validate_value(self, value: float) -> float:
        if not math.isfinite(value) or abs(value) > MAX_VALUE:
            raise serializers.ValidationError(f"value must be a finite number within ±{MAX_VALUE:g}.")
        return value

    def validate_tags(self, value: dict) -> dict:
        if len(value) > MAX_TAGS:
            raise serializers.ValidationError(f"At most {MAX_TAGS} tags.")
        for key in value:
            if len(key) > 64:
                raise serializers.ValidationError("Tag names are at most 64 characters.")
            _name(key, "A tag name")
        return value


class ActivityIn(StrictFieldsMixin, serializers.Serializer):
    action = serializers.CharField(max_length=64)
    resource = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    resource_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    metadata = serializers.JSONField(required=False, default=dict, help_text="a JSON object, small; no PHI")

    def validate_action(self, value: str) -> str:
        return _name(value, "action")

    def validate_resource(self, value: str) -> str:
        return _name(value, "resource") if value else value

    def validate_metadata(self, value) -> dict:
        if not isinstance(value, dict):
            raise serializers.ValidationError("metadata must be a JSON object.")
        limit = settings.ANALYTICS_ACTIVITY_METADATA_MAX_BYTES
        if len(json.dumps(value, ensure_ascii=False).encode()) > limit:
            raise serializers.ValidationError(f"metadata is larger than {limit} bytes.")
        if _depth(value) > MAX_DEPTH:
            raise serializers.ValidationError(f"metadata is nested deeper than {MAX_DEPTH} levels.")
        return value


class BusinessMetricsIn(StrictFieldsMixin, serializers.Serializer):
    date_from = serializers.DateField(input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD (UTC day)")
    date_to = serializers.DateField(input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD (UTC day), included")

    def validate(self, attrs: dict) -> dict:
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["date_to must not be before date_from."]})
        if attrs["date_to"] - attrs["date_from"] > timedelta(days=MAX_RANGE_DAYS - 1):
            raise serializers.ValidationError({"date_to": [f"The range is at most {MAX_RANGE_DAYS} days."]})
        return attrs


# --- answers ----------------------------------------------------------------------------------------------


class MetricOut(serializers.ModelSerializer):
    class Meta:
        model = MetricEvent
        fields = ["id", "name", "value", "metric_type", "tags", "created_at"]


class ActivityOut(serializers.ModelSerializer):
    class Meta:
        model = ActivityEvent
        fields = ["id", "action", "resource", "resource_id", "metadata", "created_at"]


class AlertRuleOut(serializers.ModelSerializer):
    class Meta:
        model = AlertRule
        fields = [
            "id",
            "name",
            "metric",
            "comparison",
            "threshold",
            "window_minutes",
            "min_samples",
            "severity",
        ]


class AlertOut(serializers.ModelSerializer):
    rule = AlertRuleOut(read_only=True)
    acknowledged_by = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "rule", "status", "value", "last_value", "opened_at", "last_evaluated_at",
                  "acknowledged_at", "acknowledged_by", "resolved_at"]  # fmt: skip

    def get_acknowledged_by(self, obj: Alert) -> dict | None:
        user = obj.acknowledged_by
        return {"id": user.pk, "username": user.username} if user is not None else None


class AlertCheckOut(serializers.Serializer):
    evaluated = serializers.IntegerField(help_text="rules evaluated")
    opened = serializers.ListField(child=serializers.IntegerField(), help_text="alerts opened now")
    resolved = serializers.ListField(child=serializers.IntegerField(), help_text="alerts resolved now")
    errors = serializers.ListField(child=serializers.CharField())
    active = AlertOut(many=True)


def _n():
    return serializers.FloatField(allow_null=True)


class ChecklistFigures(serializers.Serializer):
    evaluations = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    coverage_percent = serializers.FloatField(
        allow_null=True, help_text="100 × (covered + 0.5 × partial) / total"
    )


class EndOfVisit(serializers.Serializer):
    median_seconds = serializers.FloatField(allow_null=True)
    encounters = serializers.IntegerField(help_text="encounters measured")


class Figures(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    encounters = serializers.IntegerField()
    audio_minutes = serializers.FloatField()
    drafts = serializers.IntegerField()
    finalized_notes = serializers.IntegerField()
    end_of_visit_to_draft = EndOfVisit()
    checklist = ChecklistFigures()


class OverviewOut(Figures):
    scope = serializers.ChoiceField(choices=["own", "clinic"])
    active_doctors = serializers.IntegerField()


class ActivityCount(serializers.Serializer):
    action = serializers.CharField()
    count = serializers.IntegerField()
    last_at = serializers.DateTimeField()


class UserAnalyticsOut(Figures):
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    draft_section_edits = serializers.IntegerField()
    transcript_edits = serializers.IntegerField()
    jobs = serializers.DictField(child=serializers.IntegerField(), help_text="jobs created, by status")
    activity = ActivityCount(many=True)
    metrics_recorded = serializers.IntegerField()
    last_seen_at = serializers.DateTimeField(allow_null=True)


class Latency(serializers.Serializer):
    requests_per_minute = serializers.FloatField()
    error_rate_percent = _n()
    client_error_rate_percent = _n()
    mean_ms = _n()
    p50_ms = _n()
    p95_ms = _n()
    p99_ms = _n()


class TotalLatency(Latency):
    total = serializers.IntegerField()


class EndpointOut(Latency):
    requests = serializers.IntegerField()
    method = serializers.CharField()
    route = serializers.CharField(help_text="URL pattern, e.g. /api/encounters/<int:encounter_id>/")


class JobKindOut(serializers.Serializer):
    kind = serializers.CharField()
    finished = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    failure_rate_percent = _n()
    duration_p50_seconds = _n()
    duration_p95_seconds = _n()
    duration_p99_seconds = _n()
    queue_wait_p50_seconds = _n()
    queue_wait_p95_seconds = _n()


class ClientMetricOut(serializers.Serializer):
    name = serializers.CharField()
    metric_type = serializers.CharField()
    count = serializers.IntegerField()
    mean = serializers.FloatField()
    min = serializers.FloatField()
    max = serializers.FloatField()
    last_at = serializers.DateTimeField()


class PerformanceOut(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    request_timings_recorded = serializers.BooleanField(help_text="false: no Redis, nothing recorded")
    requests = TotalLatency()
    endpoints = EndpointOut(many=True)
    jobs = JobKindOut(many=True)
    client_metrics = ClientMetricOut(many=True)


class TimeSaved(serializers.Serializer):
    minutes = serializers.FloatField()
    hours = serializers.FloatField()
    manual_note_minutes = serializers.FloatField()
    minutes_per_edit = serializers.FloatField()
    method = serializers.CharField()


class DoctorFigures(serializers.Serializer):
    doctor_id = serializers.IntegerField()
    username = serializers.CharField()
    notes = serializers.IntegerField()
    doctor_days = serializers.IntegerField()
    notes_per_doctor_day = serializers.FloatField()


class BusinessMetricsOut(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["own", "clinic"])
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    finalized_notes = serializers.IntegerField()
    doctor_days = serializers.IntegerField(help_text="(doctor, day) pairs with at least one note finalized")
    notes_per_doctor_day = _n()
    drafts = serializers.IntegerField()
    drafts_finalized = serializers.IntegerField()
    drafts_finalized_percent = _n()
    median_edits_per_note = _n()
    documentation_time_saved = TimeSaved()
    per_doctor = DoctorFigures(many=True, required=False, help_text="admins only")
