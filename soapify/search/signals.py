"""Keep the index fresh: when a transcript segment (an edit), draft, checklist evaluation or
finalized note is saved, or a service reports a bulk change (``core.signals.content_changed``: a
transcription run, a typed transcript, a checklist evaluation), the encounter's reindex job is
queued once the change commits (an encounter that already has a reindex job waiting reuses it).
Deletions need nothing: an encounter's rows go with it, and a source replaced by a rebuild is
reported by the rebuild. No ``post_delete`` receivers, so Django keeps its fast bulk deletes."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
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


@receiver(post_save, sender=TranscriptSegment)
@receiver(post_save, sender=Draft)
@receiver(post_save, sender=ChecklistEval)
@receiver(post_save, sender=FinalizedNote)
def _source_changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # fixtures
    reindex_later(instance.encounter_id)


@receiver(content_changed)
def _content_changed(sender, encounter_id: int, **kwargs) -> None:
    reindex_later(encounter_id)
