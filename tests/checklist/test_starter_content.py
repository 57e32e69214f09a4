"""The data migration loads the starter catalog and templates as global content; the
``load_starter_checklist`` command upserts the data file's content again, keeping ids."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command

from soapify.checklist.models import ChecklistCatalog, ChecklistTemplate, ChecklistTemplateItem
from soapify.checklist.starter import CATALOG_ITEMS, STARTER_FILE, TEMPLATES

pytestmark = pytest.mark.django_db


def test_every_starter_item_is_a_global_active_catalog_item():
    keys = set(ChecklistCatalog.objects.filter(owner=None).values_list("key", flat=True))
    assert {i["key"] for i in CATALOG_ITEMS} <= keys
    allergies = ChecklistCatalog.objects.get(owner=None, key="allergies")
    assert allergies.is_active and allergies.priority in ("high", "critical")
    assert set(allergies.question_template) == {"en", "fa"}
    assert any("\u0600" <= ch <= "\u06ff" for t in allergies.keywords["any"] for ch in t)


def test_the_default_template_is_general_internal_medicine_with_at_least_30_items_in_order():
    default = ChecklistTemplate.objects.get(owner=None, is_default=True)
    assert default.name == "General Internal Medicine"
    keys = list(default.entries.order_by("position").values_list("catalog_item__key", flat=True))
    assert len(keys) >= 30
    assert keys == next(t["items"] for t in TEMPLATES if t["is_default"])
    cats = set(default.catalog_items.values_list("category", flat=True))
    assert {"subjective", "objective", "assessment", "plan"} <= cats


def test_two_specialty_templates_exist():
    specialties = set(
        ChecklistTemplate.objects.filter(owner=None, is_default=False).values_list("specialty", flat=True)
    )
    assert {"cardiology", "endocrinology"} <= specialties


def test_running_the_migration_again_updates_in_place_and_keeps_ids():
    mod = importlib.import_module("soapify.checklist.migrations.0002_starter_content")
    before = dict(ChecklistCatalog.objects.filter(owner=None).values_list("key", "id"))
    ChecklistCatalog.objects.filter(key="smoking").update(title="changed")
    mod.load_starter(global_apps, None)
    after = dict(ChecklistCatalog.objects.filter(owner=None).values_list("key", "id"))
    assert before == after
    assert ChecklistCatalog.objects.get(key="smoking").title == "Smoking / tobacco"
    assert ChecklistTemplate.objects.filter(owner=None, is_default=True).count() == 1


def _global_rows() -> dict:
    return {
        "catalog": list(
            ChecklistCatalog.objects.filter(owner=None)
            .order_by("id")
            .values(
                "id",
                "key",
                "title",
                "description",
                "category",
                "priority",
                "keywords",
                "question_template",
                "specialty",
                "is_active",
            )
        ),
        "templates": list(
            ChecklistTemplate.objects.filter(owner=None)
            .order_by("id")
            .values("id", "key", "name", "description", "specialty", "is_default")
        ),
        "entries": list(
            ChecklistTemplateItem.objects.filter(template__owner=None)
            .order_by("template_id", "position")
            .values_list("template__key", "catalog_item__key", "position")
        ),
    }


def test_the_command_on_a_freshly_migrated_database_changes_no_row():
    before = _global_rows()
    call_command("load_starter_checklist", stdout=io.StringIO())
    assert _global_rows() == before


def test_the_command_restores_changed_starter_content_and_keeps_ids():
    before = dict(ChecklistCatalog.objects.filter(owner=None).values_list("key", "id"))
    ChecklistCatalog.objects.filter(key="smoking").update(title="changed", is_active=False)
    cardiology = ChecklistTemplate.objects.get(owner=None, key="cardiology_chest_pain")
    cardiology.entries.all().delete()
    ChecklistTemplate.objects.filter(owner=None, key="general_internal_medicine").update(is_default=False)
    ChecklistTemplate.objects.filter(owner=None, key="diabetes_follow_up").update(is_default=True)
    out = io.StringIO()
    call_command("load_starter_checklist", stdout=out)
    assert dict(ChecklistCatalog.objects.filter(owner=None).values_list("key", "id")) == before
    smoking = ChecklistCatalog.objects.get(key="smoking")
    assert (smoking.title, smoking.is_active) == ("Smoking / tobacco", True)
    expected = next(t["items"] for t in TEMPLATES if t["key"] == "cardiology_chest_pain")
    assert (
        list(cardiology.entries.order_by("position").values_list("catalog_item__key", flat=True)) == expected
    )
    default = ChecklistTemplate.objects.get(owner=None, is_default=True)
    assert default.key == "general_internal_medicine"
    assert (
        out.getvalue().strip()
        == f"starter checklist: {len(CATALOG_ITEMS)} catalog items, {len(TEMPLATES)} templates"
    )


def test_the_command_loads_the_starter_into_a_database_without_it():
    ChecklistTemplate.objects.filter(owner=None).delete()
    ChecklistCatalog.objects.filter(owner=None).delete()
    call_command("load_starter_checklist", stdout=io.StringIO())
    assert ChecklistCatalog.objects.filter(owner=None).count() == len(CATALOG_ITEMS)
    assert ChecklistTemplate.objects.filter(owner=None).count() == len(TEMPLATES)
    assert ChecklistTemplateItem.objects.filter(template__owner=None).count() == sum(
        len(t["items"]) for t in TEMPLATES
    )


def test_the_starter_data_file_is_utf8_with_persian_text_unescaped():
    raw = STARTER_FILE.read_bytes()
    assert "شکایت اصلی".encode() in raw
    assert b"\\u06" not in raw


def test_the_keyword_migration_keeps_keywords_an_administrator_edited():
    import json

    migration = importlib.import_module("soapify.checklist.migrations.0003_persian_keywords")
    before = {i["key"]: i["keywords"] for i in json.loads(migration.BEFORE.read_text())["catalog_items"]}
    ChecklistCatalog.objects.filter(key="onset", owner=None).update(keywords=before["onset"])
    ChecklistCatalog.objects.filter(key="duration", owner=None).update(keywords={"any": ["how long"]})
    migration.update_keywords(global_apps, None)
    assert ChecklistCatalog.objects.get(key="onset", owner=None).keywords == migration.KEYWORDS["onset"]
    assert ChecklistCatalog.objects.get(key="duration", owner=None).keywords == {"any": ["how long"]}
