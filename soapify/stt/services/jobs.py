"""The transcription jobs users start: (re-)transcribing one chunk, and processing an encounter
(every committed chunk not yet done, in order)."""

from __future__ import annotations

from dataclasses import dataclass

from soapify.core.engines import EngineError
from soapify.core.errors import ApiError, Conflict, NotFound
from soapify.core.jobs import job_find_active, job_start
from soapify.core.models import Job
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.selectors import encounter_get_own
from soapify.encounters.services import encounter_set_status
from soapify.stt.models import ChunkTranscription, TranscriptSegment
from soapify.stt.services.common import chunk_has_edits, ct_update, finalized_conflict
from soapify.stt.services.runs import busy_wait_seconds, chunk_transcribe
from soapify.stt.services.status import encounter_transcription_refresh

TRANSCRIBE_JOB = "stt.transcribe_chunk"
PROCESS_JOB = "stt.process_encounter"


def _own_chunk(*, user, chunk_id: int) -> AudioChunk:
    chunk = AudioChunk.objects.for_user(user).select_related("encounter").filter(pk=chunk_id).first()
    if chunk is None:
        raise NotFound("Audio chunk not found.", code="chunk_not_found")
    return chunk


def chunk_transcribe_start(*, user, chunk_id: int, language: str | None = None, force: bool = False) -> Job:
    """``POST /api/stt/transcribe/``: (re-)transcribe one committed chunk of the caller's as a job."""
    chunk = _own_chunk(user=user, chunk_id=chunk_id)
    if chunk.encounter.status == Encounter.Status.FINALIZED:
        raise finalized_conflict()
    if chunk.status != AudioChunk.Status.COMMITTED:
        raise Conflict("Only a committed audio chunk can be transcribed.", code="chunk_not_committed")
    if not force and chunk_has_edits(chunk.pk):
        raise Conflict(
            "A segment of this chunk was edited by hand; send force=true to replace it.",
            code="chunk_has_edits",
        )
    params = {"chunk_id": chunk.pk, "language": language, "rerun": True, "force": force}
    active = job_find_active(kind=TRANSCRIBE_JOB, target=chunk)
    if (
        active is not None
        and active.params.get("rerun")
        and ((active.params.get("language"), active.params.get("force")) == (language, force))
    ):
        return active
    ct, _ = ChunkTranscription.objects.get_or_create(chunk=chunk)
    if ct.status == ChunkTranscription.Status.FAILED:
        ct_update(ct.pk, status=ChunkTranscription.Status.PENDING, error={})
    return job_start(kind=TRANSCRIBE_JOB, owner=user, target=chunk, params=params)


@dataclass
class ProcessStart:
    job: Job
    chunks: int
    to_transcribe: int
    typed_only: bool = False


def encounter_process_start(*, user, encounter_id: int) -> ProcessStart:
    """``POST /api/stt/encounter/{id}/process/``: transcribe every committed chunk not yet done."""
    encounter = encounter_get_own(user=user, encounter_id=encounter_id)
    chunks = list(
        AudioChunk.objects.filter(encounter=encounter, status=AudioChunk.Status.COMMITTED).select_related(
            "transcription"
        )
    )
    typed = TranscriptSegment.objects.filter(
        encounter=encounter, source=TranscriptSegment.Source.TYPED
    ).exists()
    if not chunks and not typed:
        raise Conflict(
            "The encounter has no committed audio and no typed transcript to process.", code="no_audio"
        )
    todo = [c for c in chunks if getattr(_ct_of(c), "status", None) != ChunkTranscription.Status.DONE]
    if todo and encounter.status == Encounter.Status.FINALIZED:
        raise finalized_conflict()
    active = job_find_active(kind=PROCESS_JOB, target=encounter)
    if active is None:
        for c in todo:
            ct = _ct_of(c)
            if ct is None:
                ChunkTranscription.objects.get_or_create(chunk=c)
            elif ct.status == ChunkTranscription.Status.FAILED:
                ct_update(ct.pk, status=ChunkTranscription.Status.PENDING, error={})
        if todo:
            encounter_transcription_refresh(encounter_id=encounter.pk)
        active = job_start(
            kind=PROCESS_JOB, owner=user, target=encounter, params={"encounter_id": encounter.pk}
        )
    return ProcessStart(job=active, chunks=len(chunks), to_transcribe=len(todo), typed_only=not chunks)


