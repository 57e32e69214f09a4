from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from soapify.core.serializers import JobRefSerializer, StrictCharField, StrictFieldsMixin
from soapify.stt.models import ChunkTranscription, TranscriptSegment
from soapify.stt.services import MAX_SEGMENT_TEXT

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


def _language(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if not _LANGUAGE.match(value):
        raise serializers.ValidationError("A language code such as 'en' or 'fa'.")
    return value


# --- requests --------------------------------------------------------------------------------------


class TranscribeRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    chunk_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    audio_chunk_id = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Alias of chunk_id."
    )
    language = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=8, help_text="e.g. en, fa"
    )
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Replace segments a doctor edited (else 409 chunk_has_edits).",
    )

    def validate_language(self, value):
        return _language(value)

    def validate(self, attrs):
        a, b = attrs.get("chunk_id"), attrs.pop("audio_chunk_id", None)
        if a is None and b is None:
            raise serializers.ValidationError({"chunk_id": ["chunk_id (or audio_chunk_id) is required."]})
        if a is not None and b is not None and a != b:
            raise serializers.ValidationError({"audio_chunk_id": ["Differs from chunk_id."]})
        attrs["chunk_id"] = a if a is not None else b
        return attrs


class SegmentEditSerializer(StrictFieldsMixin, serializers.Serializer):
    text = serializers.CharField(
        max_length=MAX_SEGMENT_TEXT, trim_whitespace=True, allow_blank=False, required=False
    )
    speaker = serializers.ChoiceField(
        choices=["doctor", "patient", "other"],
        required=False,
        help_text="Who said it. For a diarized segment this names the whole speaker (every segment "
        "with its `speaker_index`), and it holds after re-transcription.",
    )

    def validate(self, attrs):
        if "text" not in attrs and "speaker" not in attrs:
            raise serializers.ValidationError({"text": ["This field is required (or send speaker)."]})
        return attrs


class TypedTranscriptRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    text = StrictCharField(
        trim_whitespace=False,
        allow_blank=True,
        help_text="The dialogue, one turn per line; speaker labels like `Doctor:`, `P:`, `[patient]`, "
        "`پزشک:` are understood. At most 200,000 characters (413 beyond).",
    )
    language = serializers.ChoiceField(
        choices=["en", "fa"],
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The transcript's language (as an encounter's): `en` or `fa`; empty: detected.",
    )
    replace = serializers.BooleanField(
        required=False, default=False, help_text="Replace an existing typed transcript (else 409)."
    )

    def validate_language(self, value):
        return value or None

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("The transcript is empty.")
        return value


# --- responses -------------------------------------------------------------------------------------


class WordSerializer(serializers.Serializer):
    start = serializers.FloatField(help_text="Seconds on the encounter's timeline.")
    end = serializers.FloatField(help_text="Seconds on the encounter's timeline.")
    text = serializers.CharField()
    confidence = serializers.FloatField(help_text="0..1")


_WORDS_HELP = (
    "The engine's words with their times (empty when the engine gives none); as transcribed, so an "
    "edited segment's words still show what was heard."
)


class ChunkSegmentSerializer(serializers.ModelSerializer):
    original_text = serializers.SerializerMethodField()
    words = WordSerializer(many=True, read_only=True, help_text=_WORDS_HELP)

    class Meta:
        model = TranscriptSegment
        fields = [
            "id",
            "index",
            "start",
            "end",
            "text",
            "confidence",
            "speaker",
            "speaker_index",
            "edited",
            "original_text",
            "edited_at",
            "language",
            "words",
        ]
        read_only_fields = fields

    def get_original_text(self, obj) -> str | None:
        return obj.original_text if obj.edited else None


