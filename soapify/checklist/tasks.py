"""Thin job handlers: take ids, call a service."""

from __future__ import annotations

from soapify.checklist.models import ChecklistTemplate
from soapify.checklist.services.evaluation import EVALUATE_JOB_KIND, checklist_evaluate_encounter
from soapify.core.errors import Conflict
from soapify.core.jobs import job_handler
from soapify.core.models import Job
from soapify.encounters.models import Encounter


@job_handler(EVALUATE_JOB_KIND, queue="nlp")
def evaluate_encounter(job: Job) -> dict:
    encounter = Encounter.objects.filter(pk=job.params["encounter_id"], doctor=job.owner_id).first()
    template = ChecklistTemplate.objects.filter(pk=job.params["template_id"]).first()
    if encounter is None:
        raise Conflict("The encounter no longer exists.", code="encounter_gone")
    if template is None:
        raise Conflict("The template no longer exists.", code="template_gone")
    return checklist_evaluate_encounter(encounter=encounter, template=template)
