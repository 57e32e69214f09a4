"""Starter content, 2026-12-07: Persian (and a few English) phrasings of when a symptom began
("از سه روز پیش", "since yesterday") as keywords of the onset and duration items, and of where
a pain is ("سمت راست") for the location item, and of prescribing ("می‌نویسم", "شربت") for the
medication plan.

Updates only those global items' keywords, from this migration's own copy below (it never
reads ``data/starter.json``, so a fresh database always gets the same rows), and only where they
are still the ones migration 0002 wrote: keywords an administrator has edited are kept.
Deactivated items stay deactivated; reversing restores nothing (the keywords are hints, not data).
"""

import json
from pathlib import Path

from django.db import migrations

from soapify.checklist.migrations._keywords import replace_unedited

BEFORE = Path(__file__).with_name("0002_starter_content.json")

KEYWORDS = {
    "onset": {
        "any": [
            "when did",
            "start*",
            "began",
            "begin",
            "onset",
            "how long ago",
            "since when",
            "first notice*",
            "sudden*",
            "gradual*",
            "since yesterday",
            "since last",
            "since this morning",
            "از کی",
            "کی شروع",
            "شروع شد",
            "شروع شده",
            "ناگهانی",
            "تدریجی",
            "از دیروز",
            "از دیشب",
            "از پریروز",
            "از صبح",
            "روز پیش",
            "روز قبل",
            "هفته پیش",
            "هفته قبل",
            "ماه پیش",
            "ماه قبل",
        ]
    },
    "duration": {
        "any": [
            "how long",
            "how many days",
            "how many weeks",
            "duration",
            "for the past",
            "for about",
            "for a couple",
            "for a few",
            "last*",
            "چند وقت",
            "چه مدت",
            "چند روز",
            "چند هفته",
            "چند ماه",
            "مدت",
            "از دیروز",
            "از دیشب",
            "از پریروز",
            "روز پیش",
            "هفته پیش",
            "ماه پیش",
            "روزه که",
            "هفته است",
            "ماهه که",
        ]
    },
    "location": {
        "any": [
            "where is the pain",
            "where does it hurt",
            "where exactly",
            "where is it",
            "location",
            "point to",
            "radiat*",
            "spread*",
            "shoot*",
            "کجا",
            "کجای",
            "محل درد",
            "تیر می کشه",
            "پخش می شه",
            "سمت راست",
            "سمت چپ",
            "کدوم قسمت",
            "کدام قسمت",
            "کدوم طرف",
        ]
    },
    "medication_plan": {
        "any": [
            "prescri*",
            "start you on",
            "put you on",
            "increase*",
            "decrease*",
            "continue*",
            "stop taking",
            "dose",
            "dosage",
            "mg",
            "milligram*",
            "refill*",
            "تجویز",
            "دوز",
            "ادامه بد*",
            "قطع کن*",
            "میلی گرم",
            "شروع کنید",
            "نسخه",
            "می نویسم",
            "مینویسم",
            "میلی لیتر",
            "شربت",
            "کپسول",
        ]
    },
}


def update_keywords(apps, schema_editor):
    before = {
        item["key"]: item["keywords"]
        for item in json.loads(BEFORE.read_text(encoding="utf-8"))["catalog_items"]
    }
    replace_unedited(apps, KEYWORDS, before)  # as 0002 wrote them, not edited since


class Migration(migrations.Migration):
    dependencies = [("checklist", "0002_starter_content")]

    operations = [migrations.RunPython(update_keywords, migrations.RunPython.noop)]
