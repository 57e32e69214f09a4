"""Starter checklist content: a default General Internal Medicine template and two specialty ones.

The content lives in ``data/starter.json`` (UTF-8, English and Persian side by side)::

    {"catalog_items": [{"key", "title", "description", "category", "priority", "keywords",
                        "question_template": {"en", "fa"}}, ...],
     "templates": [{"key", "name", "description", "specialty", "is_default",
                    "items": [catalog keys, in display order]}, ...]}

``key`` is a stable slug; keywords follow ``soapify.checklist.engines.base``; specialty templates
reuse general items by key and add their own.

``starter_load()`` upserts that content as global rows (``manage.py load_starter_checklist``).
Migration ``0002_starter_content`` loads its own frozen copy of the content as it was when the
migration was written (see docs/DESIGN-NOTES.md, "Starter checklist content").
``catalog_by_key()``, ``template_items(template_key)`` and ``item_spec(item)`` help tests and
benches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from soapify.checklist.engines.base import ItemSpec
from soapify.checklist.models import ChecklistCatalog, ChecklistTemplate, ChecklistTemplateItem

STARTER_FILE = Path(__file__).resolve().parent / "data" / "starter.json"

_CONTENT = json.loads(STARTER_FILE.read_text(encoding="utf-8"))
CATALOG_ITEMS: list[dict] = _CONTENT["catalog_items"]
TEMPLATES: list[dict] = _CONTENT["templates"]


def catalog_by_key() -> dict[str, dict]:
    return {item["key"]: item for item in CATALOG_ITEMS}


def item_spec(item: dict) -> ItemSpec:
    """An ``ItemSpec`` for a starter item (its ``key`` as the id)."""
    return ItemSpec(
        id=item["key"],
        title=item["title"],
        description=item["description"],
        category=item["category"],
        priority=item["priority"],
        keywords=item["keywords"],
        question_template=item["question_template"],
        key=item["key"],
    )


def template_items(template_key: str) -> list[ItemSpec]:
    """The ``ItemSpec`` list of a starter template, in display order."""
    by_key = catalog_by_key()
    template = next(t for t in TEMPLATES if t["key"] == template_key)
    return [item_spec(by_key[k]) for k in template["items"]]


@dataclass(frozen=True)
class StarterLoaded:
    catalog_items: int
    templates: int


def starter_load() -> StarterLoaded:
    """Upsert the starter content as global rows (``owner`` null), by ``key``, in one transaction.

    Running it again changes nothing; after the data file changed it updates titles, keywords and
    questions in place and keeps every id (evaluations point at them). A catalog item is
    specialty-free when the default template uses it, else it takes the specialty of the first
    template that does. Template item lists are replaced in the file's order; only the file's
    default template stays the global default. Items or templates dropped from the file are left
    in the database (evaluations may reference them)."""
    specialty_of: dict[str, str] = {}
    for tmpl in TEMPLATES:
        if not tmpl["is_default"]:
            for key in tmpl["items"]:
                specialty_of.setdefault(key, tmpl["specialty"])
    general_keys = {key for t in TEMPLATES if t["is_default"] for key in t["items"]}

    with transaction.atomic():
        by_key: dict[str, ChecklistCatalog] = {}
        for item in CATALOG_ITEMS:
            by_key[item["key"]], _ = ChecklistCatalog.objects.update_or_create(
                key=item["key"],
                owner=None,
                defaults={
                    "title": item["title"],
                    "description": item["description"],
                    "category": item["category"],
                    "priority": item["priority"],
                    "keywords": item["keywords"],
                    "question_template": item["question_template"],
                    "specialty": "" if item["key"] in general_keys else specialty_of.get(item["key"], ""),
                    "is_active": True,
                },
            )
        default_keys = [t["key"] for t in TEMPLATES if t["is_default"]]
        if default_keys:
            ChecklistTemplate.objects.filter(owner=None, is_default=True).exclude(
                key__in=default_keys
            ).update(is_default=False)
        for tmpl in TEMPLATES:
            template, _ = ChecklistTemplate.objects.update_or_create(
                key=tmpl["key"],
                owner=None,
                defaults={
                    "name": tmpl["name"],
                    "description": tmpl["description"],
                    "specialty": tmpl["specialty"],
                    "is_default": tmpl["is_default"],
                },
            )
            ChecklistTemplateItem.objects.filter(template=template).delete()
            ChecklistTemplateItem.objects.bulk_create(
                [
                    ChecklistTemplateItem(template=template, catalog_item=by_key[key], position=i)
                    for i, key in enumerate(tmpl["items"])
                ]
            )
    return StarterLoaded(catalog_items=len(CATALOG_ITEMS), templates=len(TEMPLATES))
