"""Starter content, 2026-12-07 (fifteenth session): an echocardiogram is no ECG.

The "ECG and cardiac markers" item (``ecg_troponin``) listed ``echo*`` and ``اکو*`` among its hints, so
a visit that mentioned an echo (or anything starting with "echo") showed the ECG/troponin item as done,
a critical item on the chest-pain template (found by a clinician reader in the fourteenth session's
held-out count). An echo stays a result reviewed (``results_reviewed``); the ECG item keeps the ECG,
troponin, cardiac enzymes and the exercise test (an ECG under load), and "نوار قلب" now also covers
its inflected forms ("نوار قلبی", "نوار قلبتون").

Updates only that global item's keywords, from this migration's own copy below (it never reads
``data/starter.json``), and only where they are still the ones migrations 0002-0005 left: keywords an
administrator has edited are kept. Reversing restores nothing (the keywords are hints).
"""

import importlib

from django.db import migrations

from soapify.checklist.migrations._keywords import replace_unedited

KEYWORDS = {
    "ecg_troponin": {
        "any": [
            "ekg",
            "ecg",
            "electrocardiogram",
            "troponin*",
            "cardiac enzymes",
            "stress test",
            "نوار قلب*",
            "تروپونین",
            "آنزیم قلبی",
            "تست ورزش",
        ]
    },
}


def keywords_before() -> dict:
    """Each item's keywords as migrations 0002-0005 left them."""
    previous = importlib.import_module("soapify.checklist.migrations.0005_typed_visit_words")
    before = previous.keywords_before()
    before.update(previous.KEYWORDS)
    return before


def update_keywords(apps, schema_editor):
    replace_unedited(apps, KEYWORDS, keywords_before())  # as 0002-0005 wrote them, not edited since


class Migration(migrations.Migration):
    dependencies = [("checklist", "0005_typed_visit_words")]

    operations = [migrations.RunPython(update_keywords, migrations.RunPython.noop)]
