"""Thin job handlers: take ids, call a service."""

from __future__ import annotations

from soapify.core.errors import Conflict
from soapify.core.jobs import job_handler
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.outputs import services

FINALIZE = "outputs.finalize"


@job_handler(FINALIZE, queue="default", max_attempts=3)
def finalize(job: Job) -> dict:
    encounter = Encounter.objects.for_user(job.owner).filter(pk=job.params["encounter_id"]).first()
    if encounter is None:
        raise Conflict("The encounter no longer exists.", code="encounter_gone")
    result = services.note_finalize(encounter=encounter, user=job.owner)
    note = result.note
    return {
        "encounter_id": encounter.pk,
        "note_id": note.pk,
        "version": note.version,
        "created": result.created,
        "missing_critical": list(note.missing_critical_items or []),
        "files": [{"id": f.pk, "kind": f.kind, "size": f.size, "sha256": f.sha256} for f in result.files],
    }