def _ct_of(chunk: AudioChunk) -> ChunkTranscription | None:
    try:
        return chunk.transcription
    except ChunkTranscription.DoesNotExist:
        return None


def encounter_process(*, encounter: Encounter, final_attempt: bool = True, progress=None) -> dict:
    """The job behind ``process``: transcribe the encounter's committed chunks that are not done,
    in order, one at a time. A chunk another worker is transcribing is waited for, not redone.
    Chunks that fail permanently are reported (and the job fails) after the others are done."""
    chunks = list(
        AudioChunk.objects.filter(encounter=encounter, status=AudioChunk.Status.COMMITTED)
        .order_by("chunk_number")
        .values_list("pk", "chunk_number")
    )
    if not chunks:
        if TranscriptSegment.objects.filter(
            encounter=encounter, source=TranscriptSegment.Source.TYPED
        ).exists():
            if encounter.status in (Encounter.Status.CREATED, Encounter.Status.RECORDING):
                encounter_set_status(encounter=encounter, status=Encounter.Status.TRANSCRIBED)
            return {
                "encounter_id": encounter.pk,
                "chunks": 0,
                "note": "The encounter has a typed transcript and no audio; nothing to transcribe.",
            }
        raise Conflict("The encounter has no committed audio and no typed transcript.", code="no_audio")
    done_ids = set(
        ChunkTranscription.objects.filter(
            chunk__encounter=encounter, status=ChunkTranscription.Status.DONE
        ).values_list("chunk_id", flat=True)
    )
    todo = [(pk, n) for pk, n in chunks if pk not in done_ids]
    if todo and Encounter.objects.filter(pk=encounter.pk, status=Encounter.Status.FINALIZED).exists():
        raise finalized_conflict()
    transcribed: list[int] = []
    waited: list[int] = []
    in_windows: list[int] = []
    failed: list[dict] = []
    for i, (chunk_id, number) in enumerate(todo):
        try:
            outcome = chunk_transcribe(
                chunk_id=chunk_id, wait=busy_wait_seconds(), final_attempt=final_attempt
            )
        except EngineError as exc:
            if exc.transient and not final_attempt:
                raise
            failed.append(
                {"chunk_id": chunk_id, "chunk_number": number, "code": exc.code, "message": exc.message}
            )
        except Conflict as exc:
            failed.append(
                {"chunk_id": chunk_id, "chunk_number": number, "code": exc.code, "message": exc.message}
            )
        else:
            if outcome.status == "done":
                transcribed.append(number)
            elif outcome.status == "already_done":
                waited.append(number)
            elif outcome.status in ("windows_queued", "windows_running"):
                # Long chunk: its windows are jobs of their own; the last one writes its segments.
                in_windows.append(number)
            else:  # still busy after waiting: another worker holds it far too long
                failed.append(
                    {
                        "chunk_id": chunk_id,
                        "chunk_number": number,
                        "code": "chunk_busy",
                        "message": "Another worker is still transcribing this chunk.",
                    }
                )
        if progress is not None:
            progress((i + 1) / len(todo))
    state = encounter_transcription_refresh(encounter_id=encounter.pk)
    result = {
        "encounter_id": encounter.pk,
        "chunks": len(chunks),
        "already_done": len(chunks) - len(todo),
        "transcribed": transcribed,
        "done_by_another_job": waited,
        "transcribing_in_windows": in_windows,
        "encounter_status": state,
    }
    if failed:
        detail = "; ".join(f"chunk {f['chunk_number']}: {f['code']}" for f in failed[:10])
        raise ApiError(
            f"{len(failed)} of {len(chunks)} chunk(s) could not be transcribed ({detail}).",
            code="transcription_failed",
            status_code=422,
        )
    return result
