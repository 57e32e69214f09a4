"""Thin job handler: rebuild one encounter's index rows."""

from __future__ import annotations

from soapify.core.jobs import job_handler
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.search import services


@job_handler(services.REINDEX_JOB, queue="default", max_attempts=3)
def reindex(job: Job) -> dict:
    encounter = Encounter.objects.filter(pk=job.params["encounter_id"]).first()
    if encounter is None:  # deleted meanwhile: its rows went with it
        return {"encounter_id": job.params["encounter_id"], "units": 0}
    return {"encounter_id": encounter.pk, "units": services.encounter_reindex(encounter=encounter)}
