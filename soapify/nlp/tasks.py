"""Thin job handlers: take ids, call a service."""

from __future__ import annotations

from soapify.core.errors import Conflict
from soapify.core.jobs import job_handler
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.nlp import services


def _generation_failed(job: Job, code: str, message: str) -> None:
    services.generation_failed(encounter_id=job.params["encounter_id"], code=code, message=message)


def _transcription(job: Job) -> Job | None:
    """A draft waits for the encounter's transcription under way, if any."""
    return services.transcription_job_of(encounter_id=job.params["encounter_id"])


@job_handler(services.GENERATE_JOB, queue="nlp", on_failure=_generation_failed, prerequisite=_transcription)
def generate_draft(job: Job) -> dict:
    encounter = Encounter.objects.filter(pk=job.params["encounter_id"], doctor=job.owner_id).first()
    if encounter is None:
        raise Conflict("The encounter no longer exists.", code="encounter_gone")
    return services.draft_generate(
        encounter=encounter,
        engine=job.params.get("engine") or "default",
        language=job.params.get("language"),
    )
