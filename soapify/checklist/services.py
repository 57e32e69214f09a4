"""Every write and workflow of the checklist app (catalog, templates, evaluations, overrides).

Error codes raised here (all in the one error shape):
* ``forbidden`` 403 – a doctor writing a global item or template;
* ``not_found`` / ``encounter_not_found`` / ``template_not_found`` / ``catalog_item_not_found`` 404
  – the object does not exist or is out of the caller's scope;
* ``encounter_finalized`` 409 – writing an evaluation of (or evaluating) a finalized encounter:
  its note is frozen, so its checklist is read-only like the rest of the encounter;
* ``no_transcript`` 409 – the encounter has no transcript to evaluate;
* ``no_template`` 409 – no template given and no default template exists;
* ``empty_template`` 409 – the template has no active item;
* ``already_evaluated`` 409 – an evaluation of that item already exists for the encounter;
* ``item_in_use`` 409 – deleting a catalog item that evaluations reference (it is deactivated
  instead; see ``catalog_delete``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from soapify.checklist.engines.base import ItemResult, ItemSpec, render_question
from soapify.checklist.models import (
    PRIORITY_RANK,
    ChecklistCatalog,
    ChecklistEval,
    ChecklistTemplate,
    ChecklistTemplateItem,
)
from soapify.core.engines import EngineHandler
from soapify.core.errors import Conflict, Forbidden, NotFound
from soapify.core.jobs import job_find_active, job_start
from soapify.core.models import Job
from soapify.core.permissions import is_admin
from soapify.core.transcript import TranscriptView
from soapify.encounters.models import Encounter
from soapify.encounters.selectors import encounter_get_own, encounter_locked, refuse_finalized

checklist_engines = EngineHandler("CHECKLIST_ENGINES")

EVALUATE_JOB_KIND = "checklist.evaluate_encounter"


# --- permissions ---------------------------------------------------------------------------------


def check_writable(*, user, obj: ChecklistCatalog | ChecklistTemplate) -> None:
    """The caller may see ``obj`` (the view scoped it); may it also change it?"""
    if obj.owner_id is None:
        if not is_admin(user):
            raise Forbidden("Only administrators may change global checklist content.", code="forbidden")
    elif obj.owner_id != user.pk:  # pragma: no cover - out-of-scope objects are 404 before this
        raise NotFound()


def _owner_for_new(user):
    """Admins write global content (owner null); doctors write private content (owner = self)."""
    return None if is_admin(user) else user


# --- catalog -------------------------------------------------------------------------------------

_CATALOG_FIELDS = (
    "title",
    "description",
    "category",
    "priority",
    "keywords",
    "question_template",
    "specialty",
    "is_active",
)


def catalog_create(*, user, data: dict[str, Any]) -> ChecklistCatalog:
    values = {k: v for k, v in data.items() if k in _CATALOG_FIELDS}
    return ChecklistCatalog.objects.create(owner=_owner_for_new(user), **values)


def catalog_update(*, user, item: ChecklistCatalog, data: dict[str, Any]) -> ChecklistCatalog:
    check_writable(user=user, obj=item)
    changed = [k for k in data if k in _CATALOG_FIELDS]
    for k in changed:
        setattr(item, k, data[k])
    item.save(update_fields=[*changed, "updated_at"])
    return item


@dataclass(frozen=True)
class DeleteOutcome:
    deleted: bool
    evaluations: int = 0


def catalog_delete(*, user, item: ChecklistCatalog) -> DeleteOutcome:
    """Delete an unused item. An item that evaluations reference is never deleted (history stays
    intact): it is deactivated instead and the caller answers 409 ``item_in_use``."""
    check_writable(user=user, obj=item)
    with transaction.atomic():
        used = ChecklistEval.objects.filter(catalog_item=item).count()
        if used:
            if item.is_active:
                item.is_active = False
                item.save(update_fields=["is_active", "updated_at"])
            return DeleteOutcome(deleted=False, evaluations=used)
        item.delete()
    return DeleteOutcome(deleted=True)


# --- templates -----------------------------------------------------------------------------------

_TEMPLATE_FIELDS = ("name", "description", "specialty", "is_default")


def _check_template_items(*, user, template_owner_id, items: list[ChecklistCatalog]) -> None:
    """A global template may hold global items only; a private one global + the owner's own."""
    for item in items:
        if item.owner_id is not None and item.owner_id != template_owner_id:
            raise Conflict(
                "A global template may only contain global catalog items.",
                code="private_item_in_global_template",
            )


def _set_template_items(template: ChecklistTemplate, items: list[ChecklistCatalog]) -> None:
    ChecklistTemplateItem.objects.filter(template=template).delete()
    ChecklistTemplateItem.objects.bulk_create(
        [
            ChecklistTemplateItem(template=template, catalog_item=item, position=i)
            for i, item in enumerate(items)
        ]
    )


