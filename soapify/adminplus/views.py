"""AdminPlus: operations API for staff (doctors 403, anonymous 401). Thin: validation in the
serializers, reads in ``selectors``, writes in ``services``."""

from __future__ import annotations

import logging

from django.core.files.storage import storages
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.adminplus import selectors, services
from soapify.adminplus.serializers import (
    AdminJobSerializer,
    AuditEntrySerializer,
    ExportDownloadSerializer,
    LogFilterSerializer,
    StatsFilterSerializer,
    TaskActionResponseSerializer,
    TaskFilterSerializer,
    TaskRefSerializer,
    task_ref,
)
from soapify.core.audit import AuditedViewMixin
from soapify.core.errors import NotFound
from soapify.core.permissions import is_admin
from soapify.core.schema import errors
from soapify.core.serializers import JobRefSerializer, job_ref

logger = logging.getLogger("soapify.adminplus")


class IsStaff(BasePermission):
    """Administrators only; any signed-in caller may ask ``OPTIONS`` (what the route accepts)."""

    message = "Only administrators may use AdminPlus."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method == "OPTIONS" or is_admin(user)


class StaffView(APIView):
    permission_classes = [IsStaff]


def _filters(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


_HEALTH = inline_serializer(
    "AdminHealth",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "down"]),
        "checks": serializers.DictField(
            help_text="Per check: status (up|down), latency_ms, error?, details."
        ),
        "checked_at": serializers.DateTimeField(),
    },
)


class HealthView(StaffView):
    """Every dependency with status and latency (the registry ``/readyz`` runs, with storage and
    engines), the workers with their queues and last heartbeat, the queues' depth."""

    @extend_schema(
        responses={
            200: _HEALTH,
            503: OpenApiResponse(_HEALTH, "A critical dependency is down."),
            **errors(403),
        }
    )
    def get(self, request):
        report = selectors.health_report()
        response = Response(report, status=503 if report["status"] == "down" else 200)
        response["Cache-Control"] = "no-store"
        return response


_LOG_PARAMS = [
    OpenApiParameter("user", int, description="The acting user's id."),
    OpenApiParameter("action", str, description="read, list, create, update, delete, cancel, ..."),
    OpenApiParameter("outcome", str, enum=["success", "denied", "rejected", "error"]),
    OpenApiParameter("object_type", str),
    OpenApiParameter("object_id", str),
    OpenApiParameter("date_from", str, description="YYYY-MM-DD or ISO 8601 date-time (inclusive)."),
    OpenApiParameter("date_to", str, description="YYYY-MM-DD (that whole day) or date-time (exclusive)."),
]


