"""Thin job handlers: take ids, call a service."""

from __future__ import annotations

import logging

from django.conf import settings

from soapify.core.errors import ApiError, Conflict
from soapify.core.jobs import job_handler
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.nlp import services

logger = logging.getLogger(__name__)


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
    result = services.draft_generate(
        encounter=encounter,
        engine=job.params.get("engine") or "default",
        language=job.params.get("language"),
    )
    if settings.CHECKLIST_AFTER_DRAFT:
        _evaluate_checklist(job, encounter)
    return result


def _evaluate_checklist(job: Job, encounter: Encounter) -> None:
    """Start the checklist evaluation of a drafted encounter (the seed flow never asks for one), unless
    one is under way (it is reused) or finished since this draft was asked for. Started before this
    job is marked done, so a finalize sent right after the draft waits for it."""
    from soapify.checklist.models import ChecklistEval
    from soapify.checklist.services import checklist_evaluate_start

    if ChecklistEval.objects.filter(encounter=encounter, evaluated_at__gte=job.created_at).exists():
        return
    try:
        checklist_evaluate_start(user=job.owner, encounter_id=encounter.pk)
    except ApiError as exc:  # no default template, an empty one, finalized meanwhile: no checklist
        logger.info("encounter %s: checklist not started after the draft (%s)", encounter.pk, exc.code)
