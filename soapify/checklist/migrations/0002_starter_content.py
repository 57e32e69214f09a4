"""Starter content: the global catalog items and templates of ``soapify.checklist.starter``.

Upserts by ``key`` (global rows only, ``owner`` null), so running it again, or a later migration
calling ``load_starter`` after the starter content changed, updates titles, keywords and questions
in place and keeps every id (evaluations point at them). Template item lists are replaced in the
starter's order. Reversing removes nothing: evaluations may reference the items.
"""

from django.db import migrations


def load_starter(apps, schema_editor):
    from soapify.checklist.starter import CATALOG_ITEMS, TEMPLATES

    Catalog = apps.get_model("checklist", "ChecklistCatalog")
    Template = apps.get_model("checklist", "ChecklistTemplate")
    TemplateItem = apps.get_model("checklist", "ChecklistTemplateItem")

    specialty_of = {}
    for tmpl in TEMPLATES:
        if not tmpl["is_default"]:
            for key in tmpl["items"]:
                specialty_of.setdefault(key, tmpl["specialty"])
    general = next(t for t in TEMPLATES if t["is_default"])
    general_keys = set(general["items"])

    by_key = {}
    for item in CATALOG_ITEMS:
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

    if any(t["is_default"] for t in TEMPLATES):
        Template.objects.filter(owner=None, is_default=True).exclude(
            key__in=[t["key"] for t in TEMPLATES if t["is_default"]]
        ).update(is_default=False)
    for tmpl in TEMPLATES:
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