class LogListView(AuditedViewMixin, generics.ListAPIView):
    """The audit log, newest first: who did what to which object, when, with what outcome (ids and
    actions only, never contents)."""

    permission_classes = [IsStaff]
    serializer_class = AuditEntrySerializer
    audit_object_type = "audit_log"

    @extend_schema(parameters=_LOG_PARAMS, responses={200: AuditEntrySerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.audit_log_list(**_filters(LogFilterSerializer, self.request))


_TASK_PARAMS = [
    OpenApiParameter("kind", str),
    OpenApiParameter("status", str, enum=["queued", "running", "succeeded", "failed", "cancelled"]),
    OpenApiParameter("queue", str),
    OpenApiParameter("owner", int, description="The owner's user id."),
    OpenApiParameter("target_type", str),
    OpenApiParameter("target_id", str),
    OpenApiParameter("date_from", str, description="Created at or after (YYYY-MM-DD or date-time)."),
    OpenApiParameter("date_to", str, description="Created before (YYYY-MM-DD: that whole day)."),
]


class TaskListView(AuditedViewMixin, generics.ListAPIView):
    """Current and past jobs of every user, newest first (without parameters and results)."""

    permission_classes = [IsStaff]
    serializer_class = AdminJobSerializer
    audit_object_type = "job"

    @extend_schema(parameters=_TASK_PARAMS, responses={200: AdminJobSerializer(many=True), **errors(403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.job_list(**_filters(TaskFilterSerializer, self.request))


class TaskDetailView(AuditedViewMixin, StaffView):
    """One job (the ``status_url`` of a cancel or retry)."""

    audit_object_type = "job"

    @extend_schema(responses={200: AdminJobSerializer, **errors(403)})
    def get(self, request, job_id):
        job = selectors.job_get(task_id=str(job_id))
        if job is None:
            raise NotFound("No task has this id.", code="task_not_found")
        return Response(AdminJobSerializer(job).data)


_STATS = inline_serializer(
    "AdminTaskStats",
    {
        "window_hours": serializers.IntegerField(),
        "since": serializers.DateTimeField(),
        "until": serializers.DateTimeField(),
        "total": serializers.IntegerField(),
        "by_status": serializers.DictField(child=serializers.IntegerField()),
        "by_kind": serializers.ListField(
            child=serializers.DictField(),
            help_text="kind, counts by status, total, duration and queue wait p50/p95 (seconds), started",
        ),
        "queues": serializers.DictField(help_text="Per queue: broker (messages waiting) and queued_jobs."),
        "queues_measured_ms": serializers.FloatField(),
    },
)


class TaskStatsView(StaffView):
    """Counts by kind and status, p50/p95 run time and queue wait per kind over the last ``hours``
    (default 24), and each queue's depth now."""

    @extend_schema(
        parameters=[OpenApiParameter("hours", int, description="Window in hours (1..8784, default 24).")],
        responses={200: _STATS, **errors(403)},
    )
    def get(self, request):
        hours = _filters(StatsFilterSerializer, request)["hours"]
        return Response(selectors.job_stats(hours=hours))


class _TaskActionView(AuditedViewMixin, StaffView):
    audit_object_type = "job"

    def act(self, request, task_id: str):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request):
        self.audit_id = ""
        serializer = TaskRefSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task_id = serializer.validated_data["task_id"]
        job = self.act(request, task_id)
        self.audit_id = str(job.pk)
        return Response(task_ref(job), status=status.HTTP_201_CREATED)


class TaskCancelView(_TaskActionView):
    """Cancel a queued or running job: a queued one never starts; a running one is revoked and
    stops at its next checkpoint, its unfinished writes rolled back. 409 when already finished."""

    audit_action_name = "cancel"

    @extend_schema(
        request=TaskRefSerializer, responses={201: TaskActionResponseSerializer, **errors(403, 409)}
    )
    def post(self, request):
        return super().post(request)

    def act(self, request, task_id: str):
        return services.task_cancel(user=request.user, task_id=task_id)


class TaskRetryView(_TaskActionView):
    """Run a failed or cancelled job again as a new attempt. 409 for a queued, running or
    succeeded one."""

    audit_action_name = "retry"

    @extend_schema(
        request=TaskRefSerializer, responses={201: TaskActionResponseSerializer, **errors(403, 409)}
    )
    def post(self, request):
        return super().post(request)

    def act(self, request, task_id: str):
        return services.task_retry(user=request.user, task_id=task_id)


class ExportView(AuditedViewMixin, StaffView):
    """Export what an administrator may see (users, jobs, audit metadata, analytics metrics and
    alerts; never clinical content) as a ZIP of NDJSON files: 201 with the job; its result holds a
    short-lived download URL (``export/{id}/download/`` gives a fresh one)."""

    audit_object_type = "admin_export"

    @extend_schema(request=None, responses={201: JobRefSerializer, **errors(403)})
    def post(self, request):
        job = services.export_start(user=request.user)
        self.audit_id = str(job.pk)
        return Response(job_ref(job), status=status.HTTP_201_CREATED)


class ExportDownloadView(AuditedViewMixin, StaffView):
    """A fresh short-lived download URL for a finished export."""

    audit_object_type = "admin_export"
    audit_action_name = "download_url"

    @extend_schema(request=None, responses={201: ExportDownloadSerializer, **errors(403, 409)})
    def post(self, request, export_id):
        job = services.export_get(job_id=export_id)
        body = services.export_download_url(job_id=str(job.pk), key=str(job.result["file"]))
        body["export_id"] = str(job.pk)
        return Response(body, status=status.HTTP_201_CREATED)


class ExportFileView(AuditedViewMixin, APIView):
    """Serves an export archive named by a signed, expiring ``token`` (local storage). Tampered or
    expired → 403."""

    audit_object_type = "admin_export"
    audit_action_name = "download"
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True, description="The signed token.")],
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            403: OpenApiResponse(description="bad_signature / link_expired"),
            **errors(404),
        },
    )
    def get(self, request):
        self.audit_id = ""
        job, key = services.export_resolve(token=str(request.query_params.get("token", "")))
        self.audit_id = str(job.pk)
        try:
            handle = storages["default"].open(key, "rb")
        except (FileNotFoundError, OSError):
            logger.error("export archive of %s is missing from storage", job.pk)
            raise NotFound("The export is not available.", code="export_not_found") from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"soapify-export-{job.pk}.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