def _clear_other_defaults(template: ChecklistTemplate) -> None:
    if template.is_default:
        ChecklistTemplate.objects.filter(owner_id=template.owner_id, is_default=True).exclude(
            pk=template.pk
        ).update(is_default=False)


def template_create(
    *, user, data: dict[str, Any], catalog_items: list[ChecklistCatalog] | None = None
) -> ChecklistTemplate:
    owner = _owner_for_new(user)
    values = {k: v for k, v in data.items() if k in _TEMPLATE_FIELDS}
    items = catalog_items or []
    _check_template_items(user=user, template_owner_id=getattr(owner, "pk", None), items=items)
    with transaction.atomic():
        if values.get("is_default"):
            ChecklistTemplate.objects.filter(owner=owner, is_default=True).update(is_default=False)
        template = ChecklistTemplate.objects.create(owner=owner, **values)
        _set_template_items(template, items)
    return template


def template_update(
    *,
    user,
    template: ChecklistTemplate,
    data: dict[str, Any],
    catalog_items: list[ChecklistCatalog] | None = None,
) -> ChecklistTemplate:
    check_writable(user=user, obj=template)
    if catalog_items is not None:
        _check_template_items(user=user, template_owner_id=template.owner_id, items=catalog_items)
    changed = [k for k in data if k in _TEMPLATE_FIELDS]
    with transaction.atomic():
        for k in changed:
            setattr(template, k, data[k])
        if "is_default" in changed:
            _clear_other_defaults(template)
        template.save(update_fields=[*changed, "updated_at"])
        if catalog_items is not None:
            _set_template_items(template, catalog_items)
    return template


def template_delete(*, user, template: ChecklistTemplate) -> None:
    """Evaluations keep their rows (their ``template`` becomes null)."""
    check_writable(user=user, obj=template)
    template.delete()


def template_resolve(*, user, template_id: int | None) -> ChecklistTemplate:
    """The template to evaluate with: the given one (in the caller's scope, else 404), or the
    caller's own default, or the global default."""
    qs = ChecklistTemplate.objects.for_user(user)
    if template_id is not None:
        template = qs.filter(pk=template_id).first()
        if template is None:
            raise NotFound("Template not found.", code="template_not_found")
        return template
    defaults = list(qs.filter(is_default=True))
    template = next((t for t in defaults if t.owner_id == user.pk), None) or next(
        (t for t in defaults if t.owner_id is None), None
    )
    if template is None:
        raise Conflict("No template given and no default template exists.", code="no_template")
    return template


def template_active_items(*, template: ChecklistTemplate) -> list[ChecklistCatalog]:
    entries = (
        ChecklistTemplateItem.objects.filter(template=template, catalog_item__is_active=True)
        .select_related("catalog_item")
        .order_by("position", "id")
    )
    return [e.catalog_item for e in entries]


# --- evaluation ----------------------------------------------------------------------------------


def item_spec_of(item: ChecklistCatalog) -> ItemSpec:
    return ItemSpec(
        id=item.pk,
        title=item.title,
        description=item.description,
        category=item.category,
        priority=item.priority,
        keywords=item.keywords if isinstance(item.keywords, dict) else {},
        question_template=item.question_template,
    )


def _transcript_of(encounter: Encounter) -> TranscriptView:
    from soapify.stt.selectors import encounter_transcript

    return encounter_transcript(encounter=encounter)


def _language_of(encounter: Encounter, transcript: TranscriptView | None = None) -> str:
    lang = encounter.language or (transcript.language if transcript is not None else "") or "en"
    return "fa" if lang.startswith("fa") else "en"


def _lock_open_encounter(encounter_id: int) -> Encounter:
    """Lock the encounter row (inside a transaction) and refuse a finalized encounter: finalizing
    takes the same lock, so no checklist write slips in after the note was frozen."""
    encounter = encounter_locked(encounter_id)
    refuse_finalized(encounter)
    return encounter


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
        if not _transcript_of(encounter).text.strip():
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
        "details": result.details,
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
    transcript = _transcript_of(encounter)
    if not transcript.text.strip():
        raise Conflict("The encounter has no transcript.", code="no_transcript")
    items = template_active_items(template=template)
    if not items:
        raise Conflict("The template has no active checklist item.", code="empty_template")
    language = _language_of(encounter, transcript)
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
                    ChecklistEval(encounter=encounter, catalog_item=item, status=result.status, **fields)
                )
                continue
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
                ["status", "updated_at", *_AUTO_FIELDS],
            )
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


# --- manual evaluations and overrides -----------------------------------------------------------


def _apply_manual(row: ChecklistEval, *, status: str, language: str) -> None:
    row.is_manual = True
    row.manual_status = status
    row.status = status
    if status == "covered":
        row.generated_question = ""
    elif not row.generated_question:
        row.generated_question = render_question(item_spec_of(row.catalog_item), language) or ""


