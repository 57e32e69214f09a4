"""Starter content, 2026-12-07 (eleventh session): the words a visit uses for items that typed visits
showed missing although discussed. The character of a symptom ("it burns when I pee", "می‌سوزه");
associated symptoms (tiredness, light-headedness, blurred vision, aura; "سرم گیج میره", "خسته‌م",
"تاری دید", "هاله"); red flags asked as a gastroenterologist asks them (black or tarry stools, vomiting
or coughing up blood, weight lost; "مدفوعت سیاه شده؟", "استفراغ خونی", "وزن کم کردی؟"); adherence
("I haven't missed any", "ran out", "stopped taking"; "مرتب می‌خورید؟"); results reviewed at the
bedside (a urine dipstick, a rapid strep test); education ("plenty of fluids", "avoid …",
"how to use" an inhaler, "it won't affect your pill", "قبل خواب", "سر تخت", "کم کن"); and "خوبه"
only as a question ("خوبه؟" asks for agreement; the doctor's "خوبه." is a reply, "good.").

Updates only those global items' keywords, from this migration's own copy below (it never reads
``data/starter.json``), and only where they are still the ones migrations 0002/0003 left:
keywords an administrator has edited are kept. Reversing restores nothing (the keywords are hints).
"""

import importlib
import json
from pathlib import Path

from django.db import migrations

from soapify.checklist.migrations._keywords import replace_unedited

BEFORE = Path(__file__).with_name("0002_starter_content.json")

KEYWORDS = {
    "character": {
        "any": [
            "sharp",
            "dull",
            "burning",
            "throbbing",
            "stabbing",
            "aching",
            "achy",
            "cramping",
            "cramp*",
            "pressure like",
            "squeezing",
            "tightness",
            "describe the pain",
            "what does it feel like",
            "what kind of pain",
            "تیز",
            "مبهم",
            "سوزش*",
            "ضربان دار",
            "چه جور درد",
            "چه نوع درد",
            "فشاری",
            "تیر کشنده",
            "burn*",
            "sting*",
            "heaviness",
            "pins and needles",
            "pounding",
            "colicky",
            "می سوز*",
            "میسوز*",
            "گزگز",
            "سنگینی",
        ],
    },
    "associated_symptoms": {
        "any": [
            "any other symptoms",
            "other symptoms",
            "associated",
            "along with",
            "nausea",
            "vomiting",
            "fever*",
            "chills",
            "dizz*",
            "علائم دیگه",
            "علامت دیگه",
            "علائم دیگری",
            "تهوع",
            "استفراغ",
            "تب",
            "لرز",
            "سرگیجه",
            "tired*",
            "fatigue*",
            "exhaust*",
            "lightheaded*",
            "light headed",
            "blurr*",
            "aura",
            "palpitat*",
            "sweats",
            "sweating",
            "sweaty",
            "گیج",
            "خستگی",
            "خسته",
            "بی حال*",
            "هاله",
            "تاری دید",
            "تپش قلب",
            "تعریق",
        ],
    },
    "red_flags": {
        "any": [
            "pass* out",
            "faint*",
            "loss of consciousness",
            "black* out",
            "night sweats",
            "unintentional weight loss",
            "weight loss",
            "blood in",
            "bleeding",
            "numbness",
            "weakness",
            "worst headache",
            "suicid*",
            "harm yourself",
            "hurt yourself",
            "chest pain*",
            "shortness of breath",
            "بیهوش*",
            "غش",
            "تعریق شبانه",
            "کاهش وزن",
            "خون در",
            "خونریزی",
            "بی حسی",
            "ضعف",
            "خودکشی",
            "آسیب به خود",
            "درد قفسه سینه",
            "تنگی نفس",
            "black* stool*",
            "tarry",
            "melena",
            "vomit* blood",
            "throw* up blood",
            "cough* up blood",
            "lost weight",
            "losing weight",
            "lost any weight",
            "مدفوع* سیاه",
            "مدفوع قیری",
            "استفراغ خون*",
            "خون بالا آورد*",
            "خون بالا میار*",
            "وزن* کم کرد*",
            "وزن* کم شد*",
            "لاغر شد*",
        ],
    },
    "medication_adherence": {
        "any": [
            "as prescribed",
            "miss* doses",
            "miss* any doses",
            "forget*",
            "forgot",
            "compliant",
            "complian*",
            "adheren*",
            "side effect*",
            "been taking",
            "still taking",
            "مرتب مصرف",
            "فراموش",
            "عوارض",
            "جا انداخت*",
            "منظم",
            "miss* any",
            "miss* a dose",
            "miss* a pill",
            "miss* one",
            "never miss*",
            "skip* a dose",
            "skip* doses",
            "ran out",
            "run out of",
            "stopped taking",
            "quit taking",
            "مرتب می خور*",
            "مرتب استفاده",
            "یادم رفت*",
            "یادم میره",
            "قطع کردم",
            "قطعش کردم",
        ],
    },
    "results_reviewed": {
        "any": [
            "results",
            "lab*",
            "x ray*",
            "xray*",
            "ct scan",
            "mri",
            "ultrasound",
            "ekg",
            "ecg",
            "echocardiogram",
            "blood work",
            "bloodwork",
            "a1c",
            "came back",
            "نتایج",
            "نتیجه",
            "آزمایش*",
            "عکس",
            "سونوگرافی",
            "نوار قلب",
            "ام آر آی",
            "dipstick",
            "urinalysis",
            "urine test",
            "strep test",
            "rapid test",
            "test result*",
        ],
    },
    "patient_education": {
        "any": [
            "explain*",
            "education",
            "recommend*",
            "make sure you",
            "lifestyle",
            "diet*",
            "exercise*",
            "weight loss",
            "ice",
            "hydrat*",
            "آموزش",
            "توصیه",
            "رژیم",
            "ورزش",
            "استراحت",
            "مایعات",
            "plenty of",
            "avoid*",
            "technique",
            "how to use",
            "how you use",
            "won't affect",
            "will not affect",
            "doesn't affect",
            "safe to take",
            "head of the bed",
            "پرهیز",
            "قبل خواب",
            "سر تخت",
            "کم کن*",
            "ترک سیگار",
        ],
    },
    "understanding_confirmed": {
        "any": [
            "any questions",
            "any other questions",
            "does that make sense",
            "do you understand",
            "sound good",
            "sounds good",
            "sound okay",
            "is that okay",
            "okay with that",
            "agree*",
            "does that sound",
            "سوالی",
            "سوال دیگه",
            "متوجه شدید",
            "قبول دارید",
            "موافقید",
            "روشن شد",
            "خوبه ؟|خوبه ?",
        ],
    },
}


def keywords_before() -> dict:
    """Each item's keywords as migrations 0002 and 0003 left them."""
    before = {
        item["key"]: item["keywords"]
        for item in json.loads(BEFORE.read_text(encoding="utf-8"))["catalog_items"]
    }
    before.update(importlib.import_module("soapify.checklist.migrations.0003_persian_keywords").KEYWORDS)
    return before


def update_keywords(apps, schema_editor):
    replace_unedited(apps, KEYWORDS, keywords_before())  # as 0002/0003 wrote them, not edited since


class Migration(migrations.Migration):
    dependencies = [("checklist", "0003_persian_keywords")]

    operations = [migrations.RunPython(update_keywords, migrations.RunPython.noop)]
