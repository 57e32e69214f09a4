"""A visit's rows made directly (the figures need exact timestamps): encounter, audio, end-of-visit
and draft jobs, draft with section edits, finalized note, checklist evaluations."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from soapify.checklist.models import ChecklistCatalog, ChecklistEval
from soapify.core.models import Job
from soapify.encounters.models import AudioChunk, Encounter
from soapify.nlp.models import Draft, DraftRevision
from soapify.nlp.services import GENERATE_JOB
from soapify.outputs.models import FinalizedNote
from soapify.stt.services.jobs import PROCESS_JOB


def job(*, kind: str, owner, target: Encounter, created: datetime, started: datetime | None = None,
        finished: datetime | None = None, status: str = Job.Status.SUCCEEDED, queue: str = "default") -> Job:  # fmt: skip
    row = Job.objects.create(kind=kind, owner=owner, target_type="encounter", target_id=str(target.pk),
                             status=status, queue=queue, celery_task_id=str(uuid.uuid4()))  # fmt: skip
    Job.objects.filter(pk=row.pk).update(created_at=created, started_at=started, finished_at=finished)
    row.refresh_from_db()
    return row


def visit(
    doctor,
    *,
    at: datetime,
    audio_seconds: float = 120.0,
    draft_after: float | None = 30.0,
    edits: int = 0,
    finalized: bool = True,
    checklist: tuple[str, ...] = ("covered", "partial", "missing", "covered"),
) -> Encounter:
    encounter = Encounter.objects.create(doctor=doctor, patient_ref="HS-1", context="OPD")
    Encounter.objects.filter(pk=encounter.pk).update(created_at=at)
    chunk = AudioChunk.objects.create(encounter=encounter, chunk_number=1, status=AudioChunk.Status.COMMITTED,
                                      duration=audio_seconds)  # fmt: skip
    AudioChunk.objects.filter(pk=chunk.pk).update(created_at=at)
    end = at + timedelta(minutes=10)
    job(
        kind=PROCESS_JOB,
        owner=doctor,
        target=encounter,
        created=end,
        started=end,
        finished=end + timedelta(seconds=5),
    )
    if draft_after is not None:
        done = end + timedelta(seconds=draft_after)
        job(
            kind=GENERATE_JOB,
            owner=doctor,
            target=encounter,
            created=end,
            started=end,
            finished=done,
            queue="nlp",
        )
        draft = Draft.objects.create(encounter=encounter, content={})
        Draft.objects.filter(pk=draft.pk).update(created_at=done)
        for n in range(edits):
            DraftRevision.objects.create(draft=draft, version=n + 2, reason=DraftRevision.Reason.SECTION_EDIT,
                                         section="plan", content={}, author=doctor)  # fmt: skip
        DraftRevision.objects.filter(draft=draft).update(created_at=done + timedelta(minutes=1))
        if finalized:
            FinalizedNote.objects.create(encounter=encounter, version=1, content={}, content_sha256="0" * 64,
                                         finalized_by=doctor, finalized_at=done + timedelta(minutes=5))  # fmt: skip
    items = list(ChecklistCatalog.objects.order_by("id")[: len(checklist)])
    for item, status in zip(items, checklist, strict=True):
        ChecklistEval.objects.create(encounter=encounter, catalog_item=item, status=status)
    return encounter
