"""Thin job handlers: take ids, call a service."""

from __future__ import annotations

from soapify.core.engines import EngineError
from soapify.core.errors import ApiError, Conflict
from soapify.core.jobs import job_handler
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.nlp import services


@job_handler(services.GENERATE_JOB, queue="nlp")
def generate_draft(job: Job) -> dict:
    encounter_id = job.params["encounter_id"]
    encounter = Encounter.objects.filter(pk=encounter_id, doctor=job.owner_id).first()
    if encounter is None:
        raise Conflict("The encounter no longer exists.", code="encounter_gone")
    try:
        return services.draft_generate(
            encounter=encounter,
            engine=job.params.get("engine") or "default",
            language=job.params.get("language"),
        )
    except EngineError as exc:
        if not (exc.transient and job.attempts < job.max_attempts):
            services.generation_failed(encounter_id=encounter_id, code=exc.code, message=exc.message)
        raise
    except ApiError as exc:
        services.generation_failed(encounter_id=encounter_id, code=exc.code, message=exc.message)
        raise
    except Exception as exc:
        services.generation_failed(
            encounter_id=encounter_id, code="internal_error", message=type(exc).__name__
        )
        raise