def evaluation_create(
    *, user, encounter: Encounter, catalog_item: ChecklistCatalog, status: str, notes: str = ""
) -> ChecklistEval:
    """A doctor records an item by hand (a manual evaluation)."""
    row = ChecklistEval(encounter=encounter, catalog_item=catalog_item, notes=notes)
    _apply_manual(row, status=status, language=_language_of(encounter))
    row.confidence_score = 1.0
    try:
        with transaction.atomic():
            _lock_open_encounter(encounter.pk)
            row.save()
    except IntegrityError:
        raise Conflict(
            "This item is already evaluated for this encounter; update that evaluation instead.",
            code="already_evaluated",
        ) from None
    return row


def evaluation_update(
    *, evaluation: ChecklistEval, status: str | None = None, notes: str | None = None
) -> ChecklistEval:
    """Edit one evaluation: a status makes it a manual override, kept on re-evaluation."""
    fields = ["updated_at"]
    with transaction.atomic():
        encounter = _lock_open_encounter(evaluation.encounter_id)
        if status is not None:
            _apply_manual(evaluation, status=status, language=_language_of(encounter))
            fields += ["is_manual", "manual_status", "status", "generated_question"]
        if notes is not None:
            evaluation.notes = notes
            fields.append("notes")
        evaluation.save(update_fields=fields)
    return evaluation


def evaluation_set_manual(
    *,
    user,
    encounter: Encounter,
    catalog_item: ChecklistCatalog,
    status: str,
    notes: str | None = None,
) -> ChecklistEval:
    """The draft checklist's override: set the item's status by hand (creating the row when the
    item was not evaluated yet)."""
    with transaction.atomic():
        _lock_open_encounter(encounter.pk)
        row = (
            ChecklistEval.objects.select_for_update()
            .select_related("catalog_item", "encounter")
            .filter(encounter=encounter, catalog_item=catalog_item)
            .first()
        )
        if row is None:
            position = (
                ChecklistEval.objects.filter(encounter=encounter)
                .order_by("-position")
                .values_list("position", flat=True)
                .first()
            )
            row = ChecklistEval(
                encounter=encounter,
                catalog_item=catalog_item,
                confidence_score=1.0,
                position=0 if position is None else position + 1,
            )
        _apply_manual(row, status=status, language=_language_of(encounter))
        if notes is not None:
            row.notes = notes
        row.save()
    return row


def evaluation_delete(*, evaluation: ChecklistEval) -> None:
    with transaction.atomic():
        _lock_open_encounter(evaluation.encounter_id)
        evaluation.delete()


# --- summary -------------------------------------------------------------------------------------


def summarize(rows: list[ChecklistEval]) -> dict[str, Any]:
    counts = {"covered": 0, "partial": 0, "missing": 0, "unclear": 0}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    total = len(rows)
    coverage = round(100.0 * (counts["covered"] + 0.5 * counts["partial"]) / total, 1) if total else 0.0
    missing_by_priority: dict[str, list[dict]] = {p: [] for p in ("critical", "high", "medium", "low")}
    questions = []
    ordered = sorted(rows, key=lambda r: (PRIORITY_RANK.get(r.catalog_item.priority, 9), r.position, r.pk))
    for r in ordered:
        ref = {
            "evaluation_id": r.pk,
            "catalog_item_id": r.catalog_item_id,
            "title": r.catalog_item.title,
            "priority": r.catalog_item.priority,
            "category": r.catalog_item.category,
        }
        if r.status == "missing":
            missing_by_priority.setdefault(r.catalog_item.priority, []).append(ref)
        if r.status != "covered" and r.generated_question:
            questions.append({**ref, "status": r.status, "question": r.generated_question})
    return {
        "total": total,
        "evaluated": total > 0,
        "counts": counts,
        "coverage_percent": coverage,
        "missing_by_priority": missing_by_priority,
        "missing_critical": [m["title"] for m in missing_by_priority["critical"]],
        "questions": questions,
        "manual_count": sum(r.is_manual for r in rows),
        "last_evaluated_at": max((r.evaluated_at for r in rows if r.evaluated_at), default=None),
    }


def checklist_summary(*, encounter: Encounter) -> dict[str, Any]:
    """What the visit covered, for the API and for finalization: ``counts`` by status,
    ``coverage_percent`` (covered = 1, partial = 0.5), ``missing_by_priority``,
    ``missing_critical`` (titles) and ``questions`` to ask, critical first. The caller has
    already checked that the encounter is in scope."""
    rows = list(
        ChecklistEval.objects.filter(encounter=encounter)
        .select_related("catalog_item")
        .order_by("position", "id")
    )
    return {"encounter": encounter.pk, **summarize(rows)}
