from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from soapify.core.audit import AuditedViewMixin
from soapify.encounters import services
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.serializers import (
    EncounterCreateSerializer,
    EncounterDetailSerializer,
    EncounterSerializer,
)


class EncounterListView(AuditedViewMixin, generics.ListAPIView):
    """The caller's encounters, newest first."""

    audit_object_type = "encounter"
    serializer_class = EncounterSerializer
    _fields = EncounterSerializer.Meta.fields

    def get_queryset(self):
        return Encounter.objects.for_user(self.request.user).order_by("-created_at", "-id")

    def list(self, request, *args, **kwargs):
        # The hottest read of the API: plain rows, no model instances (same output as the serializer).
        page = self.paginate_queryset(self.get_queryset().values(*self._fields))
        for row in page:
            row["created_at"] = _iso(row["created_at"])
            row["updated_at"] = _iso(row["updated_at"])
        return self.get_paginated_response(page)


def _iso(value) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class EncounterCreateView(AuditedViewMixin, generics.CreateAPIView):
    audit_object_type = "encounter"
    serializer_class = EncounterCreateSerializer

    @extend_schema(request=EncounterCreateSerializer, responses={201: EncounterDetailSerializer})
    def post(self, request, *args, **kwargs):
        ser = EncounterCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        encounter = services.encounter_create(doctor=request.user, **ser.validated_data)
        return Response(EncounterDetailSerializer(encounter).data, status=status.HTTP_201_CREATED)


class EncounterDetailView(AuditedViewMixin, generics.RetrieveAPIView):
    """One encounter with its audio chunks and processing status. Another doctor's: 404."""

    audit_object_type = "encounter"
    serializer_class = EncounterDetailSerializer
    lookup_url_kwarg = "encounter_id"

    def get_queryset(self):
        return Encounter.objects.for_user(self.request.user).prefetch_related(
            Prefetch("chunks", queryset=AudioChunk.objects.order_by("chunk_number"))
        )
