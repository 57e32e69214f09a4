"""Finalized notes (immutable, versioned), their rendered files, and patient share links.

Immutability is enforced three times: ``save()`` refuses to rewrite a stored row, the queryset
refuses bulk ``update()``/``delete()``, and a database trigger (migration 0002) refuses UPDATE and
DELETE of ``outputs_finalizednote`` and ``outputs_outputfile`` rows even through raw SQL. An
amendment is a new version; the previous ones stay readable.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from soapify.encounters.models import Encounter


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(f"{self.model.__name__} rows are immutable.")

    def delete(self):
        raise PermissionError(f"{self.model.__name__} rows are immutable.")


class ImmutableModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} rows are immutable; finalize a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are immutable.")


class FinalizedNoteQuerySet(ImmutableQuerySet):
    def for_user(self, user) -> FinalizedNoteQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(encounter__doctor=user)


class FinalizedNote(ImmutableModel):
    """One frozen version of an encounter's note.

    ``content`` = ``{"draft": <draft JSON>, "checklist_summary": {...} | null,
    "missing_critical": [titles], "meta": {"draft_version", "engine", "model", "engine_version",
    "section_meta"}}``. ``content_sha256`` is the digest of the draft and checklist parts, so a
    finalize with nothing changed since the latest version is recognised and returns that version.
    """

    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="finalized_notes")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    content_sha256 = models.CharField(max_length=64)
    language = models.CharField(max_length=8, default="en")
    draft_version = models.PositiveIntegerField(null=True, blank=True)
    missing_critical_items = models.JSONField(default=list, blank=True)
    amends = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amended_by"
    )
    finalized_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finalized_at = models.DateTimeField(default=timezone.now)

    objects = FinalizedNoteQuerySet.as_manager()

    class Meta:
        ordering = ["encounter_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "version"], name="finalizednote_version_unique"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="finalizednote_version_positive"),
        ]

    def __str__(self) -> str:
        return f"finalized note v{self.version} of encounter {self.encounter_id}"

    @property
    def draft(self) -> dict:
        return self.content.get("draft") or {}

    @property
    def checklist_summary(self) -> dict | None:
        return self.content.get("checklist_summary")


class OutputFileQuerySet(ImmutableQuerySet):
    def for_user(self, user) -> OutputFileQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(note__encounter__doctor=user)


class OutputFile(ImmutableModel):
    class Kind(models.TextChoices):
        MARKDOWN = "markdown"
        PDF_DOCTOR = "pdf_doctor"
        PDF_PATIENT = "pdf_patient"
        FHIR = "fhir"

    note = models.ForeignKey(FinalizedNote, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    storage_key = models.CharField(max_length=255, unique=True)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = OutputFileQuerySet.as_manager()

    class Meta:
        ordering = ["-note_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["note", "kind"], name="outputfile_note_kind_unique")]

    def __str__(self) -> str:
        return f"{self.kind} of note {self.note_id}"

    EXTENSIONS = {"markdown": "md", "pdf_doctor": "pdf", "pdf_patient": "pdf", "fhir": "json"}

    @property
    def filename(self) -> str:
        """What the browser saves it as: encounter id, version and kind, no patient data."""
        return (
            f"encounter-{self.note.encounter_id}-v{self.note.version}-{self.kind.replace('_', '-')}"
            f".{self.EXTENSIONS.get(self.kind, 'bin')}"
        )


class ShareLinkQuerySet(models.QuerySet):
    def for_user(self, user) -> ShareLinkQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(encounter__doctor=user)


class ShareLink(models.Model):
    """A patient's link to the encounter's note. The raw token (``secrets.token_urlsafe(32)``, 256
    bits) is returned once and is the ``link_id`` in the URL; only its SHA-256 is stored.

    The link belongs to the encounter and shows the **latest finalized version at access time**, so
    an amendment (e.g. a corrected dose) reaches the patient through the link already sent;
    ``note`` records the version that was current when the link was made.
    """

    class SmsStatus(models.TextChoices):
        NONE = "none"
        SENT = "sent"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="share_links")
    note = models.ForeignKey(FinalizedNote, on_delete=models.PROTECT, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    max_views = models.PositiveIntegerField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    last_accessed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    phone_number_masked = models.CharField(max_length=32, blank=True, default="")
    sms_status = models.CharField(max_length=8, choices=SmsStatus.choices, default=SmsStatus.NONE)
    sms_message_id = models.CharField(max_length=128, blank=True, default="")
    sms_error = models.CharField(max_length=255, blank=True, default="")
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="sharelink_idempotency_unique",
            )
        ]

    def __str__(self) -> str:
        return f"share link {self.id} of encounter {self.encounter_id}"

    def state(self, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.max_views is not None and self.view_count >= self.max_views:
            return "exhausted"
        return "active"
