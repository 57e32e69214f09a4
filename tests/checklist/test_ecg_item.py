"""An echocardiogram is no ECG: the ECG/troponin item (critical on the chest-pain template) is covered by
an ECG, troponin or an exercise test, never by an echo (migration 0006)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps

from soapify.checklist.models import ChecklistCatalog
from soapify.checklist.starter import catalog_by_key
from tests.checklist.evaluating import status


def test_an_echo_does_not_cover_the_ecg_item(evaluator):
    visit = (
        "[doctor] Your echo last month showed a normal heart pump.\n"
        "[patient] That's good. The chest tightness comes when I climb stairs.\n"
    )
    assert status(evaluator, visit, "ecg_troponin") == "missing"


@pytest.mark.parametrize(
    "said",
    [
        "[doctor] I'm going to get an ECG and a troponin right now.",
        "[doctor] یه نوار قلبی هم همین الان بگیریم.",
    ],
)
def test_an_ecg_covers_it(evaluator, said):
    assert status(evaluator, said, "ecg_troponin") != "missing"


@pytest.mark.django_db
def test_the_migration_keeps_keywords_an_administrator_edited():
    migration = importlib.import_module("soapify.checklist.migrations.0006_ecg_is_no_echo")
    ChecklistCatalog.objects.filter(key="ecg_troponin", owner=None).update(
        keywords=migration.keywords_before()["ecg_troponin"]
    )
    migration.update_keywords(global_apps, None)
    row = ChecklistCatalog.objects.get(key="ecg_troponin", owner=None)
    assert row.keywords == migration.KEYWORDS["ecg_troponin"] == catalog_by_key()["ecg_troponin"]["keywords"]
    edited = {"any": ["ecg", "echo*"]}
    ChecklistCatalog.objects.filter(key="ecg_troponin", owner=None).update(keywords=edited)
    migration.update_keywords(global_apps, None)
    assert ChecklistCatalog.objects.get(key="ecg_troponin", owner=None).keywords == edited
