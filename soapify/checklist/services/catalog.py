"""Catalog items: create, update, delete (or deactivate when evaluations use one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from soapify.checklist.models import ChecklistCatalog, ChecklistEval
from soapify.checklist.services.access import check_writable, owner_for_new

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
    return ChecklistCatalog.objects.create(owner=owner_for_new(user), **values)


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
