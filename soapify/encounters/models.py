from __future__ import annotations

import uuid

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


class UploadSessionQuerySet(models.QuerySet):
    def for_user(self, user) -> UploadSessionQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(encounter__doctor=user)


class UploadSession(TimeStampedModel):
    """One recording uploaded in byte ranges (tus-like), or in one PUT (``direct``).

    Parts live under ``key_prefix`` in ``STORAGES["audio"]``; commit assembles them into a new
    object and creates the encounter's :class:`AudioChunk` (``encounters.uploads``)."""

    class Status(models.TextChoices):
        OPEN = "open"
        COMMITTED = "committed"
        EXPIRED = "expired"
        REJECTED = "rejected"  # the bytes were refused at commit and removed

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="upload_sessions")
    filename = models.CharField(max_length=255, blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="")
    total_size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    chunk_number = models.PositiveIntegerField(null=True, blank=True)
    chunk_size = models.PositiveIntegerField()
    key_prefix = models.CharField(max_length=128, unique=True)
    received_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    direct_key = models.CharField(max_length=255, blank=True, default="")
    last_error = models.CharField(max_length=500, blank=True, default="")
    expires_at = models.DateTimeField(db_index=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    audio_chunk = models.OneToOneField(
        AudioChunk, null=True, blank=True, on_delete=models.SET_NULL, related_name="upload_session"
    )

    objects = UploadSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Upload session {self.pk} ({self.status})"


class UploadPart(models.Model):
    """One received byte range of an upload session, stored as its own object."""

    session = models.ForeignKey(UploadSession, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveIntegerField()
    offset = models.BigIntegerField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_key = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "offset"]
        constraints = [
            models.UniqueConstraint(fields=["session", "index"], name="uploadpart_session_index_unique"),
            models.UniqueConstraint(fields=["session", "offset"], name="uploadpart_session_offset_unique"),
        ]

    def __str__(self) -> str:
        return f"Part {self.index} of upload {self.session_id}"
