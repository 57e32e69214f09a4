"""Thin job handlers: take ids, call a service.

Queues: ``stt`` for live chunks and end-of-visit work (short, someone is waiting), ``stt_bulk`` for
the windows of long recordings, so a long upload never stands in front of a visit that just ended.
Diarization is nobody's wait at the end of a visit (the draft does not wait for it): a deployment
routes it (``settings.JOB_QUEUES``) to a ``background`` queue served by a worker process of its own
at a low CPU priority, so a visit's last chunk and draft never queue behind another visit's (or
their own earlier chunks') diarization; without that routing it runs on ``stt``.
"""

from __future__ import annotations

from soapify.core.errors import Conflict
from soapify.core.jobs import job_handler, job_set_progress
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.stt.diarization.services import DIARIZE_JOB, encounter_diarize
from soapify.stt.services.jobs import PROCESS_JOB, TRANSCRIBE_JOB, encounter_process
from soapify.stt.services.runs import busy_wait_seconds, chunk_transcribe
from soapify.stt.services.window_jobs import window_transcribe
from soapify.stt.services.windows import WINDOW_JOB


@job_handler(TRANSCRIBE_JOB, queue="stt", max_attempts=4)
def transcribe_chunk(job: Job) -> dict:
    params = job.params
    live = bool(params.get("live"))
    outcome = chunk_transcribe(
        chunk_id=int(params["chunk_id"]),
        language=params.get("language") or None,
        rerun=bool(params.get("rerun")),
        force=bool(params.get("force")),
        # The live path leaves a chunk another job is already transcribing to that job.
        wait=0.0 if live else busy_wait_seconds(),
        final_attempt=job.attempts >= job.max_attempts,
    )
    if outcome.status == "busy" and not live:
        raise Conflict("Another worker is still transcribing this chunk.", code="chunk_busy")
    return outcome.as_dict()


@job_handler(PROCESS_JOB, queue="stt", max_attempts=3)
def process_encounter(job: Job) -> dict:
    encounter = Encounter.objects.filter(pk=job.params["encounter_id"], doctor=job.owner_id).first()
    if encounter is None:
        raise Conflict("The encounter no longer exists.", code="encounter_gone")
    return encounter_process(
        encounter=encounter,
        final_attempt=job.attempts >= job.max_attempts,
        progress=lambda fraction: job_set_progress(job, fraction),
    )


@job_handler(WINDOW_JOB, queue="stt_bulk", max_attempts=4)
def transcribe_window(job: Job) -> dict:
    params = job.params
    return window_transcribe(
        window_id=int(params["window_id"]),
        generation=int(params["generation"]),
        language=params.get("language") or None,
        force=bool(params.get("force")),
        final_attempt=job.attempts >= job.max_attempts,
    )


@job_handler(DIARIZE_JOB, queue="stt", max_attempts=3)
def diarize_encounter(job: Job) -> dict:
    return encounter_diarize(encounter_id=int(job.params["encounter_id"]))
