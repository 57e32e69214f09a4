"""Thin serializers of the checklist API (field names are the contract of API.md)."""

from __future__ import annotations

from rest_framework import serializers

from soapify.checklist.engines.base import (
    CATEGORIES,
    PRIORITIES,
    STATUSES,
    validate_keywords,
    validate_question_template,
)
from soapify.checklist.models import ChecklistCatalog, ChecklistEval, ChecklistTemplate
from soapify.core.serializers import StrictFieldsMixin

MAX_TEMPLATE_ITEMS = 300


# --- strict JSON types: "5" is not an integer, "yes" is not a boolean, 12 is not a title ----------


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


# --- catalog -------------------------------------------------------------------------------------


class ChecklistCatalogSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    title = StrictCharField(max_length=200)
    description = StrictCharField()
    category = StrictChoiceField(choices=CATEGORIES)
    priority = StrictChoiceField(choices=PRIORITIES, required=False)
    keywords = serializers.JSONField(
        required=False,
        help_text='Keyword object: {"any": [...], "all": [...], "synonyms": [...]} (at least one), plus '
        'optional "partial" (weak terms: alone they give partial) and "limited" (qualifiers: a mention '
        "next to one counts as partial); each a non-empty list of non-empty strings (English and "
        "Persian side by side; whole words; `*` prefix; `|` alternatives).",
    )
    question_template = serializers.JSONField(
        help_text='A non-empty string, or {"en": "...", "fa": "..."}; "{title}" is replaced by the title.'
    )
    specialty = StrictCharField(max_length=50, required=False, allow_blank=True)
    is_active = StrictBooleanField(required=False)
    is_global = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistCatalog
        fields = [
            "id",
            "title",
            "description",
            "category",
            "priority",
            "keywords",
            "question_template",
            "specialty",
            "is_active",
            "is_global",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_global", "created_at", "updated_at"]

    def get_is_global(self, obj: ChecklistCatalog) -> bool:
        return obj.owner_id is None

    def validate_title(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_keywords(self, value):
        errors = validate_keywords(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def validate_question_template(self, value):
        errors = validate_question_template(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value


# --- templates -----------------------------------------------------------------------------------


class ChecklistTemplateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    name = StrictCharField(max_length=100)
    description = StrictCharField()
    specialty = StrictCharField(max_length=50, required=False, allow_blank=True)
    is_default = StrictBooleanField(required=False)
    catalog_items_count = serializers.SerializerMethodField()
    catalog_item_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1),
        required=False,
        max_length=MAX_TEMPLATE_ITEMS,
        help_text="The template's catalog item ids in display order. Writing it replaces the list; "
        "every id must be a catalog item the caller sees, and a global template takes global "
        "items only.",
    )
    is_global = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistTemplate
        fields = [
            "id",
            "name",
            "description",
            "specialty",
            "is_default",
            "catalog_items_count",
            "catalog_item_ids",
            "is_global",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "catalog_items_count", "is_global", "created_at", "updated_at"]

    def get_catalog_items_count(self, obj: ChecklistTemplate) -> int:
        count = getattr(obj, "items_count", None)
        return count if count is not None else obj.entries.count()

    def get_is_global(self, obj: ChecklistTemplate) -> bool:
        return obj.owner_id is None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["catalog_item_ids"] = [e.catalog_item_id for e in instance.entries.all()]
        return data

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_catalog_item_ids(self, value: list[int]) -> list[ChecklistCatalog]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Catalog item ids must not repeat.")
        user = self.context["request"].user
        found = ChecklistCatalog.objects.for_user(user).in_bulk(value)
        unknown = [i for i in value if i not in found]
        if unknown:
            raise serializers.ValidationError(f"Unknown catalog item id(s): {unknown}.")
        return [found[i] for i in value]


# --- evaluations ---------------------------------------------------------------------------------


class ChecklistEvalSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    encounter = StrictIntegerField(source="encounter_id", min_value=1)
    catalog_item = ChecklistCatalogSerializer(read_only=True)
    catalog_item_id = StrictIntegerField(
        min_value=1,
        help_text="The catalog item's id: the item_id of PUT /api/nlp/drafts/{encounter_id}/checklist/{item_id}/.",
    )
    status = StrictChoiceField(choices=STATUSES)
    notes = StrictCharField(required=False, allow_blank=True, max_length=5000)
    template = serializers.IntegerField(source="template_id", read_only=True, allow_null=True)
    anchor_positions = serializers.JSONField(
        read_only=True,
        help_text="{start, end}: character offsets in the encounter transcript (the text of "
        "GET /api/stt/encounter/{id}/transcript/); text[start:end] == evidence_text. {} when none.",
    )

    class Meta:
        model = ChecklistEval
        fields = [
            "id",
            "encounter",
            "catalog_item",
            "catalog_item_id",
            "status",
            "confidence_score",
            "evidence_text",
            "anchor_positions",
            "generated_question",
            "notes",
            "is_manual",
            "auto_status",
            "template",
            "engine",
            "engine_version",
            "model",
            "evaluated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "confidence_score",
            "evidence_text",
            "generated_question",
            "is_manual",
            "auto_status",
            "engine",
            "engine_version",
            "model",
            "evaluated_at",
            "created_at",
            "updated_at",
        ]


class EvaluateEncounterSerializer(StrictFieldsMixin, serializers.Serializer):
    encounter = StrictIntegerField(min_value=1)
    template = StrictIntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Default: the caller's default template, "
        "else the global default (General Internal Medicine).",
    )


class ManualStatusSerializer(StrictFieldsMixin, serializers.Serializer):
    status = StrictChoiceField(choices=STATUSES)
    notes = StrictCharField(required=False, allow_blank=True, max_length=5000)


# --- documentation-only shapes -----------------------------------------------------------------


class _ItemRefSerializer(serializers.Serializer):
    evaluation_id = serializers.IntegerField()
    catalog_item_id = serializers.IntegerField()
    title = serializers.CharField()
    priority = serializers.ChoiceField(choices=PRIORITIES)
    category = serializers.ChoiceField(choices=CATEGORIES)


class _QuestionSerializer(_ItemRefSerializer):
    status = serializers.ChoiceField(choices=STATUSES)
    question = serializers.CharField()


class _CountsSerializer(serializers.Serializer):
    covered = serializers.IntegerField()
    partial = serializers.IntegerField()
    missing = serializers.IntegerField()
    unclear = serializers.IntegerField()


class _MissingByPrioritySerializer(serializers.Serializer):
    critical = _ItemRefSerializer(many=True)
    high = _ItemRefSerializer(many=True)
    medium = _ItemRefSerializer(many=True)
    low = _ItemRefSerializer(many=True)


class ChecklistSummarySerializer(serializers.Serializer):
    encounter = serializers.IntegerField()
    total = serializers.IntegerField()
    evaluated = serializers.BooleanField()
    counts = _CountsSerializer()
    coverage_percent = serializers.FloatField(help_text="100 × (covered + 0.5 × partial) / total")
    missing_by_priority = _MissingByPrioritySerializer()
    missing_critical = serializers.ListField(child=serializers.CharField())
    questions = _QuestionSerializer(many=True, help_text="Not-covered items' questions, critical first.")
    manual_count = serializers.IntegerField()
    last_evaluated_at = serializers.DateTimeField(allow_null=True)


class DraftChecklistSerializer(ChecklistSummarySerializer):
    items = ChecklistEvalSerializer(many=True)
