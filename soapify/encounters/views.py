from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from soapify.core.audit import AuditedViewMixin
from soapify.core.schema import errors
from soapify.encounters import selectors, services
from soapify.encounters.serializers import (
    EncounterCreateSerializer,
    EncounterDetailSerializer,
    EncounterSerializer,
)


class EncounterListView(AuditedViewMixin, generics.ListAPIView):
    """The caller's encounters, newest first."""

    audit_object_type = "encounter"
    serializer_class = EncounterSerializer

    def get_queryset(self):
        return selectors.encounter_list(user=self.request.user)


class EncounterCreateView(AuditedViewMixin, generics.CreateAPIView):
    audit_object_type = "encounter"
    serializer_class = EncounterCreateSerializer

    @extend_schema(
        request=EncounterCreateSerializer,
        # 403 patient_access_required (PATIENT_ACCESS_REQUIRED), 502/504: the Helssa directory failed
        responses={201: EncounterDetailSerializer, **errors(403, 502, 504)},
    )
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
        return selectors.encounter_detail_queryset(user=self.request.user)
