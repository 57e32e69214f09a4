"""Request validation and response bodies for the audio presigned/commit and uploads endpoints."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

from soapify.core.serializers import StrictFieldsMixin
from soapify.encounters.models import AudioChunk, UploadSession
from soapify.encounters.serializers import AudioChunkSerializer
from soapify.encounters.uploads import storage
from soapify.encounters.uploads.sessions import is_expired

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
MAX_CHUNK_NUMBER = 1_000_000


class Sha256Field(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(max_length=64, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data).strip().lower()
        if value and not _SHA256.match(value):
            raise serializers.ValidationError("Give a sha256 as 64 hexadecimal characters.")
        return value


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        return super().to_internal_value(data)


class PresignedUrlRequestSerializer(StrictSerializer):
    encounter_id = serializers.IntegerField(min_value=1)
    chunk_number = serializers.IntegerField(min_value=0, max_value=MAX_CHUNK_NUMBER)
    format = serializers.CharField(max_length=100)
    file_size = serializers.IntegerField(min_value=1)
    filename = serializers.CharField(max_length=255, required=False, allow_blank=True)
    content_type = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate_format(self, value: str) -> str:
        fmt = storage.normalize_format(value)
        if fmt is None:
            raise serializers.ValidationError(
                f"Unknown audio format. Use one of: {', '.join(storage.FORMATS)} (or their MIME types)."
            )
        return fmt


class PresignedUrlResponseSerializer(serializers.Serializer):
    chunk_id = serializers.IntegerField()
    upload_url = serializers.URLField()
    method = serializers.CharField()
    headers = serializers.DictField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()
    storage = serializers.ChoiceField(choices=["s3", "local"])
    chunk = AudioChunkSerializer()


class CommitRequestSerializer(StrictSerializer):
    chunk_id = serializers.IntegerField(min_value=1)
    sha256 = Sha256Field()


class SessionCreateSerializer(StrictSerializer):
    encounter_id = serializers.IntegerField(min_value=1)
    filename = serializers.CharField(max_length=255)
    content_type = serializers.CharField(max_length=100)
    total_size = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    sha256 = Sha256Field()
    chunk_number = serializers.IntegerField(
        min_value=0, max_value=MAX_CHUNK_NUMBER, required=False, allow_null=True
    )


OFFSET_HELP = (
    "Byte offset of this part in the recording (authoritative): the session's received_bytes for "
    "the next part. Parts may be any size up to chunk_size."
)
INDEX_HELP = (
    "The part's ordinal (0 for the first part stored, then 1, 2 ...), not offset / chunk_size. "
    "Ignored when offset is given; alone, next_index sends the next part and a smaller one re-sends "
    "a stored part."
)


class ChunkUploadSerializer(StrictSerializer):
    session_id = serializers.UUIDField()
    index = serializers.IntegerField(min_value=0, required=False, allow_null=True, help_text=INDEX_HELP)
    offset = serializers.IntegerField(min_value=0, required=False, allow_null=True, help_text=OFFSET_HELP)
    file = serializers.FileField(allow_empty_file=True)
    sha256 = Sha256Field()

    def validate(self, attrs: dict) -> dict:
        if attrs.get("index") is None and attrs.get("offset") is None:
            raise serializers.ValidationError({"index": ["Give the chunk's index or its byte offset."]})
        return attrs


class RawChunkSerializer(StrictSerializer):
    """Where a raw chunk goes (query string, or the headers ``X-Session-Id``, ``Upload-Offset``,
    ``X-Chunk-Index``, ``X-Chunk-Sha256``); its bytes are the request body."""

    session_id = serializers.UUIDField()
    index = serializers.IntegerField(min_value=0, required=False, allow_null=True, help_text=INDEX_HELP)
    offset = serializers.IntegerField(min_value=0, required=False, allow_null=True, help_text=OFFSET_HELP)
    sha256 = Sha256Field()

    def validate(self, attrs: dict) -> dict:
        if attrs.get("index") is None and attrs.get("offset") is None:
            raise serializers.ValidationError({"offset": ["Give the chunk's byte offset or its index."]})
        return attrs


class SessionRefSerializer(StrictSerializer):
    session_id = serializers.UUIDField()
    sha256 = Sha256Field()


class SessionPresignSerializer(StrictSerializer):
    session_id = serializers.UUIDField()


def session_data(session: UploadSession) -> dict:
    """A session's state; ``next_index`` is the ordinal of the next part (the number of parts
    stored; parts may be of any size up to ``chunk_size``), None once the session is not open."""
    is_open = session.status == UploadSession.Status.OPEN and not is_expired(session)
    next_index = (session.parts.count() if session.received_bytes else 0) if is_open else None
    return {
        "session_id": str(session.pk),
        "encounter_id": session.encounter_id,
        "status": "expired" if is_expired(session) else session.status,
        "filename": session.filename,
        "content_type": session.content_type,
        "total_size": session.total_size,
        "chunk_size": session.chunk_size,
        "received_bytes": session.received_bytes,
        "next_index": next_index,
        "expires_at": session.expires_at,
        "committed_at": session.committed_at,
        "audio_chunk_id": session.audio_chunk_id,
        "last_error": session.last_error,
    }


def final_data(session: UploadSession) -> dict:
    chunk: AudioChunk = session.audio_chunk  # type: ignore[assignment]
    return {
        "session_id": str(session.pk),
        "status": session.status,
        "encounter_id": session.encounter_id,
        "received_bytes": session.received_bytes,
        "size": chunk.size,
        "sha256": chunk.sha256,
        "duration": chunk.duration,
        "format": chunk.format,
        "container": chunk.container,
        "codec": chunk.codec,
        "sample_rate": chunk.sample_rate,
        "channels": chunk.channels,
        "audio_chunk_id": chunk.pk,
        "chunk_number": chunk.chunk_number,
        "start_offset": chunk.start_offset,
        "committed_at": session.committed_at,
        "audio_chunk": AudioChunkSerializer(chunk).data,
    }


class SessionResponseSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    encounter_id = serializers.IntegerField()
    status = serializers.CharField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    total_size = serializers.IntegerField(allow_null=True)
    chunk_size = serializers.IntegerField()
    received_bytes = serializers.IntegerField()
    next_index = serializers.IntegerField(allow_null=True)
    expires_at = serializers.DateTimeField()
    committed_at = serializers.DateTimeField(allow_null=True)
    audio_chunk_id = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()


class ChunkResponseSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    index = serializers.IntegerField()
    offset = serializers.IntegerField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    received_bytes = serializers.IntegerField()
    total_size = serializers.IntegerField(allow_null=True)
    complete = serializers.BooleanField()
    duplicate = serializers.BooleanField()
    expires_at = serializers.DateTimeField()


class FinalResponseSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    status = serializers.CharField()
    encounter_id = serializers.IntegerField()
    received_bytes = serializers.IntegerField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    duration = serializers.FloatField()
    format = serializers.CharField()
    container = serializers.CharField()
    codec = serializers.CharField()
    sample_rate = serializers.IntegerField()
    channels = serializers.IntegerField()
    audio_chunk_id = serializers.IntegerField()
    chunk_number = serializers.IntegerField()
    start_offset = serializers.FloatField()
    committed_at = serializers.DateTimeField()
    audio_chunk = AudioChunkSerializer()


class UploadTargetResponseSerializer(serializers.Serializer):
    session_id = serializers.UUIDField()
    upload_url = serializers.URLField()
    method = serializers.CharField()
    headers = serializers.DictField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()
    storage = serializers.ChoiceField(choices=["s3", "local"])
