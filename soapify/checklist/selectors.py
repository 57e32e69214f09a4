"""Reads of the checklist app, scoped to the caller; query-parameter parsing for the list filters."""

from __future__ import annotations

from django.db.models import QuerySet

from soapify.checklist.engines.base import CATEGORIES, PRIORITIES, STATUSES
from soapify.checklist.models import (
    ChecklistCatalog,
    ChecklistEval,
    ChecklistTemplate,
    ChecklistTemplateItem,
)
from soapify.core.errors import ApiError, NotFound
from soapify.encounters.models import Encounter

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _bad_param(name: str, message: str) -> ApiError:
    return ApiError(message, code="invalid_parameter", fields={name: [message]})


def int_param(params, name: str, *, required: bool = False) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise ApiError(
                f"The '{name}' query parameter is required.",
                code="missing_parameter",
                fields={name: ["This parameter is required."]},
            )
        return None
    try:
        value = int(raw)
    except ValueError:
        raise _bad_param(name, f"'{name}' must be a positive integer.") from None
    if value < 1 or value > 2**63 - 1:
        raise _bad_param(name, f"'{name}' must be a positive integer.")
    return value


def _choice_param(params, name: str, choices: tuple[str, ...]) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise _bad_param(name, f"'{name}' must be one of {', '.join(choices)}.")
    return raw


def _bool_param(params, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise _bad_param(name, f"'{name}' must be true or false.")


def catalog_filter(qs: QuerySet, params) -> QuerySet:
    if (category := _choice_param(params, "category", CATEGORIES)) is not None:
        qs = qs.filter(category=category)
    if (priority := _choice_param(params, "priority", PRIORITIES)) is not None:
        qs = qs.filter(priority=priority)
    if (active := _bool_param(params, "is_active")) is not None:
        qs = qs.filter(is_active=active)
    if specialty := params.get("specialty"):
        qs = qs.filter(specialty__iexact=specialty)
    if search := (params.get("search") or "").strip():
        qs = qs.filter(title__icontains=search[:200])
    return qs


def template_filter(qs: QuerySet, params) -> QuerySet:
    if specialty := params.get("specialty"):
        qs = qs.filter(specialty__iexact=specialty)
    if search := (params.get("search") or "").strip():
        qs = qs.filter(name__icontains=search[:200])
    return qs


def eval_filter(qs: QuerySet, params) -> QuerySet:
    if (encounter := int_param(params, "encounter")) is not None:
        qs = qs.filter(encounter_id=encounter)
    if (st := _choice_param(params, "status", STATUSES)) is not None:
        qs = qs.filter(status=st)
    return qs


def catalog_item_for(*, user, item_id: int) -> ChecklistCatalog:
    item = ChecklistCatalog.objects.for_user(user).filter(pk=item_id).first()
    if item is None:
        raise NotFound("Checklist item not found.", code="catalog_item_not_found")
    return item


def template_items(*, template: ChecklistTemplate) -> list[ChecklistCatalog]:
    """Every catalog item of the template (active or not), in template order."""
    entries = (
        ChecklistTemplateItem.objects.filter(template=template)
        .select_related("catalog_item")
        .order_by("position", "id")
    )
    return [e.catalog_item for e in entries]


def encounter_evaluations(*, encounter: Encounter) -> list[ChecklistEval]:
    return list(
        ChecklistEval.objects.filter(encounter=encounter)
        .select_related("catalog_item")
        .order_by("position", "id")
    )
