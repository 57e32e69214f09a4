"""/api/uploads/: resumable sessions (create, status, chunk, commit, final) and direct upload of
the whole file (s3/presign, s3/confirm)."""

from __future__ import annotations

import uuid

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.core.audit import AuditedViewMixin
from soapify.core.errors import ApiError, NotFound, PayloadTooLarge
from soapify.core.idempotency import idempotent
from soapify.core.parsers import FormParser, MultiPartParser
from soapify.core.schema import errors
from soapify.encounters.serializers_uploads import (
    ChunkResponseSerializer,
    ChunkUploadSerializer,
    FinalResponseSerializer,
    RawChunkSerializer,
    SessionCreateSerializer,
    SessionPresignSerializer,
    SessionRefSerializer,
    SessionResponseSerializer,
    UploadTargetResponseSerializer,
    final_data,
    session_data,
)
from soapify.encounters.uploads import chunks, commit, direct, sessions
from soapify.encounters.uploads.storage import HashingUploadHandler
from soapify.encounters.views_audio import refusal, storage_kind


def _session_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise NotFound("Upload session not found.", code="upload_session_not_found") from None


class _SessionView(AuditedViewMixin, APIView):
    audit_object_type = "upload_session"
    throttle_scope = "upload"  # rate-limit profiles: POSTs count as uploads (GETs as reads)


class SessionCreateView(_SessionView):
    """Open a resumable upload of one recording; send its bytes to ``chunk/`` in order."""

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionResponseSerializer, **errors(409)})
    def post(self, request):
        ser = SessionCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        session = sessions.session_create(user=request.user, **ser.validated_data)
        return Response({"id": str(session.pk), **session_data(session)}, status=status.HTTP_201_CREATED)


class SessionStatusView(_SessionView):
    """Where an upload stands (``received_bytes``): a client that lost its connection resumes
    from there. Expired sessions are 410."""

    @extend_schema(responses={200: SessionResponseSerializer, **errors(410)})
    def get(self, request, session_id):
        session = sessions.session_get(user=request.user, session_id=_session_id(session_id))
        return Response(session_data(session))


#: content types of a raw chunk body (tus uses application/offset+octet-stream)
RAW_CHUNK_TYPES = frozenset({"application/offset+octet-stream", "application/octet-stream"})
#: raw chunk parameters: query string name -> header that may carry it instead
_RAW_PARAMS = {
    "session_id": "HTTP_X_SESSION_ID",
    "offset": "HTTP_UPLOAD_OFFSET",
    "index": "HTTP_X_CHUNK_INDEX",
    "sha256": "HTTP_X_CHUNK_SHA256",
}


def _is_raw_chunk(request) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "")
    return content_type.split(";", 1)[0].strip().lower() in RAW_CHUNK_TYPES


def _content_length(request) -> int | None:
    try:
        return int(request.META["CONTENT_LENGTH"])
    except (KeyError, ValueError):
        return None


