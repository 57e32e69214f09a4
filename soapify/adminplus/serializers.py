from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from rest_framework import serializers

from soapify.core.models import AuditLog, Job
from soapify.core.serializers import StrictFieldsMixin

OUTCOMES = ("success", "denied", "rejected", "error")


class MomentField(serializers.Field):
    """``YYYY-MM-DD`` or an ISO 8601 date-time. A date means its first moment; with
    ``end_of_day`` (for ``date_to``), the first moment of the next day (the bound is exclusive)."""

    default_error_messages = {"invalid": "Use YYYY-MM-DD or an ISO 8601 date-time."}

    def __init__(self, *, end_of_day: bool = False, **kwargs) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> datetime:
        text = str(data).strip()
        if len(text) > 40:
            self.fail("invalid")
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                if self.end_of_day:
                    day += timedelta(days=1)
                return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except (ValueError, OverflowError):
            self.fail("invalid")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_current_timezone())
        return moment

    def to_representation(self, value):  # pragma: no cover - input only
        return value.isoformat()


class _RangeMixin:
    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start is not None and end is not None and start >= end:
            raise serializers.ValidationError({"date_to": ["date_to must be after date_from."]})
        return attrs


class LogFilterSerializer(_RangeMixin, serializers.Serializer):
    user = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    action = serializers.CharField(required=False, max_length=32)
    outcome = serializers.ChoiceField(required=False, choices=OUTCOMES)
    object_type = serializers.CharField(required=False, max_length=64)
    object_id = serializers.CharField(required=False, max_length=64)
    date_from = MomentField(required=False)
    date_to = MomentField(required=False, end_of_day=True)


class TaskFilterSerializer(_RangeMixin, serializers.Serializer):
    kind = serializers.CharField(required=False, max_length=64)
    status = serializers.ChoiceField(required=False, choices=Job.Status.choices)
    queue = serializers.CharField(required=False, max_length=32)
    owner = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    target_type = serializers.CharField(required=False, max_length=64)
    target_id = serializers.CharField(required=False, max_length=64)
    date_from = MomentField(required=False)
    date_to = MomentField(required=False, end_of_day=True)


class StatsFilterSerializer(serializers.Serializer):
    hours = serializers.IntegerField(required=False, default=24, min_value=1, max_value=24 * 366)


class AuditEntrySerializer(serializers.ModelSerializer):
    """An audit row as administrators see it: who, what (type and id), when, outcome; never the
    request path's details or the row's ``extra``."""

    actor = serializers.IntegerField(source="actor_id", allow_null=True, read_only=True)

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_username",
            "action",
            "object_type",
            "object_id",
            "outcome",
            "status_code",
            "method",
            "ip",
        ]
        read_only_fields = fields


class AdminJobSerializer(serializers.ModelSerializer):
    """A job as administrators see it: no parameters and no result (they may name patient data)."""

    job_id = serializers.UUIDField(source="id", read_only=True)
    owner = serializers.IntegerField(source="owner_id", read_only=True)
    owner_username = serializers.CharField(source="owner.username", read_only=True)
    duration_seconds = serializers.SerializerMethodField()
    queue_wait_seconds = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "job_id",
            "kind",
            "status",
            "owner",
            "owner_username",
            "target_type",
            "target_id",
            "queue",
            "progress",
            "attempts",
            "max_attempts",
            "error",
            "celery_task_id",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "duration_seconds",
            "queue_wait_seconds",
            "status_url",
        ]
        read_only_fields = fields

    def get_duration_seconds(self, obj: Job) -> float | None:
        if obj.started_at is None or obj.finished_at is None:
            return None
        return round((obj.finished_at - obj.started_at).total_seconds(), 3)

    def get_queue_wait_seconds(self, obj: Job) -> float | None:
        if obj.started_at is None:
            return None
        return round((obj.started_at - obj.created_at).total_seconds(), 3)

    def get_status_url(self, obj: Job) -> str:
        return f"/adminplus/api/tasks/{obj.id}/"


class TaskRefSerializer(StrictFieldsMixin, serializers.Serializer):
    task_id = serializers.CharField(
        max_length=64, help_text="The job's id (a UUID) or the Celery task id of its current message."
    )


class TaskActionResponseSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.CharField()
    status_url = serializers.CharField()
    job = AdminJobSerializer()


class ExportDownloadSerializer(serializers.Serializer):
    download_url = serializers.CharField()
    expires_at = serializers.DateTimeField()
    expires_in = serializers.IntegerField()
    export_id = serializers.UUIDField()


def task_ref(job: Job) -> dict:
    return {
        "job_id": str(job.id),
        "status": job.status,
        "status_url": f"/adminplus/api/tasks/{job.id}/",
        "job": AdminJobSerializer(job).data,
    }
