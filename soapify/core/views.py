from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.core import health
from soapify.core.models import Job
from soapify.core.serializers import JobSerializer


class JobDetailView(generics.RetrieveAPIView):
    """Poll a long operation. Only the job's owner sees it (others: 404)."""

    serializer_class = JobSerializer
    lookup_url_kwarg = "job_id"

    def get_queryset(self):
        return Job.objects.for_user(self.request.user)


class PingView(APIView):
    """A trivial unauthenticated JSON view: the framework's ceiling, used by the benchmark."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response({"status": "ok"})


def index(request):
    """``GET /``: what this service is and where to go (an administrator's first request)."""
    return JsonResponse(
        {
            "service": "SOAPify API",
            "docs": "/api/docs/",
            "schema": "/api/schema/",
            "health": {"live": "/healthz", "ready": "/readyz"},
            "login": "/api/auth/token/",
        }
    )


def healthz(request):
    """Liveness: the process answers. Checks nothing else, so a database outage never gets a
    healthy web process restarted (readiness takes it out of the load balancer instead)."""
    response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response


def readyz(request):
    """Readiness: 200 when every check in ``READY_CHECKS`` passes (database, cache, broker, a fresh
    worker heartbeat), else 503 naming the checks that failed (soapify/core/health.py)."""
    report = health.run_checks()
    response = JsonResponse(report, status=200 if report["status"] == "up" else 503)
    response["Cache-Control"] = "no-store"
    return response