class ChunkUploadView(_SessionView):
    """One byte range of the recording: 201 stored, 200 an identical re-send; 409
    ``offset_mismatch`` (with ``received_bytes`` and ``next_index``) for any other offset.

    ``offset`` is authoritative; a part may be any size up to the session's ``chunk_size``;
    ``index`` is the part's ordinal (ignored with ``offset``; alone, ``next_index`` appends).

    Either multipart ``{session_id, offset | index, file, sha256?}``, or (tus-style, faster: no
    multipart parsing) the raw bytes as the body with ``Content-Type:
    application/offset+octet-stream`` (or ``application/octet-stream``) and ``session_id``,
    ``offset`` or ``index`` and ``sha256?`` in the query string or in the headers
    ``X-Session-Id``, ``Upload-Offset``, ``X-Chunk-Index``, ``X-Chunk-Sha256``. A raw body is
    streamed to disk while it is hashed; answers carry ``Upload-Offset`` (``received_bytes``).

    The body-size middleware leaves this path alone (``BODY_LIMIT_EXEMPT_PREFIXES``); the same
    limits are enforced here before anything reads the body: multipart and raw bodies at most
    ``UPLOAD_REQUEST_MAX_BYTES`` (a chunk at most the session's ``chunk_size``), anything else
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""

    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        django_request = request._request
        raw = _is_raw_chunk(django_request)
        multipart = (django_request.content_type or "").startswith("multipart/")
        limit = (
            settings.UPLOAD_REQUEST_MAX_BYTES if raw or multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if (_content_length(django_request) or 0) > limit:
            raise PayloadTooLarge(f"The request body exceeds {limit} bytes.", code="payload_too_large")
        if not raw:
            # before anything parses the body: stream file parts to disk, hashing them on the way
            django_request.upload_handlers = [HashingUploadHandler(django_request)]
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request={
            "multipart/form-data": ChunkUploadSerializer,
            "application/offset+octet-stream": OpenApiTypes.BINARY,
            "application/octet-stream": OpenApiTypes.BINARY,
        },
        parameters=[
            OpenApiParameter("session_id", OpenApiTypes.UUID, description="raw body only"),
            OpenApiParameter("offset", OpenApiTypes.INT, description="raw body only"),
            OpenApiParameter("index", OpenApiTypes.INT, description="raw body only"),
            OpenApiParameter("sha256", OpenApiTypes.STR, description="raw body only"),
        ],
        responses={201: ChunkResponseSerializer, 200: ChunkResponseSerializer, **errors(409, 410, 411, 422)},
    )
    def post(self, request):
        if _is_raw_chunk(request._request):
            return self._post_raw(request)
        ser = ChunkUploadSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        result = chunks.chunk_receive(
            user=request.user,
            session_id=data["session_id"],
            file=data["file"],
            index=data.get("index"),
            offset=data.get("offset"),
            sha256=data.get("sha256", ""),
        )
        return self._answer(result)

    def _post_raw(self, request):
        params = {}
        for name, header in _RAW_PARAMS.items():
            value = request.query_params.get(name)
            if value is None:
                value = request.META.get(header)
            if value not in (None, ""):
                params[name] = value
        ser = RawChunkSerializer(data=params)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        result = chunks.chunk_receive_stream(
            user=request.user,
            session_id=data["session_id"],
            stream=request._request,
            length=_content_length(request._request) or 0,  # none (WSGI): an empty body
            index=data.get("index"),
            offset=data.get("offset"),
            sha256=data.get("sha256", ""),
        )
        response = self._answer(result)
        response["Upload-Offset"] = str(result.session.received_bytes)
        return response

    @staticmethod
    def _answer(result: chunks.ChunkResult) -> Response:
        session, part, created = result.session, result.part, result.created
        body = {
            "session_id": str(session.pk),
            "index": part.index,
            "offset": part.offset,
            "size": part.size,
            "sha256": part.sha256,
            "received_bytes": session.received_bytes,
            "total_size": session.total_size,
            "complete": session.total_size is not None and session.received_bytes == session.total_size,
            "duplicate": not created,
            "expires_at": session.expires_at,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SessionCommitView(_SessionView):
    """Assemble the parts, verify size and sha256, probe the audio, create the encounter's chunk:
    201 the first time, 200 with the same result on a repeat."""

    @extend_schema(
        request=SessionRefSerializer,
        responses={201: FinalResponseSerializer, 200: FinalResponseSerializer, **errors(409, 410, 422)},
    )
    @idempotent
    def post(self, request):
        ser = SessionRefSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            session, created = commit.session_commit(
                user=request.user,
                session_id=ser.validated_data["session_id"],
                sha256=ser.validated_data.get("sha256", ""),
            )
        except ApiError as exc:
            return refusal(exc)
        return Response(
            final_data(session), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class FinalView(_SessionView):
    """The committed artifact; 409 ``not_committed`` (with ``received_bytes``) before commit."""

    @extend_schema(responses={200: FinalResponseSerializer, **errors(409, 410)})
    def get(self, request, session_id):
        session = sessions.session_final(user=request.user, session_id=_session_id(session_id))
        return Response(final_data(session))


class S3PresignView(_SessionView):
    """One presigned PUT for the whole file of a session created with ``total_size`` (S3; with
    local storage, a signed URL on this service)."""

    @extend_schema(
        request=SessionPresignSerializer, responses={201: UploadTargetResponseSerializer, **errors(409, 410)}
    )
    def post(self, request):
        ser = SessionPresignSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        session, target = direct.direct_presign(
            user=request.user, session_id=ser.validated_data["session_id"]
        )
        body = {
            "session_id": str(session.pk),
            "upload_url": target.url,
            "method": target.method,
            "headers": target.headers,
            "expires_at": target.expires_at,
            "storage": storage_kind(),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class S3ConfirmView(_SessionView):
    """HEAD the uploaded object, check size and sha256, probe it, create the audio chunk."""

    @extend_schema(
        request=SessionRefSerializer,
        responses={201: FinalResponseSerializer, 200: FinalResponseSerializer, **errors(409, 410, 422)},
    )
    @idempotent
    def post(self, request):
        ser = SessionRefSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            session, created = direct.direct_confirm(
                user=request.user,
                session_id=ser.validated_data["session_id"],
                sha256=ser.validated_data.get("sha256", ""),
            )
        except ApiError as exc:
            return refusal(exc)
        return Response(
            final_data(session), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
