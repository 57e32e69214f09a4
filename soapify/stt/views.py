"""STT API (thin): transcribe a chunk, read and edit segments, process an encounter, the whole
visit's transcript, search, and typed transcripts."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.core.audit import AuditedViewMixin
from soapify.core.errors import ApiError, NotFound
from soapify.core.idempotency import idempotent
from soapify.core.pagination import PageNumberPagination
from soapify.core.serializers import JobRefSerializer, job_ref
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.selectors import encounter_get_own
from soapify.stt import selectors, services
from soapify.stt.diarization.services import segment_speaker_set
from soapify.stt.models import ChunkTranscription
from soapify.stt.serializers import (
    ChunkTranscriptSerializer,
    EncounterTranscriptSerializer,
    ProcessResponseSerializer,
    SearchHitSerializer,
    SegmentEditSerializer,
    SegmentSerializer,
    TranscribeRequestSerializer,
    TypedTranscriptRequestSerializer,
)

_ERR = OpenApiResponse(description='Error: {"error": {"code", "message", "fields"?}}')


def _encounter_transcript_body(encounter: Encounter) -> dict:
    view, rows = selectors.encounter_transcript_detail(encounter=encounter)
    progress = services.encounter_progress(encounter_id=encounter.pk)
    source = "none"
    if rows:
        source = "audio" if any(r["source"] == "stt" for r in rows) else "typed"
    return {
        "encounter_id": encounter.pk,
        "status": encounter.status,
        "status_detail": encounter.status_detail,
        "language": view.language,
        "text": view.text,
        "transcription": {
            "source": source,
            "complete": progress.complete,
            "chunks": progress.chunks,
            "done": progress.done,
            "pending": progress.pending,
            "running": progress.running,
            "failed": progress.failed,
            "not_started": progress.not_started,
            "failed_chunks": progress.failed_chunks,
        },
        "segments": rows,
    }


class TranscribeView(AuditedViewMixin, APIView):
    audit_object_type = "audio_chunk_transcription"

    @extend_schema(
        summary="Transcribe one committed audio chunk (a job)",
        description="Queues a (re-)transcription of the chunk with the configured engine and returns the "
        "job at once. A re-run replaces the chunk's segments atomically; when a doctor edited one of them "
        "it is refused with 409 `chunk_has_edits` unless `force` is true. 409 `chunk_not_committed` for a "
        "chunk whose upload is not committed. Accepts `Idempotency-Key`.",
        request=TranscribeRequestSerializer,
        responses={201: JobRefSerializer, 400: _ERR, 404: _ERR, 409: _ERR},
    )
    @idempotent
    def post(self, request):
        ser = TranscribeRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        job = services.chunk_transcribe_start(
            user=request.user, chunk_id=data["chunk_id"], language=data.get("language"), force=data["force"]
        )
        return Response(job_ref(job, chunk_id=data["chunk_id"]), status=status.HTTP_201_CREATED)


_ID_PARAM = OpenApiParameter(
    "id",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="GET: the audio chunk id. PUT: the transcript segment id (as in the seed API).",
)


class ChunkTranscriptView(AuditedViewMixin, APIView):
    """``/api/stt/transcript/{id}/``: GET reads an audio chunk's segments (``id`` = chunk id); PUT
    edits one segment (``id`` = segment id), as the seed defines them."""

    @property
    def audit_object_type(self) -> str:  # type: ignore[override]
        return "transcript_segment" if self.request.method == "PUT" else "audio_chunk_transcript"

    @extend_schema(
        summary="Segments of one audio chunk",
        parameters=[_ID_PARAM],
        responses={200: ChunkTranscriptSerializer, 404: _ERR},
    )
    def get(self, request, id: int):  # noqa: A002 - the URL's name
        chunk = AudioChunk.objects.for_user(request.user).filter(pk=id).first()
        if chunk is None:
            raise NotFound("Audio chunk not found.", code="chunk_not_found")
        ct = ChunkTranscription.objects.filter(chunk=chunk).first()
        segments = selectors.chunk_segments(chunk=chunk)
        body = {
            "chunk_id": chunk.pk,
            "encounter_id": chunk.encounter_id,
            "chunk_number": chunk.chunk_number,
            "chunk_status": chunk.status,
            "start_offset": chunk.start_offset,
            "duration": chunk.duration,
            "status": ct.status if ct else ChunkTranscription.Status.PENDING,
            "engine": ct.engine if ct else "",
            "model": ct.model if ct else "",
            "engine_version": ct.engine_version if ct else "",
            "language": ct.language if ct else "",
            "real_time_factor": ct.real_time_factor if ct else None,
            "replaced_edits": ct.replaced_edits if ct else [],
            "started_at": ct.started_at if ct else None,
            "finished_at": ct.finished_at if ct else None,
            "error": ct.error if ct else {},
            "segments": list(segments),
        }
        return Response(ChunkTranscriptSerializer(body).data)

    @extend_schema(
        summary="Edit one segment's text or speaker (id = segment id)",
        description="Same as `PUT /api/stt/transcript/segment/{id}/`.",
        parameters=[_ID_PARAM],
        request=SegmentEditSerializer,
        responses={200: SegmentSerializer, 400: _ERR, 404: _ERR, 409: _ERR},
    )
    def put(self, request, id: int):  # noqa: A002
        return _edit(request, id)


def _edit(request, segment_id: int) -> Response:
    ser = SegmentEditSerializer(data=request.data)
    ser.is_valid(raise_exception=True)
    data = ser.validated_data
    with transaction.atomic():
        if "text" in data:
            seg = services.segment_edit(user=request.user, segment_id=segment_id, text=data["text"])
        if "speaker" in data:
            seg = segment_speaker_set(user=request.user, segment_id=segment_id, speaker=data["speaker"])
    return Response(SegmentSerializer(seg).data)


class SegmentEditView(AuditedViewMixin, APIView):
    audit_object_type = "transcript_segment"

    @extend_schema(
        summary="Edit one segment's text or speaker",
        description="A doctor's correction of `text`, `speaker` (doctor, patient, other) or both. "
        "A speaker correction of a diarized segment names its whole speaker (`speaker_index`) and is "
        "applied again after every re-transcription. The first edit keeps the engine's text in `original_text`; "
        "`edited_by`/`edited_at` record who and when. Empty or longer than 10,000 characters: 400. "
        "A finalized encounter's transcript is read-only (409 `encounter_finalized`). A segment replaced "
        "by a forced re-transcription meanwhile is gone (404).",
        request=SegmentEditSerializer,
        responses={200: SegmentSerializer, 400: _ERR, 404: _ERR, 409: _ERR},
    )
    def put(self, request, segment_id: int):
        return _edit(request, segment_id)


class EncounterProcessView(AuditedViewMixin, APIView):
    audit_object_type = "encounter_transcription"

    @extend_schema(
        summary="Transcribe every committed chunk of the encounter not yet transcribed (a job)",
        description="One job that transcribes, in order, each committed chunk that is not done (failed "
        "ones included), waiting for chunks another worker is transcribing. A process job already queued "
        "or running for the encounter is returned instead of a new one. No committed audio and no typed "
        "transcript: 409 `no_audio`; a typed transcript only: a job that succeeds at once with a note. "
        "The job fails (`transcription_failed`) when a chunk cannot be transcribed; the others are kept.",
        request=None,
        responses={201: ProcessResponseSerializer, 404: _ERR, 409: _ERR},
    )
    @idempotent
    def post(self, request, encounter_id: int):
        started = services.encounter_process_start(user=request.user, encounter_id=encounter_id)
        extra = {
            "encounter_id": encounter_id,
            "chunks": started.chunks,
            "to_transcribe": started.to_transcribe,
        }
        if started.typed_only:
            extra["note"] = "The encounter has a typed transcript and no audio; nothing to transcribe."
        return Response(job_ref(started.job, **extra), status=status.HTTP_201_CREATED)


class EncounterTranscriptView(AuditedViewMixin, APIView):
    audit_object_type = "encounter_transcript"

    @extend_schema(
        summary="The whole visit's transcript",
        description="Segments in visit order (chunks in order, times on the encounter's timeline) joined "
        "by newlines into `text`; `char_start`/`char_end` locate each segment in `text` — the same offsets "
        "SOAP-draft and checklist evidence point into. A typed transcript is used only when there is no "
        "audio transcript. `transcription.complete` tells whether every committed chunk is transcribed.",
        responses={200: EncounterTranscriptSerializer, 404: _ERR},
    )
    def get(self, request, encounter_id: int):
        encounter = encounter_get_own(user=request.user, encounter_id=encounter_id)
        return Response(_encounter_transcript_body(encounter))


class TypedTranscriptView(AuditedViewMixin, APIView):
    audit_object_type = "encounter_transcript"

    @extend_schema(
        summary="Type or paste the visit's transcript",
        description="An addition to the seed contract, for visits without audio. The dialogue is split "
        "into typed segments, one per turn (speaker labels such as `Doctor:`, `D:`, `[patient]`, `پزشک:` "
        "are understood), stored atomically, and the encounter moves to `transcribed` when it has no "
        "audio. An existing typed transcript is replaced only with `replace: true` (else 409 "
        "`transcript_exists`). Empty text: 400; over 200,000 characters: 413. Returns the transcript "
        "(as `GET /api/stt/encounter/{id}/transcript/`); when the encounter has an audio transcript, that "
        "one stays the visit's transcript (`transcription.source` = `audio`).",
        request=TypedTranscriptRequestSerializer,
        responses={201: EncounterTranscriptSerializer, 400: _ERR, 404: _ERR, 409: _ERR, 413: _ERR},
    )
    def post(self, request, encounter_id: int):
        ser = TypedTranscriptRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        stored = services.typed_transcript_store(
            user=request.user,
            encounter_id=encounter_id,
            text=data["text"],
            language=data.get("language"),
            replace=data["replace"],
        )
        encounter = Encounter.objects.get(pk=stored.encounter.pk)
        body = _encounter_transcript_body(encounter)
        body["typed_segments"] = stored.segments
        body["replaced_segments"] = stored.replaced
        return Response(body, status=status.HTTP_201_CREATED)


class SearchView(AuditedViewMixin, APIView):
    audit_object_type = "transcript_segment"
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="Search the caller's transcript segments",
        description="Full-text search (`websearch_to_tsquery`, simple configuration, so Persian and "
        "English alike; quoted phrases, `or` and `-word` work) ranked by `ts_rank`, plus substring "
        "matches for word fragments, ranked below. Only the caller's own encounters. `encounter_id` "
        "narrows to one encounter (another doctor's: 404). Empty `q` or longer than 200 characters: 400.",
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("encounter_id", int),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: SearchHitSerializer(many=True), 400: _ERR, 404: _ERR},
    )
    def get(self, request):
        q = (request.query_params.get("q") or "").strip()
        if not q:
            raise ApiError("q is required.", code="validation_error", fields={"q": ["Required."]})
        if len(q) > selectors.MAX_QUERY:
            raise ApiError(
                f"q must be at most {selectors.MAX_QUERY} characters.",
                code="validation_error",
                fields={"q": ["Too long."]},
            )
        encounter_id = None
        raw = request.query_params.get("encounter_id")
        if raw not in (None, ""):
            try:
                encounter_id = int(raw)
            except ValueError:
                raise ApiError(
                    "encounter_id must be an integer.",
                    code="validation_error",
                    fields={"encounter_id": ["Invalid."]},
                ) from None
            if encounter_id < 1:
                raise NotFound("Encounter not found.", code="encounter_not_found")
            encounter_get_own(user=request.user, encounter_id=encounter_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.segment_search(user=request.user, q=q, encounter_id=encounter_id), request, view=self
        )
        hits = [
            {
                "id": seg.id,
                "segment_id": seg.id,
                "encounter_id": seg.encounter_id,
                "chunk_id": seg.chunk_id,
                "chunk_number": seg.chunk_number,
                "source": seg.source,
                "start": seg.start,
                "end": seg.end,
                "text": seg.text,
                "speaker": seg.speaker,
                "edited": seg.edited,
                "snippet": selectors.highlight(seg.headline, seg.text, q),
                "score": round(float(seg.score or 0.0), 6),
            }
            for seg in page
        ]
        return paginator.get_paginated_response(hits)
