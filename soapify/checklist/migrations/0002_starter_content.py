"""Starter content: the global catalog items and templates, as they were when this migration was
written, read from this migration's own frozen copy ``0002_starter_content.json``.

Neither the copy nor this code changes later: later starter content (``data/starter.json``)
reaches databases through ``manage.py load_starter_checklist`` (or a later migration with its own
copy), so this migration always produces the same rows on a fresh database. It upserts by ``key``
(global rows only, ``owner`` null), so running it again keeps every id. Template item lists are
replaced in the file's order. Reversing removes nothing: evaluations may reference the items.
"""

import json
from pathlib import Path

from django.db import migrations

FROZEN_CONTENT = Path(__file__).with_suffix(".json")


def load_starter(apps, schema_editor):
    content = json.loads(FROZEN_CONTENT.read_text(encoding="utf-8"))
    catalog_items, templates = content["catalog_items"], content["templates"]

    Catalog = apps.get_model("checklist", "ChecklistCatalog")
    Template = apps.get_model("checklist", "ChecklistTemplate")
    TemplateItem = apps.get_model("checklist", "ChecklistTemplateItem")

    specialty_of = {}
    for tmpl in templates:
        if not tmpl["is_default"]:
            for key in tmpl["items"]:
                specialty_of.setdefault(key, tmpl["specialty"])
    general = next(t for t in templates if t["is_default"])
    general_keys = set(general["items"])

    by_key = {}
    for item in catalog_items:
        obj, _ = Catalog.objects.update_or_create(
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
        by_key[item["key"]] = obj

    Template.objects.filter(owner=None, is_default=True).exclude(
        key__in=[t["key"] for t in templates if t["is_default"]]
    ).update(is_default=False)
    for tmpl in templates:
        obj, _ = Template.objects.update_or_create(
            key=tmpl["key"],
            owner=None,
            defaults={
                "name": tmpl["name"],
                "description": tmpl["description"],
                "specialty": tmpl["specialty"],
                "is_default": tmpl["is_default"],
            },
        )
        TemplateItem.objects.filter(template=obj).delete()
        TemplateItem.objects.bulk_create(
            [
                TemplateItem(template=obj, catalog_item=by_key[key], position=i)
                for i, key in enumerate(tmpl["items"])
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("checklist", "0001_initial")]

    operations = [migrations.RunPython(load_starter, migrations.RunPython.noop)]
