"""Thin job handlers: take ids, call a service."""

from __future__ import annotations

from soapify.checklist.services import EVALUATE_JOB_KIND, evaluation_job_of
from soapify.core.errors import Conflict
from soapify.core.jobs import job_handler
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.nlp.services import generation_job_of
from soapify.outputs import services

FINALIZE = services.FINALIZE_JOB


def _draft_and_checklist(job: Job) -> Job | None:
    """A finalization waits for the draft being generated, then for a checklist evaluation under
    way: the note freezes the checklist's result, and an evaluation that found the encounter
    finalized could never run again. If that evaluation fails, the note is still finalized."""
    encounter_id = job.params["encounter_id"]
    return generation_job_of(encounter_id=encounter_id) or evaluation_job_of(encounter_id=encounter_id)


@job_handler(
    FINALIZE,
    queue="default",
    max_attempts=3,
    prerequisite=_draft_and_checklist,
    tolerates=(EVALUATE_JOB_KIND,),  # a failed checklist leaves the note with the checklist there is
)
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
