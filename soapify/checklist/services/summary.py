"""The checklist summary of an encounter: counts, coverage, what is missing, questions to ask."""

from __future__ import annotations

from typing import Any

from soapify.checklist.models import PRIORITY_RANK, ChecklistEval
from soapify.encounters.models import Encounter


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
