"""NLP API: start SOAP generation, read the draft, edit one section (thin views)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from soapify.core.audit import AuditedViewMixin
from soapify.core.errors import ApiError, NotFound
from soapify.core.idempotency import idempotent
from soapify.core.serializers import JobRefSerializer, job_ref
from soapify.nlp import selectors, services
from soapify.nlp.serializers import DraftSerializer, GenerateSerializer, UpdateSectionSerializer, draft_body

_ERR = OpenApiResponse(description='Error: {"error": {"code", "message", "fields"?}}')


class _DraftViewBase(AuditedViewMixin, generics.GenericAPIView):
    audit_object_type = "draft"
    audit_lookup_kwarg = "encounter_id"


class GenerateView(_DraftViewBase):
    serializer_class = GenerateSerializer

    @extend_schema(
        summary="Start SOAP extraction for an encounter",
        description="Queues the `nlp.generate_draft` job (poll `status_url`). The encounter goes to "
        "`drafting`, then `ready` (or `failed` with `status_detail`). A regeneration keeps every section "
        "the doctor edited and offers the new machine text beside it (`machine_text`). The optional "
        "`transcript` is an addition to the contract: a typed transcript for clinics without audio. "
        "409 `no_transcript`, `encounter_finalized`, `audio_transcript_exists`, `generation_in_progress`; "
        "413 `transcript_too_large`. Accepts `Idempotency-Key`.",
        request=GenerateSerializer,
        responses={201: JobRefSerializer, 400: _ERR, 404: _ERR, 409: _ERR, 413: _ERR, 422: _ERR},
    )
    @idempotent
    def post(self, request, encounter_id: int):
        ser = GenerateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        started = services.draft_generate_start(
            user=request.user, encounter_id=encounter_id, **ser.validated_data
        )
        return Response(job_ref(started.job, reused=started.reused), status=status.HTTP_201_CREATED)


def _version_param(request) -> int | None:
    raw = request.query_params.get("version")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise ApiError("version must be a positive integer.", code="validation_error",
                       fields={"version": ["A positive integer."]})  # fmt: skip
    return int(raw)


class DraftDetailView(_DraftViewBase):
    serializer_class = DraftSerializer

    @extend_schema(
        summary="The SOAP draft of an encounter",
        description="Four sections with text and items, each item with evidence spans into "
        "`transcript_text`; engine, model, version and the version history. `?version=N` returns that "
        "revision. While the first draft is being generated (its job queued, waiting for the "
        "transcription, or running): 202 with the job's reference `{job_id, status, status_url, job}` "
        "and `Retry-After`; poll `status_url` or this URL. 404 `no_draft` when there is no draft and "
        "none is being generated.",
        parameters=[
            OpenApiParameter("version", int, description="A past version (default: the current one)."),
            OpenApiParameter("transcript", bool, description="false: omit `transcript_text`."),
        ],
        responses={200: DraftSerializer, 202: JobRefSerializer, 400: _ERR, 404: _ERR},
    )
    def get(self, request, encounter_id: int):
        version = _version_param(request)
        try:
            view = selectors.draft_view(user=request.user, encounter_id=encounter_id, version=version)
        except NotFound as exc:
            pending = (
                services.generation_job_of(encounter_id=encounter_id) if exc.code == "no_draft" else None
            )
            if pending is None:
                raise
            return Response(job_ref(pending), status=status.HTTP_202_ACCEPTED, headers={"Retry-After": "2"})
        include = request.query_params.get("transcript", "true").lower() not in ("false", "0", "no")
        return Response(draft_body(view, include_transcript=include))


class UpdateSectionView(_DraftViewBase):
    serializer_class = UpdateSectionSerializer

    @extend_schema(
        summary="Edit one section of the SOAP draft",
        description="Replaces one section, bumps the version, keeps the history (a `section_edit` "
        "revision) and marks the section as edited by the doctor. A stale `version` gives 409 "
        "`version_conflict` with `current_version`; a finalized encounter 409 `encounter_finalized`; "
        "text over 50,000 characters 413. Returns the draft.",
        request=UpdateSectionSerializer,
        responses={200: DraftSerializer, 400: _ERR, 404: _ERR, 409: _ERR, 413: _ERR},
    )
    def put(self, request, encounter_id: int):
        ser = UpdateSectionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        services.draft_update_section(
            user=request.user,
            encounter_id=encounter_id,
            section=data["section"],
            content=data["content"],
            version=data.get("version"),
        )
        view = selectors.draft_view(user=request.user, encounter_id=encounter_id)
        return Response(draft_body(view, include_transcript=False))
