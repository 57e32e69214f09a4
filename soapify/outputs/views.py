"""Outputs API (thin): finalize, finalized note, files, downloads, patient share links."""

from __future__ import annotations

import hashlib
import json
import logging
from html import escape

from django.conf import settings
from django.core.files.storage import storages
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, renderers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from soapify.core.audit import AuditedViewMixin, client_ip
from soapify.core.errors import ApiError, NotFound
from soapify.core.idempotency import idempotent
from soapify.core.jobs import job_find_active, job_start
from soapify.core.serializers import JobRefSerializer, job_ref
from soapify.encounters.selectors import encounter_get_own
from soapify.outputs import selectors, services
from soapify.outputs.models import OutputFile
from soapify.outputs.renderers import patient_html, patient_view
from soapify.outputs.serializers import (
    DownloadResponseSerializer,
    FinalizedNoteSerializer,
    FinalizeRequestSerializer,
    FinalizeResponseSerializer,
    LinkCreatedSerializer,
    LinkCreateSerializer,
    OutputFileSerializer,
    ShareLinkSerializer,
)
from soapify.outputs.tasks import FINALIZE

logger = logging.getLogger("soapify.outputs")


def _validated(serializer_class, request):
    if not isinstance(request.data, dict):
        raise ApiError("The request body must be a JSON object.", code="validation_error")
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


# -------------------------------------------------------------------------------------- finalize


class FinalizeView(AuditedViewMixin, APIView):
    """Start finalization: freeze the current draft into an immutable version and render its files."""

    audit_object_type = "finalized_note"

    @extend_schema(
        request=FinalizeRequestSerializer,
        responses={
            201: FinalizeResponseSerializer,
            400: OpenApiResponse(description="validation_error"),
            404: OpenApiResponse(description="encounter not found (or not the caller's)"),
            409: OpenApiResponse(description="no_draft / empty_draft"),
        },
        description=(
            "Returns 201 with a job reference at once. While a draft is being generated for the "
            "encounter, the job waits for it (`status` stays `queued`) and fails with "
            "`prerequisite_failed` if the generation fails. The job freezes the encounter's current draft "
            "and checklist summary into an immutable version (the existing version when nothing "
            "changed since it: a finalized encounter's draft and checklist refuse changes with 409 "
            "`encounter_finalized`, so a repeated finalize returns version 1), renders Markdown, "
            "doctor PDF, patient PDF and FHIR R4 bundle, and sets the encounter to `finalized`. "
            "Missing critical checklist items do not block finalization: they are listed in "
            "`missing_critical` and `warnings`. Accepts `Idempotency-Key`."
        ),
    )
    @idempotent
    def post(self, request):
        data = _validated(FinalizeRequestSerializer, request)
        encounter = encounter_get_own(user=request.user, encounter_id=data["encounter_id"])
        self.audit_id = encounter.pk
        services.finalize_check(encounter=encounter)
        summary = services.checklist_summary_of(encounter)
        missing = services.missing_critical_of(summary)
        job = job_find_active(kind=FINALIZE, target=encounter) or job_start(
            kind=FINALIZE,
            owner=request.user,
            target=encounter,
            params={"encounter_id": encounter.pk},
            idempotency_key=request.headers.get("Idempotency-Key", "")[:255],
        )
        body = job_ref(
            job,
            encounter_id=encounter.pk,
            missing_critical=missing,
            warnings=services.finalize_warnings(encounter=encounter, summary=summary),
            finalized_url=f"/api/outputs/finalized/{encounter.pk}/",
        )
        return Response(body, status=status.HTTP_201_CREATED)


class FinalizedNoteView(AuditedViewMixin, APIView):
    """The finalized note (latest version, or ``?version=``). Immutable: only GET is allowed."""

    audit_object_type = "finalized_note"

    @extend_schema(
        parameters=[
            OpenApiParameter("version", int, description="A past version (1, 2, …); default latest.")
        ],
        responses={
            200: FinalizedNoteSerializer,
            202: JobRefSerializer,
            400: OpenApiResponse(description="validation_error (version)"),
            404: OpenApiResponse(description="not_finalized / version_not_found"),
        },
        description=(
            "The latest finalized version (or `?version=`). Before the first version exists, while "
            "its finalize job is queued, waiting for the draft or running: 202 with the job's "
            "reference `{job_id, status, status_url, job}` and `Retry-After`; poll `status_url` or "
            "this URL. 404 `not_finalized` when nothing is finalized and no finalization is under way."
        ),
    )
    def get(self, request, encounter_id: int):
        encounter = encounter_get_own(user=request.user, encounter_id=encounter_id)
        version = selectors.parse_version(request.query_params.get("version"))
        try:
            note, versions = selectors.note_get(encounter=encounter, version=version)
        except NotFound as exc:
            pending = (
                services.finalize_job_of(encounter_id=encounter.pk)
                if exc.code == "not_finalized" and version is None
                else None
            )
            if pending is None:
                raise
            return Response(job_ref(pending), status=status.HTTP_202_ACCEPTED, headers={"Retry-After": "2"})
        context = {"versions": versions, "files": selectors.files_of(note=note)}
        return Response(FinalizedNoteSerializer(note, context=context).data)


