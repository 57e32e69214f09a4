"""/api/audio/: presigned-url, commit, and the local signed PUT (``upload/<token>/``)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.core.audit import AuditedViewMixin, audit_record
from soapify.core.errors import ApiError, error_body
from soapify.core.idempotency import idempotent
from soapify.core.schema import errors
from soapify.encounters.serializers import AudioChunkSerializer
from soapify.encounters.serializers_uploads import (
    CommitRequestSerializer,
    PresignedUrlRequestSerializer,
    PresignedUrlResponseSerializer,
)
from soapify.encounters.uploads import presigned, storage
from soapify.encounters.uploads.signed_put import signed_put_receive


def storage_kind() -> str:
    return "s3" if storage.is_s3(storage.audio_storage()) else "local"


def refusal(exc: ApiError) -> Response:
    """An error *returned* (not raised), so the refusal the service recorded (a rejected chunk,
    a session's last error) is kept with the request's audit row."""
    return Response(error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status_code)


class PresignedUrlView(AuditedViewMixin, APIView):
    """An upload URL for one chunk: an S3 presigned PUT (content type and length bound in), or a
    signed, expiring URL on this service when storage is local. Re-asking for a chunk number that
    is not committed yet replaces the earlier reservation; a committed one is 409."""

    audit_object_type = "audio_chunk"

    @extend_schema(
        request=PresignedUrlRequestSerializer, responses={201: PresignedUrlResponseSerializer, **errors(409)}
    )
    def post(self, request):
        ser = PresignedUrlRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        chunk, target = presigned.chunk_presign(user=request.user, **ser.validated_data)
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
    201 the first time, 200 with the same chunk on a repeat. Refused bytes: the chunk is
    rejected (with the reason) and its object deleted."""

    audit_object_type = "audio_chunk"

    @extend_schema(
        request=CommitRequestSerializer,
        responses={201: AudioChunkSerializer, 200: AudioChunkSerializer, **errors(409, 422)},
    )
    @idempotent
    def post(self, request):
        ser = CommitRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            chunk, created = presigned.chunk_commit(user=request.user, **ser.validated_data)
        except ApiError as exc:
            return refusal(exc)
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
    The token is the credential (like an S3 presigned URL); no other authentication. The stored
    bytes and the audit row are committed together (if the row cannot be written, the request
    fails and the chunk stays pending; a new PUT replaces the leftover)."""
    if request.method == "OPTIONS":
        response = JsonResponse({"name": "Signed upload", "methods": ["PUT", "OPTIONS"]})
        response["Allow"] = "PUT, OPTIONS"
        return response
    if request.method != "PUT":
        response = JsonResponse(
            error_body("method_not_allowed", f"Method {request.method} not allowed; use PUT."), status=405
        )
        response["Allow"] = "PUT, OPTIONS"
        return response
    result: dict = {}
    try:
        with transaction.atomic():
            result = signed_put_receive(
                token=token,
                body=request,
                content_type=request.META.get("CONTENT_TYPE", ""),
                content_length=_content_length(request),
            )
            response = JsonResponse(result, status=200)
            _audit_put(request, result, response.status_code)
    except ApiError as exc:
        response = JsonResponse(
            error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status_code
        )
        _audit_put(request, result, response.status_code)
    return response


def _audit_put(request: HttpRequest, result: dict, status_code: int) -> None:
    audit_record(
        action="update",
        object_type="audio_chunk" if "chunk_id" in result else "upload_session",
        object_id=result.get("chunk_id") or result.get("session_id") or "",
        request=request,
        status_code=status_code,
        extra={"via": "signed_url"},
    )
