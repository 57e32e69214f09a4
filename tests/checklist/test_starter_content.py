"""The data migration loads the starter catalog and templates as global content."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps

from soapify.checklist.models import ChecklistCatalog, ChecklistTemplate
from soapify.checklist.starter import CATALOG_ITEMS, TEMPLATES

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


def test_loading_the_starter_again_updates_in_place_and_keeps_ids():
    mod = importlib.import_module("soapify.checklist.migrations.0002_starter_content")
    before = dict(ChecklistCatalog.objects.filter(owner=None).values_list("key", "id"))
    ChecklistCatalog.objects.filter(key="smoking").update(title="changed")
    mod.load_starter(global_apps, None)
    after = dict(ChecklistCatalog.objects.filter(owner=None).values_list("key", "id"))
    assert before == after
    assert ChecklistCatalog.objects.get(key="smoking").title == "Smoking / tobacco"
    assert ChecklistTemplate.objects.filter(owner=None, is_default=True).count() == 1
