"""Which finished jobs become which webhook events, and what an event says (ids and links only).

The jobs are named by kind (strings, not imports: apps never import this one's listeners, and
this one does not import their services); ``tests/webhooks`` checks every kind is registered.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings

from soapify.core.models import Job
from soapify.encounters.models import AudioChunk
from soapify.stt.models import ChunkWindow
from soapify.stt.services.status import encounter_progress

TRANSCRIPTION_COMPLETED = "transcription.completed"
DRAFT_READY = "draft.ready"
CHECKLIST_EVALUATED = "checklist.evaluated"
FINALIZE_COMPLETED = "finalize.completed"
JOB_FAILED = "job.failed"
#: what ``POST /api/webhooks/{id}/test/`` sends (always allowed, never subscribed to)
TEST = "webhook.test"

EVENTS = (TRANSCRIPTION_COMPLETED, DRAFT_READY, CHECKLIST_EVALUATED, FINALIZE_COMPLETED, JOB_FAILED)

#: the jobs clients start, and the event their success is
SUCCESS_EVENTS = {
    "stt.process_encounter": TRANSCRIPTION_COMPLETED,  # every committed chunk of the encounter
    "stt.transcribe_chunk": TRANSCRIPTION_COMPLETED,  # one chunk (re-)transcribed on request
    "nlp.generate_draft": DRAFT_READY,
    "checklist.evaluate_encounter": CHECKLIST_EVALUATED,
    "outputs.finalize": FINALIZE_COMPLETED,
}

#: a window of a long recording: its failure is ``job.failed``; the window that completes the
#: encounter's transcript (``stitched`` its chunk, every chunk done) is ``transcription.completed``
WINDOW_KIND = "stt.transcribe_window"

_NAMESPACE = uuid.UUID("5b0c4a52-8d0e-4d7c-9a53-7f0a2c1e9b11")


def event_for(job: Job, status: str) -> str | None:
    """The event a job that ended with ``status`` is, or None."""
    if job.kind not in SUCCESS_EVENTS and job.kind != WINDOW_KIND:
        return None
    if status == Job.Status.FAILED:
        return JOB_FAILED
    if status != Job.Status.SUCCEEDED:
        return None
    result = job.result if isinstance(job.result, dict) else {}
    if job.kind == WINDOW_KIND:
        if not result.get("stitched"):
            return None
        # every chunk transcribed (read from the chunks, not the encounter's status, which a
        # draft waiting for this transcript may already have moved on)
        encounter_id = _window_encounter(job)
        complete = encounter_id is not None and encounter_progress(encounter_id=encounter_id).complete
        return TRANSCRIPTION_COMPLETED if complete else None
    if job.kind == "stt.process_encounter" and result.get("transcribing_in_windows"):
        return None  # long chunks still in windows: the last window's job is the event
    if job.kind == "stt.transcribe_chunk" and job.params.get("live"):
        return None  # live chunks during a visit: the encounter's own event comes at its end
    return SUCCESS_EVENTS[job.kind]


def _window_encounter(job: Job) -> int | None:
    window_id = (job.params or {}).get("window_id")
    if window_id is None:
        return None
    return (
        ChunkWindow.objects.filter(pk=window_id)
        .values_list("transcription__chunk__encounter_id", flat=True)
        .first()
    )


def event_id_for(job: Job, event: str) -> str:
    """The same job ending the same way gives the same id (a repeated signal sends nothing new); a
    job retried and ending again gives a new one."""
    finished = job.finished_at.isoformat() if job.finished_at else ""
    return f"msg_{uuid.uuid5(_NAMESPACE, f'{job.pk}:{event}:{finished}').hex}"


def new_event_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def link(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def job_data(job: Job, event: str) -> dict[str, Any]:
    """The event's ``data``: ids and links, never clinical text (no transcript, draft or error
    message: the job's error code only)."""
    params = job.params or {}
    data: dict[str, Any] = {"job_id": str(job.pk), "job_kind": job.kind}
    links = {"job": link(f"/api/jobs/{job.pk}/")}
    encounter_id = params.get("encounter_id")
    if job.kind == WINDOW_KIND:
        encounter_id = _window_encounter(job)
    chunk_id = params.get("chunk_id") if job.kind == "stt.transcribe_chunk" else None
    if chunk_id is not None:
        data["chunk_id"] = int(chunk_id)
        links["transcript"] = link(f"/api/stt/transcript/{int(chunk_id)}/")
        encounter_id = AudioChunk.objects.filter(pk=chunk_id).values_list("encounter_id", flat=True).first()
    if encounter_id is not None:
        encounter_id = int(encounter_id)
        data["encounter_id"] = encounter_id
        links["encounter"] = link(f"/api/encounters/{encounter_id}/")
        if event == TRANSCRIPTION_COMPLETED and chunk_id is None:
            links["transcript"] = link(f"/api/stt/encounter/{encounter_id}/transcript/")
        elif event == DRAFT_READY:
            links["draft"] = link(f"/api/nlp/drafts/{encounter_id}/")
        elif event == CHECKLIST_EVALUATED:
            links["checklist"] = link(f"/api/nlp/drafts/{encounter_id}/checklist/")
        elif event == FINALIZE_COMPLETED:
            links["finalized"] = link(f"/api/outputs/finalized/{encounter_id}/")
    if event == FINALIZE_COMPLETED and isinstance(job.result, dict) and job.result.get("note_id"):
        data["note_id"] = job.result["note_id"]
        data["version"] = job.result.get("version")
    if event == JOB_FAILED:
        data["error_code"] = str((job.error or {}).get("code", ""))[:64]
    data["links"] = links
    return data
