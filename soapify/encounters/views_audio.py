"""/api/audio/: presigned-url, commit, and the local signed PUT (``upload/<token>/``)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.core.audit import AuditedViewMixin, audit_record
from soapify.core.errors import ApiError, error_body
from soapify.core.idempotency import idempotent
from soapify.encounters import services_audio, storage
from soapify.encounters.serializers import AudioChunkSerializer
from soapify.encounters.serializers_uploads import (
    CommitRequestSerializer,
    PresignedUrlRequestSerializer,
    PresignedUrlResponseSerializer,
)


def storage_kind() -> str:
    return "s3" if storage.is_s3(storage.audio_storage()) else "local"


class PresignedUrlView(AuditedViewMixin, APIView):
    """An upload URL for one chunk: an S3 presigned PUT (content type and length bound in), or a
    signed, expiring URL on this service when storage is local. Re-asking for a chunk number that
    is not committed yet replaces the earlier reservation; a committed one is 409."""

    audit_object_type = "audio_chunk"

    @extend_schema(request=PresignedUrlRequestSerializer, responses={201: PresignedUrlResponseSerializer})
    def post(self, request):
        ser = PresignedUrlRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        chunk, target = services_audio.chunk_presign(user=request.user, **ser.validated_data)
        body = {
            "id": chunk.pk,
            "chunk_id": chunk.pk,
            "upload_url": target.url,
            "method": target.method,
            "headers": target.headers,
            "expires_at": target.expires_at,
            "storage": storage_kind(),
            "chunk": AudioChunkSerializer(chunk).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class AudioCommitView(AuditedViewMixin, APIView):
    """Verify the uploaded chunk (exists, size, optional sha256, decodable audio) and commit it:
    201 the first time, 200 with the same chunk on a repeat."""

    audit_object_type = "audio_chunk"

    @extend_schema(
        request=CommitRequestSerializer, responses={201: AudioChunkSerializer, 200: AudioChunkSerializer}
    )
    @idempotent
    def post(self, request):
        ser = CommitRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        chunk, created = services_audio.chunk_commit(user=request.user, **ser.validated_data)
        body = {**AudioChunkSerializer(chunk).data, "chunk_id": chunk.pk, "encounter_id": chunk.encounter_id}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _content_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META["CONTENT_LENGTH"])
    except (KeyError, ValueError):
        return None


@csrf_exempt
def signed_upload(request: HttpRequest, token: str) -> JsonResponse:
    """``PUT /api/audio/upload/<token>/``: the body is the chunk's bytes, streamed to storage.
    The token is the credential (like an S3 presigned URL); no other authentication."""
    if request.method != "PUT":
        response = JsonResponse(
            error_body("method_not_allowed", f"Method {request.method} not allowed; use PUT."), status=405
        )
        response["Allow"] = "PUT"
        return response
    try:
        result = services_audio.signed_put_receive(
            token=token,
            body=request,
            content_type=request.META.get("CONTENT_TYPE", ""),
            content_length=_content_length(request),
        )
        response = JsonResponse(result, status=200)
    except ApiError as exc:
        response = JsonResponse(
            error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status_code
        )
        result = {}
    try:
        audit_record(
            action="update",
            object_type="audio_chunk" if "chunk_id" in result else "upload_session",
            object_id=result.get("chunk_id") or result.get("session_id") or "",
            request=request,
            status_code=response.status_code,
            extra={"via": "signed_url"},
        )
    except Exception:  # pragma: no cover - never fail an upload because auditing failed
        import logging

        logging.getLogger("soapify.audit").exception("audit write failed")
    return response
