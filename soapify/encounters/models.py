from __future__ import annotations

from django.conf import settings
from django.db import models

from soapify.core.models import TimeStampedModel


class EncounterQuerySet(models.QuerySet):
    def for_user(self, user) -> EncounterQuerySet:
        """Encounters a user may see: a doctor its own; nobody else's (admins included)."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(doctor=user)


class Encounter(TimeStampedModel):
    class Status(models.TextChoices):
        CREATED = "created"
        RECORDING = "recording"
        TRANSCRIBING = "transcribing"
        TRANSCRIBED = "transcribed"
        DRAFTING = "drafting"
        READY = "ready"
        FINALIZED = "finalized"
        FAILED = "failed"

    doctor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="encounters")
    patient_ref = models.CharField(max_length=64)
    context = models.CharField(max_length=500, blank=True, default="")
    language = models.CharField(max_length=8, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED, db_index=True)
    status_detail = models.CharField(max_length=500, blank=True, default="")

    objects = EncounterQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["doctor", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"Encounter {self.pk} ({self.patient_ref})"


class AudioChunkQuerySet(models.QuerySet):
    def for_user(self, user) -> AudioChunkQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(encounter__doctor=user)


class AudioChunk(TimeStampedModel):
    """One piece of a visit's recording, in order on the visit's timeline."""

    class Status(models.TextChoices):
        PENDING = "pending"
        UPLOADED = "uploaded"
        COMMITTED = "committed"
        REJECTED = "rejected"

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="chunks")
    chunk_number = models.PositiveIntegerField()
    storage_key = models.CharField(max_length=255, blank=True, default="")
    original_filename = models.CharField(max_length=255, blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="")
    format = models.CharField(max_length=32, blank=True, default="")
    expected_size = models.BigIntegerField(null=True, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    container = models.CharField(max_length=64, blank=True, default="")
    codec = models.CharField(max_length=64, blank=True, default="")
    duration = models.FloatField(null=True, blank=True)
    sample_rate = models.PositiveIntegerField(null=True, blank=True)
    channels = models.PositiveSmallIntegerField(null=True, blank=True)
    start_offset = models.FloatField(default=0.0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    rejection_reason = models.CharField(max_length=500, blank=True, default="")
    committed_at = models.DateTimeField(null=True, blank=True)

    objects = AudioChunkQuerySet.as_manager()

    class Meta:
        ordering = ["encounter_id", "chunk_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "chunk_number"], name="audiochunk_encounter_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Chunk {self.chunk_number} of encounter {self.encounter_id}"
