from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from soapify.core.serializers import JobRefSerializer, StrictFieldsMixin
from soapify.outputs.models import FinalizedNote, OutputFile, ShareLink
from soapify.outputs.services import missing_critical_warning


class FinalizeRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    encounter_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    items = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="`missing_critical`: the items missed (absent from `checklist_pending` and "
        "`checklist_not_evaluated`).",
    )


class FinalizeResponseSerializer(JobRefSerializer):
    encounter_id = serializers.IntegerField()
    missing_critical = serializers.ListField(child=serializers.CharField())
    warnings = WarningSerializer(many=True)
    finalized_url = serializers.CharField()


class OutputFileSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="note.version", read_only=True)
    note_id = serializers.IntegerField(read_only=True)
    encounter_id = serializers.IntegerField(source="note.encounter_id", read_only=True)
    filename = serializers.CharField(read_only=True)

    class Meta:
        model = OutputFile
        fields = [
            "id",
            "kind",
            "version",
            "note_id",
            "encounter_id",
            "filename",
            "content_type",
            "size",
            "sha256",
            "created_at",
        ]
        read_only_fields = fields


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class VersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    finalized_at = serializers.DateTimeField()
    finalized_by_id = serializers.IntegerField()
    draft_version = serializers.IntegerField(allow_null=True)
    missing_critical_count = serializers.IntegerField()


class FinalizedNoteSerializer(serializers.ModelSerializer):
    """One immutable version; ``versions`` lists every version of the encounter, newest first."""

    encounter_id = serializers.IntegerField(read_only=True)
    status = serializers.SerializerMethodField()
    is_latest = serializers.SerializerMethodField()
    finalized_by = serializers.SerializerMethodField()
    amends_version = serializers.SerializerMethodField()
    patient_ref = serializers.CharField(source="encounter.patient_ref", read_only=True)
    soap = serializers.SerializerMethodField()
    checklist_summary = serializers.SerializerMethodField()
    missing_critical = serializers.ListField(source="missing_critical_items", read_only=True)
    warnings = serializers.SerializerMethodField()
    meta = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    class Meta:
        model = FinalizedNote
        fields = [
            "id",
            "encounter_id",
            "patient_ref",
            "version",
            "status",
            "is_latest",
            "language",
            "finalized_at",
            "finalized_by",
            "amends_version",
            "draft_version",
            "soap",
            "checklist_summary",
            "missing_critical",
            "warnings",
            "meta",
            "files",
            "versions",
        ]
        read_only_fields = fields

    def _versions(self) -> list[FinalizedNote]:
        return self.context.get("versions") or []

    def get_status(self, obj) -> str:
        return "finalized"

    def get_is_latest(self, obj) -> bool:
        versions = self._versions()
        return not versions or versions[0].pk == obj.pk

    @extend_schema_field(UserRefSerializer)
    def get_finalized_by(self, obj) -> dict:
        return {"id": obj.finalized_by_id, "username": obj.finalized_by.username}

    def get_amends_version(self, obj) -> int | None:
        previous = {v.pk: v.version for v in self._versions()}
        return previous.get(obj.amends_id) if obj.amends_id else None

    @extend_schema_field(serializers.DictField())
    def get_soap(self, obj) -> dict:
        """The frozen draft: ``{language, sections: {subjective|objective|assessment|plan: {text, items}}}``."""
        return obj.draft

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_checklist_summary(self, obj) -> dict | None:
        return obj.checklist_summary

    @extend_schema_field(WarningSerializer(many=True))
    def get_warnings(self, obj) -> list[dict]:
        return missing_critical_warning(list(obj.missing_critical_items or []))

    @extend_schema_field(serializers.DictField())
    def get_meta(self, obj) -> dict:
        return obj.content.get("meta") or {}

    @extend_schema_field(OutputFileSerializer(many=True))
    def get_files(self, obj) -> list[dict]:
        return OutputFileSerializer(self.context.get("files") or [], many=True).data

    @extend_schema_field(VersionRefSerializer(many=True))
    def get_versions(self, obj) -> list[dict]:
        return [
            {
                "id": v.pk,
                "version": v.version,
                "finalized_at": v.finalized_at,
                "finalized_by_id": v.finalized_by_id,
                "draft_version": v.draft_version,
                "missing_critical_count": len(v.missing_critical_items or []),
            }
            for v in self._versions()
        ]


class DownloadResponseSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()
    expires_in = serializers.IntegerField(help_text="Seconds the URL stays valid.")
    file_id = serializers.IntegerField()
    kind = serializers.CharField()
    filename = serializers.CharField()
    content_type = serializers.CharField()


class LinkCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    encounter_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    expires_in = serializers.IntegerField(
        required=False,
        min_value=60,
        help_text="Lifetime in seconds (default 7 days, at most 30 days = 2592000).",
    )
    expires_in_days = serializers.IntegerField(
        required=False, min_value=1, help_text="Lifetime in days (alternative to expires_in; at most 30)."
    )
    phone_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="Optional: the link is texted to this number (E.164 or Iranian 09xxxxxxxxx); stored masked.",
    )
    max_views = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=10000, help_text="Optional view limit."
    )

    def validate(self, attrs):
        seconds, days = attrs.pop("expires_in", None), attrs.pop("expires_in_days", None)
        if seconds is not None and days is not None:
            raise serializers.ValidationError(
                {"expires_in": ["Give expires_in or expires_in_days, not both."]}
            )
        max_days = int(settings.SHARE_LINK_MAX_DAYS)
        too_long = (seconds is not None and seconds > max_days * 86400) or (
            days is not None and days > max_days
        )
        if too_long:  # checked before building a timedelta, which overflows on huge numbers
            field = "expires_in" if seconds is not None else "expires_in_days"
            raise serializers.ValidationError({field: [f"At most {max_days} days."]})
        lifetime = None
        if seconds is not None:
            lifetime = timedelta(seconds=seconds)
        elif days is not None:
            lifetime = timedelta(days=days)
        if lifetime is not None and lifetime > timedelta(days=max_days):
            field = "expires_in" if seconds is not None else "expires_in_days"
            raise serializers.ValidationError({field: [f"At most {max_days} days."]})
        attrs["lifetime"] = lifetime
        return attrs


class ShareLinkSerializer(serializers.ModelSerializer):
    """A link as its doctor sees it later: never the token."""

    encounter_id = serializers.IntegerField(read_only=True)
    note_version = serializers.IntegerField(source="note.version", read_only=True)
    status = serializers.SerializerMethodField()
    phone_number = serializers.CharField(source="phone_number_masked", read_only=True)
    created_by_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = ShareLink
        fields = [
            "id",
            "encounter_id",
            "note_version",
            "status",
            "created_at",
            "created_by_id",
            "expires_at",
            "max_views",
            "view_count",
            "last_accessed_at",
            "revoked_at",
            "phone_number",
            "sms_status",
        ]
        read_only_fields = fields

    def get_status(self, obj) -> str:
        return obj.state(self.context.get("now") or timezone.now())


class LinkCreatedSerializer(ShareLinkSerializer):
    """Returned once, at creation: ``link_id`` is the secret token and ``url`` carries it."""

    link_id = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta(ShareLinkSerializer.Meta):
        fields = ["link_id", "url", *ShareLinkSerializer.Meta.fields]
        read_only_fields = fields

    def get_link_id(self, obj) -> str:
        return self.context["token"]

    def get_url(self, obj) -> str:
        return self.context["url"]