class SegmentSerializer(ChunkSegmentSerializer):
    encounter_id = serializers.IntegerField(read_only=True)
    chunk_id = serializers.IntegerField(read_only=True, allow_null=True)
    edited_by = serializers.SerializerMethodField()

    class Meta(ChunkSegmentSerializer.Meta):
        fields = [
            "id",
            "encounter_id",
            "chunk_id",
            "source",
            "index",
            "start",
            "end",
            "text",
            "confidence",
            "speaker",
            "speaker_index",
            "edited",
            "original_text",
            "edited_by",
            "edited_at",
            "language",
            "engine",
            "model",
            "engine_version",
        ]
        read_only_fields = fields

    def get_edited_by(self, obj) -> str | None:
        return obj.edited_by.username if obj.edited_by_id and obj.edited_by else None


class ChunkTranscriptSerializer(serializers.Serializer):
    chunk_id = serializers.IntegerField()
    encounter_id = serializers.IntegerField()
    chunk_number = serializers.IntegerField()
    chunk_status = serializers.CharField()
    start_offset = serializers.FloatField()
    duration = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(
        choices=ChunkTranscription.Status.choices,
        help_text="Transcription status of the chunk (pending until a run starts).",
    )
    engine = serializers.CharField()
    model = serializers.CharField()
    engine_version = serializers.CharField()
    language = serializers.CharField()
    replaced_edits = serializers.ListField(
        child=serializers.DictField(),
        help_text="Segments the doctor had edited that a forced re-transcription replaced: {id, start, end, "
        "text, original_text, edited_by, edited_at, replaced_at}; appended, never trimmed.",
    )
    real_time_factor = serializers.FloatField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.DictField(help_text="{code, message} of the last failure, else {}.")
    segments = ChunkSegmentSerializer(many=True)


class EncounterTranscriptSegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    chunk_id = serializers.IntegerField(allow_null=True)
    chunk_number = serializers.IntegerField(allow_null=True)
    source = serializers.ChoiceField(choices=TranscriptSegment.Source.choices)
    start = serializers.FloatField()
    end = serializers.FloatField()
    text = serializers.CharField()
    speaker = serializers.CharField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    edited = serializers.BooleanField()
    language = serializers.CharField(help_text="The language the segment was transcribed in ('' if unknown).")
    words = WordSerializer(many=True, help_text=_WORDS_HELP)
    char_start = serializers.IntegerField(help_text="Offset of the segment's first character in `text`.")
    char_end = serializers.IntegerField(help_text="Offset just past the segment's last character.")


class TranscriptionProgressSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=["audio", "typed", "none"])
    complete = serializers.BooleanField(help_text="Every committed chunk is transcribed.")
    chunks = serializers.IntegerField()
    done = serializers.IntegerField()
    pending = serializers.IntegerField()
    running = serializers.IntegerField()
    failed = serializers.IntegerField()
    not_started = serializers.IntegerField()
    failed_chunks = serializers.ListField(child=serializers.IntegerField())


class EncounterTranscriptSerializer(serializers.Serializer):
    encounter_id = serializers.IntegerField()
    status = serializers.CharField(help_text="The encounter's status.")
    status_detail = serializers.CharField()
    language = serializers.CharField()
    text = serializers.CharField(help_text="Segments joined by newlines, in visit order.")
    transcription = TranscriptionProgressSerializer()
    segments = EncounterTranscriptSegmentSerializer(many=True)


class ProcessResponseSerializer(JobRefSerializer):
    encounter_id = serializers.IntegerField()
    chunks = serializers.IntegerField()
    to_transcribe = serializers.IntegerField()
    note = serializers.CharField(required=False)


@extend_schema_serializer(component_name="TranscriptSearchHit")  # search.SearchHit is another shape
class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    segment_id = serializers.IntegerField()
    encounter_id = serializers.IntegerField()
    chunk_id = serializers.IntegerField(allow_null=True)
    chunk_number = serializers.IntegerField(allow_null=True)
    source = serializers.CharField()
    start = serializers.FloatField()
    end = serializers.FloatField()
    text = serializers.CharField()
    speaker = serializers.CharField(allow_null=True)
    edited = serializers.BooleanField()
    snippet = serializers.CharField(help_text="HTML-escaped fragment with matches in <mark>.")
    score = serializers.FloatField()
