"""A doctor's manual evaluations and overrides (kept when the encounter is evaluated again)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from soapify.checklist.engines.base import render_question
from soapify.checklist.models import ChecklistCatalog, ChecklistEval
from soapify.checklist.services.evaluation import item_spec_of, language_of
from soapify.core.errors import Conflict
from soapify.encounters.models import Encounter
from soapify.encounters.selectors import encounter_locked, refuse_finalized


def _lock_open_encounter(encounter_id: int) -> Encounter:
    """Lock the encounter row (inside a transaction) and refuse a finalized encounter: finalizing
    takes the same lock, so no checklist write slips in after the note was frozen."""
    encounter = encounter_locked(encounter_id)
    refuse_finalized(encounter)
    return encounter


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
    _apply_manual(row, status=status, language=language_of(encounter))
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
            _apply_manual(evaluation, status=status, language=language_of(encounter))
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
        _apply_manual(row, status=status, language=language_of(encounter))
        if notes is not None:
            row.notes = notes
        row.save()
    return row


def evaluation_delete(*, evaluation: ChecklistEval) -> None:
    with transaction.atomic():
        _lock_open_encounter(evaluation.encounter_id)
        evaluation.delete()
