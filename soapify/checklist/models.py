"""Checklist catalog, templates and per-encounter evaluations.

Visibility (``for_user``):
* catalog items and templates: the global ones (``owner`` is null, written by admins) plus the
  caller's own private ones. Nobody sees another doctor's private items, admins included.
* evaluations: only those of the caller's own encounters (admins see none of a doctor's).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from soapify.checklist.engines.base import CATEGORIES, PRIORITIES, STATUSES
from soapify.core.models import TimeStampedModel
from soapify.encounters.models import Encounter

CATEGORY_CHOICES = [(c, c) for c in CATEGORIES]
PRIORITY_CHOICES = [(p, p) for p in PRIORITIES]
STATUS_CHOICES = [(s, s) for s in STATUSES]
PRIORITY_RANK = {p: i for i, p in enumerate(reversed(PRIORITIES))}  # critical=0 … low=3


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        """Global rows plus the caller's own private rows."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(Q(owner__isnull=True) | Q(owner=user))


class ChecklistCatalog(TimeStampedModel):
    """One thing a visit should cover, with the keywords that find it and the question to ask."""

    key = models.SlugField(max_length=64, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checklist_items",
    )
    title = models.CharField(max_length=200)
    description = models.TextField()
    category = models.CharField(max_length=16, choices=CATEGORY_CHOICES, db_index=True)
    priority = models.CharField(max_length=8, choices=PRIORITY_CHOICES, default="medium", db_index=True)
    keywords = models.JSONField(default=dict, blank=True)
    question_template = models.JSONField(default=str)
    specialty = models.CharField(max_length=50, blank=True, default="", db_index=True)
    is_active = models.BooleanField(default=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(owner__isnull=True, key__isnull=False),
                name="checklist_catalog_global_key_unique",
            ),
            models.UniqueConstraint(
                fields=["owner", "key"],
                condition=Q(owner__isnull=False, key__isnull=False),
                name="checklist_catalog_owner_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_global(self) -> bool:
        return self.owner_id is None


class ChecklistTemplate(TimeStampedModel):
    """An ordered set of catalog items for a kind of visit."""

    key = models.SlugField(max_length=64, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checklist_templates",
    )
    name = models.CharField(max_length=100)
    description = models.TextField()
    specialty = models.CharField(max_length=50, blank=True, default="", db_index=True)
    is_default = models.BooleanField(default=False)
    catalog_items = models.ManyToManyField(
        ChecklistCatalog, through="ChecklistTemplateItem", related_name="templates"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(owner__isnull=True, key__isnull=False),
                name="checklist_template_global_key_unique",
            ),
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(owner__isnull=True, is_default=True),
                name="checklist_template_one_global_default",
            ),
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(owner__isnull=False, is_default=True),
                name="checklist_template_one_default_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_global(self) -> bool:
        return self.owner_id is None


class ChecklistTemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="entries")
    catalog_item = models.ForeignKey(ChecklistCatalog, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "catalog_item"], name="checklist_template_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_id}#{self.position}: {self.catalog_item_id}"


class EvalQuerySet(models.QuerySet):
    def for_user(self, user):
        """Evaluations of the caller's own encounters (nobody else's, admins included)."""
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(encounter__in=Encounter.objects.for_user(user))


class ChecklistEval(TimeStampedModel):
    """What one visit covered of one catalog item. ``status`` is the effective status: the
    doctor's ``manual_status`` when ``is_manual``, else the engine's ``auto_status``."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="checklist_evals")
    catalog_item = models.ForeignKey(ChecklistCatalog, on_delete=models.PROTECT, related_name="evaluations")
    template = models.ForeignKey(
        ChecklistTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=STATUS_CHOICES, db_index=True)
    auto_status = models.CharField(max_length=8, choices=STATUS_CHOICES, blank=True, default="")
    confidence_score = models.FloatField(default=0.0)
    evidence_text = models.TextField(blank=True, default="")
    anchor_positions = models.JSONField(default=dict, blank=True)
    generated_question = models.TextField(blank=True, default="")
    notes = models.TextField(blank=True, default="")
    is_manual = models.BooleanField(default=False)
    manual_status = models.CharField(max_length=8, choices=STATUS_CHOICES, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    engine = models.CharField(max_length=64, blank=True, default="")
    engine_version = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=128, blank=True, default="")
    evaluated_at = models.DateTimeField(null=True, blank=True)

    objects = EvalQuerySet.as_manager()

    class Meta:
        ordering = ["encounter_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "catalog_item"], name="checklist_eval_unique"),
            models.CheckConstraint(
                condition=Q(confidence_score__gte=0.0, confidence_score__lte=1.0),
                name="checklist_eval_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"encounter {self.encounter_id} item {self.catalog_item_id}: {self.status}"
