"""Evaluating an encounter's transcript against a template: the job's start and its work."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from soapify.checklist.engines.base import ItemResult, ItemSpec, render_question
from soapify.checklist.models import ChecklistCatalog, ChecklistEval, ChecklistTemplate
from soapify.checklist.services.templates import template_active_items, template_resolve
from soapify.core.engines import EngineHandler
from soapify.core.errors import Conflict
from soapify.core.jobs import job_find_active, job_start, job_unfinished
from soapify.core.models import Job
from soapify.core.signals import content_changed
from soapify.core.transcript import TranscriptView
from soapify.encounters.models import Encounter
from soapify.encounters.selectors import encounter_get_own, encounter_locked, refuse_finalized
from soapify.stt.selectors import encounter_transcript

checklist_engines = EngineHandler("CHECKLIST_ENGINES")

EVALUATE_JOB_KIND = "checklist.evaluate_encounter"


def item_spec_of(item: ChecklistCatalog) -> ItemSpec:
    return ItemSpec(
        id=item.pk,
        title=item.title,
        description=item.description,
        category=item.category,
        priority=item.priority,
        keywords=item.keywords if isinstance(item.keywords, dict) else {},
        question_template=item.question_template,
        key=item.key or "",
    )


def language_of(encounter: Encounter, transcript: TranscriptView | None = None) -> str:
    lang = encounter.language or (transcript.language if transcript is not None else "") or "en"
    return "fa" if lang.startswith("fa") else "en"


def evaluation_job_of(*, encounter_id: int) -> Job | None:
    """The encounter's unfinished checklist evaluation job, if any (queued, waiting or running)."""
    return job_unfinished(kinds=(EVALUATE_JOB_KIND,), targets=[("encounter", encounter_id)])


def checklist_evaluate_start(*, user, encounter_id: int, template_id: int | None = None) -> Job:
    """Check everything a client can get wrong, then start the evaluation job — or return the
    encounter's evaluation job already under way (one evaluation at a time per encounter).

    404 for an encounter or template out of the caller's scope, 409 ``encounter_finalized``,
    409 ``no_transcript`` when the encounter has nothing to evaluate, 409 ``empty_template`` for a
    template with no active item.
    """
    with transaction.atomic():
        # The lock serializes concurrent starts: the second one sees the first one's job.
        encounter = encounter_get_own(user=user, encounter_id=encounter_id, lock=True)
        refuse_finalized(encounter)
        template = template_resolve(user=user, template_id=template_id)
        if not template_active_items(template=template):
            raise Conflict("The template has no active checklist item.", code="empty_template")
        active = job_find_active(kind=EVALUATE_JOB_KIND, target=encounter)
        if active is not None:
            return active
        if not encounter_transcript(encounter=encounter).text.strip():
            raise Conflict(
                "The encounter has no transcript yet; transcribe or type it first.", code="no_transcript"
            )
        # Created under the lock; sent to the queue once the transaction commits.
        return job_start(
            kind=EVALUATE_JOB_KIND,
            owner=user,
            target=encounter,
            params={"encounter_id": encounter.pk, "template_id": template.pk},
        )


_AUTO_FIELDS = (
    "auto_status",
    "confidence_score",
    "evidence_text",
    "anchor_positions",
    "generated_question",
    "details",
    "engine",
    "engine_version",
    "model",
    "template",
    "position",
    "evaluated_at",
)


def _auto_fields(result: ItemResult, *, position: int, template: ChecklistTemplate | None, now) -> dict:
    anchors = result.anchor_positions[0] if result.anchor_positions else {}
    return {
        "auto_status": result.status,
        "confidence_score": float(min(1.0, max(0.0, result.confidence_score))),
        "evidence_text": result.evidence_text,
        "anchor_positions": {"start": anchors["start"], "end": anchors["end"]} if anchors else {},
        "generated_question": result.generated_question or "",
        "details": {**result.details, "notes": result.notes} if result.notes else result.details,
        "engine": result.engine,
        "engine_version": result.engine_version,
        "model": result.model,
        "template": template,
        "position": position,
        "evaluated_at": now,
    }


def checklist_evaluate_encounter(
    *,
    encounter: Encounter,
    template: ChecklistTemplate,
    engine_alias: str = "default",
) -> dict[str, Any]:
    """Evaluate the encounter's transcript against the template's active items and upsert one
    ``ChecklistEval`` per item, atomically. A doctor's manual status is kept (the engine's verdict
    is refreshed in ``auto_status`` beside it). Engine rows of items no longer in the template are
    removed; manual rows stay."""
    transcript = encounter_transcript(encounter=encounter)
    if not transcript.text.strip():
        raise Conflict("The encounter has no transcript.", code="no_transcript")
    items = template_active_items(template=template)
    if not items:
        raise Conflict("The template has no active checklist item.", code="empty_template")
    language = language_of(encounter, transcript)
    engine = checklist_engines[engine_alias]
    results = engine.evaluate(transcript, [item_spec_of(i) for i in items], language=language)
    by_item = {r.item_id: r for r in results}
    now = timezone.now()
    by_id = {i.pk: i for i in items}
    with transaction.atomic():
        locked = encounter_locked(encounter.pk, vanished=True)
        refuse_finalized(locked, "The encounter was finalized meanwhile.")
        existing = {
            e.catalog_item_id: e
            for e in ChecklistEval.objects.select_for_update().filter(encounter=encounter)
        }
        kept_manual = 0
        to_create, to_update = [], []
        for position, item in enumerate(items):
            result = by_item[item.pk]
            fields = _auto_fields(result, position=position, template=template, now=now)
            row = existing.pop(item.pk, None)
            if row is None:
                to_create.append(
                    ChecklistEval(
                        encounter=encounter,
                        catalog_item=item,
                        status=result.status,
                        notes=result.notes,
                        **fields,
                    )
                )
                continue
            # The engine's explanation stays in ``notes`` until the doctor writes notes of their own.
            if not row.notes or row.notes == (row.details or {}).get("notes"):
                row.notes = result.notes
            for k, v in fields.items():
                setattr(row, k, v)
            if row.is_manual:
                kept_manual += 1
                row.status = row.manual_status
                if row.status == "covered":
                    row.generated_question = ""
                elif not row.generated_question:
                    row.generated_question = render_question(item_spec_of(by_id[item.pk]), language) or ""
            else:
                row.status = result.status
            row.updated_at = now
            to_update.append(row)
        stale = [e.pk for e in existing.values() if not e.is_manual]
        if stale:
            ChecklistEval.objects.filter(pk__in=stale).delete()
        ChecklistEval.objects.bulk_create(to_create)
        if to_update:
            ChecklistEval.objects.bulk_update(
                to_update,
                ["status", "notes", "updated_at", *_AUTO_FIELDS],
            )
        content_changed.send(sender=ChecklistEval, encounter_id=encounter.pk)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return {
        "encounter_id": encounter.pk,
        "template_id": template.pk,
        "items": len(items),
        "engine": getattr(engine, "name", ""),
        "engine_version": getattr(engine, "version", ""),
        "auto_counts": counts,
        "manual_kept": kept_manual,
        "removed": len(stale),
    }
