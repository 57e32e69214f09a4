from __future__ import annotations

from rest_framework import serializers

from soapify.core.models import Job


class StrictFieldsMixin:
    """Unknown fields in a request body are an error, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF's ``CharField`` turns ``123`` or ``true`` into text."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class JobSerializer(serializers.ModelSerializer):
    job_id = serializers.UUIDField(source="id", read_only=True)
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "job_id",
            "kind",
            "target_type",
            "target_id",
            "status",
            "progress",
            "attempts",
            "waits_for",  # the job this one is queued behind (docs/JOBS.md), or null
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "status_url",
        ]
        read_only_fields = fields

    def get_status_url(self, obj: Job) -> str:
        return f"/api/jobs/{obj.id}/"


class JobRefSerializer(serializers.Serializer):
    """What a POST that starts work returns at once (201)."""

    job_id = serializers.UUIDField()
    status = serializers.CharField()
    status_url = serializers.CharField()
    job = JobSerializer()


def job_ref(job: Job, **extra) -> dict:
    data = {
        "job_id": str(job.id),
        "status": job.status,
        "status_url": f"/api/jobs/{job.id}/",
        "job": JobSerializer(job).data,
    }
    data.update(extra)
    return data