# ----------------------------------------------------------------------------------------- files


class FileListView(AuditedViewMixin, generics.ListAPIView):
    """Output files of an encounter (every version, newest first; ``?version=`` for one)."""

    audit_object_type = "output_file"
    audit_action_name = "list"
    serializer_class = OutputFileSerializer

    @extend_schema(parameters=[OpenApiParameter("version", int, description="Only this note version.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OutputFile.objects.none()
        encounter = encounter_get_own(user=self.request.user, encounter_id=self.kwargs["encounter_id"])
        version = selectors.parse_version(self.request.query_params.get("version"))
        return selectors.file_list(user=self.request.user, encounter=encounter, version=version)


class DownloadView(AuditedViewMixin, APIView):
    """A short-lived download URL: S3 presigned GET, or a signed URL served by this app."""

    audit_object_type = "output_file"
    audit_action_name = "download_url"

    @extend_schema(request=None, responses={201: DownloadResponseSerializer, 404: OpenApiResponse()})
    def post(self, request, file_id: int):
        file = selectors.file_get(user=request.user, file_id=file_id)
        body = services.download_url(file=file)
        body.update(kind=file.kind, filename=file.filename, content_type=file.content_type)
        return Response(DownloadResponseSerializer(body).data, status=status.HTTP_201_CREATED)


class SignedFileView(AuditedViewMixin, APIView):
    """Serves a file named by a signed, expiring token (local storage). Tampered/expired → 403."""

    audit_object_type = "output_file"
    audit_action_name = "download"
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            403: OpenApiResponse(description="bad_signature / link_expired"),
        }
    )
    def get(self, request, token: str):
        self.audit_id = ""
        file = services.download_resolve(token=token)
        self.audit_id = file.pk
        try:
            handle = storages["outputs"].open(file.storage_key, "rb")
        except (FileNotFoundError, OSError):
            logger.error("output file %s is missing from storage", file.pk)
            raise NotFound("The file is not available.", code="file_missing") from None
        response = FileResponse(
            handle, as_attachment=True, filename=file.filename, content_type=file.content_type
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        self.kwargs = {}  # never write the token itself into the audit log
        return super().finalize_response(request, response, *args, **kwargs)


# ----------------------------------------------------------------------------------- share links


def _fingerprint(request) -> str:
    raw = json.dumps(request.data, sort_keys=True, default=str) if isinstance(request.data, dict) else ""
    return hashlib.sha256(f"{request.path}\n{raw}".encode()).hexdigest()


class LinkCreateView(AuditedViewMixin, APIView):
    """Create a patient share link to the encounter's latest finalized note."""

    audit_object_type = "share_link"

    @extend_schema(
        request=LinkCreateSerializer,
        responses={
            201: LinkCreatedSerializer,
            400: OpenApiResponse(description="validation_error (e.g. expires_in over 30 days)"),
            404: OpenApiResponse(description="encounter not found"),
            409: OpenApiResponse(description="not_finalized / link_already_created (Idempotency-Key replay)"),
        },
        description=(
            "`link_id` in the response is the secret token (≥ 256 random bits), shown only once and "
            "stored only as its SHA-256; `id` identifies the link for listing and revoking. "
            "`expires_in` is in seconds (or `expires_in_days`); default 7 days, at most 30. The link "
            "shows the latest finalized version at access time. With `phone_number`, the URL is "
            "sent by SMS (`sms_status`). An `Idempotency-Key` replay is a 409 `link_already_created` "
            "(the token cannot be shown again)."
        ),
    )
    def post(self, request):
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if len(key) > 255:
            raise ApiError("Idempotency-Key must be 1 to 255 characters.", code="invalid_idempotency_key")
        data = _validated(LinkCreateSerializer, request)
        encounter = encounter_get_own(user=request.user, encounter_id=data["encounter_id"])
        created = services.share_link_create(
            encounter=encounter,
            user=request.user,
            expires_in=data.get("lifetime"),
            phone_number=data.get("phone_number") or "",
            max_views=data.get("max_views"),
            idempotency_key=key,
            request_fingerprint=_fingerprint(request) if key else "",
        )
        self.audit_id = created.link.pk
        self.audit_extra = {"encounter_id": encounter.pk, "sms_status": created.link.sms_status}
        body = LinkCreatedSerializer(created.link, context={"token": created.token, "url": created.url}).data
        return Response(body, status=status.HTTP_201_CREATED)


class LinkListView(AuditedViewMixin, generics.ListAPIView):
    """The caller's share links (``?encounter_id=`` for one encounter); tokens are never listed."""

    audit_object_type = "share_link"
    audit_action_name = "list"
    serializer_class = ShareLinkSerializer

    @extend_schema(parameters=[OpenApiParameter("encounter_id", int)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        raw = self.request.query_params.get("encounter_id")
        encounter = None
        if raw not in (None, ""):
            try:
                encounter_id = int(raw)
            except ValueError:
                raise ApiError(
                    "encounter_id must be an integer.",
                    code="validation_error",
                    fields={"encounter_id": ["Not an integer."]},
                ) from None
            encounter = encounter_get_own(user=self.request.user, encounter_id=encounter_id)
            self.audit_id = encounter.pk
        return selectors.link_list(user=self.request.user, encounter=encounter)


class LinkRevokeView(AuditedViewMixin, APIView):
    audit_object_type = "share_link"
    audit_action_name = "revoke"

    @extend_schema(request=None, responses={200: ShareLinkSerializer, 404: OpenApiResponse()})
    def post(self, request, link_id):
        link = selectors.link_get(user=request.user, link_id=link_id)
        link = services.share_link_revoke(link=link, user=request.user)
        return Response(ShareLinkSerializer(link).data)


class ShareAccessThrottle(SimpleRateThrottle):
    """Public share-link access per client IP."""

    scope = "share_access"

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)  # read now: DRF's copy is frozen at import

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class PatientHTMLRenderer(renderers.BaseRenderer):
    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode("utf-8")
        message = "This link is not valid."
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            message = str(data["error"].get("message") or message)
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="robots" content="noindex"><title>SOAPify</title></head>'
            f"<body><p>{escape(message)}</p></body></html>"
        ).encode()


NOT_FOUND_MESSAGE = "This link is not valid. It may have expired or been revoked."


class AccessView(AuditedViewMixin, APIView):
    """Public, no login: the patient's view of the note while the link is valid.

    JSON by default; a small readable HTML page (RTL for Persian) when the client prefers
    ``text/html``. Unknown, expired, revoked and used-up links all get the same 404.
    """

    audit_object_type = "share_link"
    audit_action_name = "access"
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ShareAccessThrottle]
    renderer_classes = [renderers.JSONRenderer, PatientHTMLRenderer]

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/html"): OpenApiTypes.STR,
            (404, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="unknown, expired, revoked or used-up link (one body)"
            ),
            (404, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="the same, as a page"),
            (429, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="throttled (per IP)"),
            (429, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="the same, as a page"),
        }
    )
    def get(self, request, link_id: str):
        return self._access(request, link_id, count_view=True)

    @extend_schema(exclude=True)
    def head(self, request, link_id: str):
        """Same status and headers as GET, but a HEAD (a link preview, a crawler) is not a view."""
        return self._access(request, link_id, count_view=False)

    def _access(self, request, link_id: str, *, count_view: bool):
        result = services.share_link_access(token=link_id, count_view=count_view)
        self.audit_extra = {"reason": result.reason}
        if not count_view:
            self.audit_extra["counted"] = False
        if result.link is not None:
            self.audit_id = result.link.pk
            self.audit_extra["encounter_id"] = result.link.encounter_id
        if result.reason != "ok":
            raise NotFound(NOT_FOUND_MESSAGE, code="link_not_found")
        self.audit_extra["note_version"] = result.note.version
        doc = services.note_document(result.note)
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format == "html":
            response = Response(patient_html(doc), content_type="text/html; charset=utf-8")
        else:
            body = patient_view(doc)
            if isinstance(body, dict):
                body.setdefault("expires_at", result.link.expires_at.isoformat())
            response = Response(body)
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        self.kwargs = {}  # the audit row names the link by its id, never by its token
        if not hasattr(self, "audit_extra"):  # refused before the handler ran (throttled)
            self.audit_extra = {"reason": "throttled" if response.status_code == 429 else "refused"}
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        if response.get("Content-Type", "").startswith("text/html"):
            response["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
            )
        return response
