"""Templates: create, update, delete; which template an evaluation uses and its active items."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from soapify.checklist.models import ChecklistCatalog, ChecklistTemplate, ChecklistTemplateItem
from soapify.checklist.services.access import check_writable, owner_for_new
from soapify.core.errors import Conflict, NotFound

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
    owner = owner_for_new(user)
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
