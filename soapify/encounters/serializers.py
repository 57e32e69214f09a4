from __future__ import annotations

import re

from rest_framework import serializers

from soapify.core.serializers import StrictFieldsMixin
from soapify.encounters.models import AudioChunk, Encounter

_PATIENT_REF = re.compile(r"^[\w\-.:/#]{1,64}$", re.UNICODE)


class AudioChunkSerializer(serializers.ModelSerializer):
    class Meta:
        model = AudioChunk
        fields = [
            "id",
            "chunk_number",
            "status",
            "format",
            "content_type",
            "size",
            "sha256",
            "container",
            "codec",
            "duration",
            "sample_rate",
            "channels",
            "start_offset",
            "rejection_reason",
            "created_at",
            "committed_at",
        ]
        read_only_fields = fields


class EncounterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Encounter
        fields = [
            "id",
            "patient_ref",
            "context",
            "language",
            "status",
            "status_detail",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "status_detail", "created_at", "updated_at"]


class EncounterCreateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    language = serializers.ChoiceField(choices=["en", "fa"], required=False, allow_blank=True)

    class Meta:
        model = Encounter
        fields = ["patient_ref", "context", "language"]

    def validate_patient_ref(self, value: str) -> str:
        value = value.strip()
        if not _PATIENT_REF.match(value):
            raise serializers.ValidationError(
                "Use 1-64 letters, digits or - _ . : / # (a reference, never the patient's name)."
            )
        return value


class EncounterDetailSerializer(EncounterSerializer):
    chunks = AudioChunkSerializer(many=True, read_only=True)
    total_duration = serializers.SerializerMethodField()

    class Meta(EncounterSerializer.Meta):
        fields = [*EncounterSerializer.Meta.fields, "chunks", "total_duration"]
        read_only_fields = fields

    def get_total_duration(self, obj: Encounter) -> float:
        return round(
            sum(c.duration or 0 for c in obj.chunks.all() if c.status == AudioChunk.Status.COMMITTED), 3
        )
