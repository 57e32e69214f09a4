"""Request bodies (strict: unknown fields are a 400) and the documented shape of a draft."""

from __future__ import annotations

from rest_framework import serializers

from soapify.core.draft_schema import SECTIONS
from soapify.core.serializers import StrictFieldsMixin
from soapify.nlp.selectors import DraftView, draft_sections
from soapify.nlp.services import ENGINE_CHOICES


class StrictCharField(serializers.CharField):
    """A string, not a number coerced into one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class GenerateSerializer(StrictFieldsMixin, serializers.Serializer):
    transcript = StrictCharField(
        required=False,
        trim_whitespace=False,
        help_text="Addition to the contract: a typed or pasted dialogue (speaker labels such as `Doctor:`, "
        "`[patient]`, `پزشک:` understood), stored as the encounter's typed transcript (replacing an "
        "earlier typed one) before the draft is generated. At most 200,000 characters (413).",
    )
    language = serializers.ChoiceField(
        choices=["en", "fa"], required=False, help_text="Default: the encounter's, else detected."
    )
    engine = serializers.ChoiceField(
        choices=list(ENGINE_CHOICES), required=False, help_text="Default: the configured `NLP_ENGINE`."
    )


class UpdateSectionSerializer(StrictFieldsMixin, serializers.Serializer):
    section = serializers.ChoiceField(choices=list(SECTIONS))
    content = serializers.JSONField(
        help_text="The section's text (a string: its structured items are cleared) or `{text, items}` "
        "(items follow the draft schema; every evidence span must equal the draft's transcript text "
        "between `start` and `end`). Text at most 50,000 characters (413)."
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The version the edit is based on (recommended): a stale one gives 409 "
        "`version_conflict` with `current_version`. Omitted: the last writer wins.",
    )


# --- response shape (documentation and rendering) ---------------------------------------------------


class EvidenceSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()
    segment_id = serializers.IntegerField(allow_null=True)


class ItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    text = serializers.CharField()
    negated = serializers.BooleanField()
    uncertain = serializers.BooleanField()
    confidence = serializers.FloatField()
    evidence = EvidenceSerializer(many=True)


class SectionSerializer(serializers.Serializer):
    text = serializers.CharField()
    items = ItemSerializer(many=True, help_text="Plus kind-specific fields (vital: name, value, unit…).")
    edited = serializers.BooleanField(help_text="Edited by the doctor: regeneration keeps it.")
    edited_by = serializers.IntegerField(allow_null=True)
    edited_at = serializers.DateTimeField(allow_null=True)
    machine_text = serializers.CharField(
        allow_null=True, help_text="The latest machine text of an edited section, offered beside the edit."
    )
    machine_items = ItemSerializer(
        many=True, required=False, help_text="Its items (when machine_text is set)."
    )


class SectionsSerializer(serializers.Serializer):
    subjective = SectionSerializer()
    objective = SectionSerializer()
    assessment = SectionSerializer()
    plan = SectionSerializer()


class HistoryEntrySerializer(serializers.Serializer):
    version = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=["generated", "regenerated", "section_edit"])
    section = serializers.CharField(allow_null=True)
    engine = serializers.CharField()
    author = serializers.DictField(allow_null=True, help_text="{id, username} of a section edit's author.")
    created_at = serializers.DateTimeField()


class DraftSerializer(serializers.Serializer):
    encounter_id = serializers.IntegerField()
    version = serializers.IntegerField()
    current_version = serializers.IntegerField()
    language = serializers.CharField()
    engine = serializers.CharField()
    model = serializers.CharField()
    engine_version = serializers.CharField()
    status = serializers.CharField(help_text="The encounter's status (drafting, ready, finalized, failed…).")
    meta = serializers.DictField(help_text="requested_engine, fallback_reason, dropped_items, evidence_lost.")
    sections = SectionsSerializer()
    transcript_text = serializers.CharField(
        required=False,
        help_text="The transcript the evidence offsets refer to (omit with ?transcript=false).",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    history = HistoryEntrySerializer(many=True)


def draft_body(view: DraftView, *, include_transcript: bool = True) -> dict:
    draft = view.draft
    body = {
        "encounter_id": draft.encounter_id,
        "version": view.version,
        "current_version": draft.version,
        "language": view.language,
        "engine": view.engine,
        "model": view.model,
        "engine_version": view.engine_version,
        "status": draft.encounter.status,
        "meta": view.meta or {},
        "sections": draft_sections(view),
        "created_at": draft.created_at,
        "updated_at": view.revision_created_at or draft.updated_at,
        "history": view.history,
    }
    if include_transcript:
        body["transcript_text"] = view.transcript_text
    return body
