"""Keep the index fresh: when a transcript segment, draft, checklist evaluation or finalized note is
saved or deleted, the encounter's reindex job is queued once the change commits (an encounter
that already has a reindex job waiting reuses it)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from soapify.checklist.models import ChecklistEval
from soapify.core.jobs import job_find_active, job_start
from soapify.core.models import Job
from soapify.core.signals import content_changed
from soapify.encounters.models import Encounter
from soapify.nlp.models import Draft
from soapify.outputs.models import FinalizedNote
from soapify.search.services import REINDEX_JOB
from soapify.stt.models import TranscriptSegment


def reindex_later(encounter_id: int) -> None:
    def start() -> None:
        encounter = Encounter.objects.filter(pk=encounter_id).select_related("doctor").first()
        if encounter is None:
            return
        active = job_find_active(kind=REINDEX_JOB, target=encounter)
        if active is not None and active.status == Job.Status.QUEUED:
            return
        job_start(
            kind=REINDEX_JOB, owner=encounter.doctor, target=encounter, params={"encounter_id": encounter_id}
        )

    transaction.on_commit(start)


@receiver([post_save, post_delete], sender=TranscriptSegment)
@receiver([post_save, post_delete], sender=Draft)
@receiver([post_save, post_delete], sender=ChecklistEval)
@receiver([post_save, post_delete], sender=FinalizedNote)
def _source_changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # fixtures
    reindex_later(instance.encounter_id)


@receiver(content_changed)
def _content_changed(sender, encounter_id: int, **kwargs) -> None:
    reindex_later(encounter_id)
