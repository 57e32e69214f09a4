"""The search index: one row per searchable unit of a doctor's own content."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from pgvector.django import HnswIndex, VectorField

from soapify.encounters.models import Encounter

#: all-MiniLM-L6-v2 (the offline default); an OpenAI-compatible engine is asked for this size
EMBEDDING_DIMENSIONS = 384


class SearchUnitQuerySet(models.QuerySet):
    def for_user(self, user) -> SearchUnitQuerySet:
        """A doctor's own rows only; nobody else (admins included) sees a doctor's content."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user)


class SearchUnit(models.Model):
    class ContentType(models.TextChoices):
        TRANSCRIPT = "transcript"
        SOAP = "soap"
        CHECKLIST = "checklist"
        NOTES = "notes"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="search_units")
    content_type = models.CharField(max_length=16, choices=ContentType.choices)
    #: what the row was built from: segment, draft_item, draft_section, checklist_eval, note_section
    source_type = models.CharField(max_length=32)
    source_id = models.CharField(max_length=64)
    date = models.DateField()
    language = models.CharField(max_length=8, default="en")
    text = models.TextField()
    #: ``text`` through ``search.text.normalise`` (what the full-text vector is built from)
    search_text = models.TextField()
    tsv = SearchVectorField(null=True)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True)
    #: transcript character offsets of the evidence: [{"start": int, "end": int}]
    evidence = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SearchUnitQuerySet.as_manager()

    class Meta:
        indexes = [
            GinIndex(fields=["tsv"], name="search_unit_tsv"),
            HnswIndex(
                fields=["embedding"],
                name="search_unit_embedding",
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            # covering: the vector list (the caller's nearest rows by exact distance, any filter) is
            # read from this index alone, ~4 rows per 8 kB page, instead of one table page a row
            models.Index(
                fields=["owner", "content_type", "date"],
                include=["encounter", "id", "embedding"],
                name="search_unit_owner_vectors",
            ),
            models.Index(fields=["encounter"], name="search_unit_encounter"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type} {self.source_type}:{self.source_id}"


class SearchTerm(models.Model):
    """A distinct word of an encounter's indexed text (for prefix suggestions), rebuilt with it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(
                fields=["owner", "term"], name="search_term_prefix", opclasses=["", "varchar_pattern_ops"]
            ),
            models.Index(fields=["encounter"], name="search_term_encounter"),
        ]

    def __str__(self) -> str:
        return self.term


class SearchQueryLog(models.Model):
    """One search a user made: theirs alone (queries may name patients); admins see aggregates."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    query = models.CharField(max_length=500)
    #: indexed with ``user`` (``search_query_prefix``): every read of it is scoped to its author
    normalised = models.CharField(max_length=500)
    results = models.PositiveIntegerField()
    took_ms = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="search_query_user"),
            # suggestions: the caller's past queries starting with a prefix (LIKE 'p%', index only)
            models.Index(
                fields=["user", "normalised"],
                name="search_query_prefix",
                opclasses=["", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"search by {self.user_id} at {self.created_at}"
