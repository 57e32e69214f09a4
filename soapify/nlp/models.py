from __future__ import annotations

from django.conf import settings
from django.db import models

from soapify.core.models import TimeStampedModel
from soapify.encounters.models import Encounter


class DraftQuerySet(models.QuerySet):
    def for_user(self, user) -> DraftQuerySet:
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(encounter__doctor=user)


class Draft(TimeStampedModel):
    """The current SOAP draft of an encounter (one per encounter).

    ``content`` follows ``soapify.core.draft_schema`` (four sections with text and items, every item
    with evidence spans into the encounter transcript). ``section_meta[section]`` records doctor
    edits: ``{"edited": bool, "edited_by": id, "edited_at": iso, "machine_text": str | None}`` —
    when a regeneration finds a doctor-edited section it keeps the edit and puts the new machine
    text in ``machine_text`` beside it. ``version`` increases with every change.
    """

    encounter = models.OneToOneField(Encounter, on_delete=models.CASCADE, related_name="draft")
    version = models.PositiveIntegerField(default=1)
    content = models.JSONField(default=dict)
    section_meta = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="en")
    engine = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=128, blank=True, default="")
    engine_version = models.CharField(max_length=64, blank=True, default="")
    transcript_text = models.TextField(blank=True, default="")
    #: How the current machine content came about: ``requested_engine`` (the alias asked for),
    #: ``fallback_reason`` (set when that engine fell back to another one), ``dropped_items`` (items
    #: whose evidence did not match the transcript and were never stored), ``evidence_lost`` (spans of
    #: doctor-edited items that no longer exist in a changed transcript).
    meta = models.JSONField(default=dict, blank=True)

    objects = DraftQuerySet.as_manager()

    def __str__(self) -> str:
        return f"draft v{self.version} of encounter {self.encounter_id}"


class DraftRevision(models.Model):
    """Every version a draft has had (history is never rewritten)."""

    class Reason(models.TextChoices):
        GENERATED = "generated"
        REGENERATED = "regenerated"
        SECTION_EDIT = "section_edit"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    section = models.CharField(max_length=16, blank=True, default="")
    content = models.JSONField()
    section_meta = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    engine = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=128, blank=True, default="")
    engine_version = models.CharField(max_length=64, blank=True, default="")
    language = models.CharField(max_length=8, blank=True, default="")
    #: The transcript the evidence offsets refer to, stored on generated/regenerated revisions only;
    #: a section edit refers to the transcript of the closest earlier (re)generation.
    transcript_text = models.TextField(blank=True, default="")
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["draft_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "version"], name="draftrevision_version_unique")
        ]

    def __str__(self) -> str:
        return f"revision v{self.version} of draft {self.draft_id}"
