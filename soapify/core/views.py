from __future__ import annotations

from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

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


def health(request):
    return JsonResponse({"status": "ok"})
