"""What typed visits showed (2026-12-07, eleventh session): items discussed in words the catalog did
not know, advice taken as history, a test ordered taken as a result reviewed. Short made-up
dialogues; real MiniLM, real artifact."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from django.apps import apps as global_apps

from soapify.checklist.engines.keywords import compile_term
from soapify.checklist.engines.rules import RulesEvaluator
from soapify.checklist.engines.topics import pattern_hits, segment_patterns, segments
from soapify.checklist.models import ChecklistCatalog
from soapify.checklist.starter import catalog_by_key, item_spec
from soapify.core.transcript import parse_dialogue


def status(evaluator: RulesEvaluator, dialogue: str, key: str) -> tuple[str, str]:
    catalog = catalog_by_key()
    transcript = parse_dialogue(dialogue)
    (r,) = evaluator.evaluate(transcript, [item_spec(catalog[key])])
    if r.anchor_positions:
        a = r.anchor_positions[0]
        assert transcript.text[a["start"] : a["end"]] == r.evidence_text
    return r.status, r.evidence_text


@pytest.mark.parametrize(
    ("dialogue", "expected"),
    [
        # two vital signs read with their values, whichever they are
        ("[doctor] her oxygen saturation is 97 percent and her respiratory rate is 22 .", "covered"),
        ("[doctor] your pulse is 88 .\n[patient] okay .\n[doctor] and your temperature is 38.2 degrees .", "covered"),
        ("پزشک: فشارتون ۱۲۰ روی ۸۰، نبضتون هفتاد و دو.", "covered"),
        # a threshold is no reading
        ("[doctor] if her oxygen saturation drops below 90 or her breathing rate is over 40 , call 911 .", "missing"),
        # the patient's home readings are not vital signs taken in the visit
        ("[patient] my pulse was 110 and my oxygen was 93 at home .", "not covered"),
    ],
)  # fmt: skip
def test_vital_signs_are_readings_the_doctor_gives(evaluator, dialogue, expected):
    got = status(evaluator, dialogue, "vital_signs")[0]
    assert got == expected or (expected == "not covered" and got != "covered")


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("[doctor] i can hear some crackles at the right base , no wheezing .", "covered"),
        ("[doctor] the ear drum looks red and bulging .", "covered"),
        ("پزشک: ریه‌ها صاف است.", "covered"),
        ("[doctor] i hear you , that sounds really hard .", "missing"),
        ("[doctor] i appreciate when people bring their own list of questions .", "missing"),
        ("[doctor] i hear your son started school this week .", "missing"),  # hearsay, not auscultation
        ("[patient] i hear a ringing in my ears at night .", "missing"),
    ],
)
def test_an_examination_finding_in_the_doctors_words_covers_the_exam(evaluator, said, expected):
    dialogue = f"[doctor] what brings you in ?\n[patient] a cough for a week .\n{said}"
    assert status(evaluator, dialogue, "physical_exam")[0] == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("[doctor] let's see her back in ten days .", "covered"),
        ("پزشک: دو هفته دیگه دوباره ببینمتون.", "covered"),
    ],
)
def test_a_return_arranged_with_an_interval_is_the_follow_up(evaluator, said, expected):
    assert status(evaluator, said, "follow_up")[0] == expected
    assert "scheduled_return" in pattern_hits(said.split(" ", 1)[1])
    # an interval and a word of coming back that arrange nothing decide nothing by themselves
    for sentence in (
        "it should get better in the next week or so .",
        "bring the readings in over the next three weeks .",
    ):
        assert "scheduled_return" not in pattern_hits(sentence)


SAFETY_NET_EN = (
    "[doctor] what brings you in ?\n[patient] headaches .\n"
    "[doctor] if the headache becomes severe or starts suddenly , go to the emergency room right away ."
)
SAFETY_NET_FA = (
    "پزشک: چی شده؟\nبیمار: سرم درد می‌کنه.\nپزشک: اگه سردرد خیلی شدید و ناگهانی شد، فوری برید اورژانس."
)


@pytest.mark.parametrize("dialogue", [SAFETY_NET_EN, SAFETY_NET_FA])
@pytest.mark.parametrize("key", ["onset", "severity"])
def test_a_doctors_conditional_advice_is_not_the_patients_history(evaluator, dialogue, key):
    assert status(evaluator, dialogue, key)[0] == "missing"
    assert status(evaluator, dialogue, "safety_net")[0] == "covered"


def test_the_patients_own_words_still_are_history_and_a_conditional_question_is_asked(evaluator):
    said = "[doctor] what brings you in ?\n[patient] a headache . it started suddenly and it is severe ."
    assert status(evaluator, said, "onset")[0] == "covered"
    assert status(evaluator, said, "severity")[0] == "covered"
    asked = "[doctor] does the pain get severe if you walk ?\n[patient] yes , really bad ."
    assert status(evaluator, asked, "severity")[0] == "covered"


def test_when_something_last_happened_is_no_onset(evaluator):
    dialogue = "[doctor] when was your last period ?\n[patient] about three weeks ago ."
    assert status(evaluator, dialogue, "onset")[0] == "missing"
    began = "[doctor] when did the pain start ?\n[patient] about three weeks ago ."
    assert status(evaluator, began, "onset")[0] == "covered"


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("[patient] i've had this cough for about ten days .", "covered"),
        ("بیمار: سه روزه تب دارم.", "covered"),
        ("[patient] i've been taking metformin for five years .", "missing"),
        ("[patient] we have been married for six years .", "missing"),
        ("[doctor] take it twice a day for five days .", "missing"),
    ],
)
def test_the_patient_telling_how_long_covers_duration(evaluator, said, expected):
    assert status(evaluator, said, "duration")[0] == expected


def test_this_period_is_no_duration(evaluator):
    # "این مدت" is "lately": the question is about weight, not how long the complaint has lasted
    dialogue = "پزشک: وزن کم کردی این مدت؟\nبیمار: نه."
    assert status(evaluator, dialogue, "duration")[0] == "missing"
    assert status(evaluator, dialogue, "red_flags")[0] == "covered"


@pytest.mark.parametrize(
    ("dialogue", "expected"),
    [
        ("[doctor] are you using the preventer inhaler every day ?\n[patient] most days .", "covered"),
        (
            "[doctor] are you on any birth control ?\n[patient] yes , the pill . i haven't missed any .",
            "covered",
        ),
        ("پزشک: قرص‌ها رو مرتب می‌خورید؟\nبیمار: بله.", "covered"),
        # a question about which medicines are taken, not whether as prescribed
        ("[doctor] do you take any daily medications or supplements ?\n[patient] nope .", "missing"),
    ],
)
def test_medication_adherence_in_the_words_a_visit_uses(evaluator, dialogue, expected):
    assert status(evaluator, dialogue, "medication_adherence")[0] == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("[doctor] drink plenty of fluids and try to avoid caffeine .", "covered"),
        ("[doctor] it won't affect your blood pressure pills .", "covered"),
        ("پزشک: شام رو زودتر بخورید و بعدش دراز نکشید.", "covered"),
        # a medicine with its dose is the medication plan
        ("[doctor] take ibuprofen 400 mg three times a day .", "missing"),
        ("پزشک: استامینوفن پانصد میلی‌گرم بخورید.", "missing"),
        # the patient's habits are not advice
        ("[patient] i drink a lot of coffee .", "missing"),
    ],
)
def test_self_care_advice_is_patient_education(evaluator, said, expected):
    assert status(evaluator, said, "patient_education")[0] == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("[doctor] i'm going to order an x-ray of your knee .", "missing"),
        ("پزشک: یه آزمایش خون براتون می‌نویسم.", "missing"),
        ("[doctor] the urine dipstick shows nitrites .", "covered"),
        # a result read, then a plan made from it
        ("[doctor] from what i'm seeing on your x-ray you're going to need a brace .", "covered"),
    ],
)
def test_a_test_ordered_is_no_result_reviewed(evaluator, said, expected):
    assert status(evaluator, said, "results_reviewed")[0] == expected


def test_a_told_diagnosis_is_the_evidence_over_what_the_classifier_files_under_assessment(evaluator):
    dialogue = (
        "[doctor] this is a mild asthma flare triggered by a cold .\n"
        "[doctor] he's also due for his flu shot , we could do it today ."
    )
    state, evidence = status(evaluator, dialogue, "diagnosis_stated")
    assert state == "covered" and "asthma flare" in evidence
    flu = segments(parse_dialogue("[doctor] he's also due for his flu shot , we could do it today ."))
    assert "told_diagnosis" not in segment_patterns(flu[0])


def test_mood_is_what_the_patient_says_not_the_doctors_advice_on_sleep(evaluator):
    advice = "[doctor] try to sleep with your head raised on two pillows ."
    assert status(evaluator, advice, "mood_screen")[0] != "covered"
    asked = "[doctor] how has your mood been ?\n[patient] i've been stressed at work ."
    assert status(evaluator, asked, "mood_screen")[0] == "covered"


@pytest.mark.parametrize(
    ("dialogue", "expected"),
    [
        ("پزشک: مدفوعتون سیاه شده؟ یا استفراغ خونی؟\nبیمار: نه.", "covered"),
        ("[doctor] any black or tarry stools ?\n[patient] no .", "covered"),
        ("پزشک: اگه مدفوعتون سیاه شد فوری بیاید.", "missing"),
    ],
)
def test_red_flags_asked_in_a_gastroenterologists_words(evaluator, dialogue, expected):
    assert status(evaluator, dialogue, "red_flags")[0] == expected


@pytest.mark.parametrize(
    ("dialogue", "key", "expected"),
    [
        ("[patient] it burns when i pee .", "character", "covered"),
        ("بیمار: خیلی خسته‌م و سرم گیج میره.", "associated_symptoms", "covered"),
        ("پزشک: سلام، خسته نباشید.", "associated_symptoms", "missing"),
        # the doctor's "good." is a reply; "is that good for you?" asks for agreement
        ("بیمار: بهترم.\nپزشک: خوبه.", "understanding_confirmed", "missing"),
        ("پزشک: این برنامه براتون خوبه؟\nبیمار: بله.", "understanding_confirmed", "covered"),
    ],
)
def test_words_of_a_typed_visit(evaluator, dialogue, key, expected):
    assert status(evaluator, dialogue, key)[0] == expected


def test_a_star_inside_a_term_is_a_prefix_too():
    assert re.search(compile_term("pass* out"), "i passed out twice")
    assert re.search(compile_term("run* in the family"), "it runs in the family")
    assert not re.search(compile_term("pass* out"), "a passage outside")


@pytest.mark.django_db
def test_the_vocabulary_migration_keeps_keywords_an_administrator_edited():
    migration = importlib.import_module("soapify.checklist.migrations.0004_visit_vocabulary")
    before = migration.keywords_before()
    ChecklistCatalog.objects.filter(key="character", owner=None).update(keywords=before["character"])
    ChecklistCatalog.objects.filter(key="red_flags", owner=None).update(keywords={"any": ["bleeding"]})
    migration.update_keywords(global_apps, None)
    assert (
        ChecklistCatalog.objects.get(key="character", owner=None).keywords == migration.KEYWORDS["character"]
    )
    assert ChecklistCatalog.objects.get(key="red_flags", owner=None).keywords == {"any": ["bleeding"]}
    # the data file and the migration agree, where no later migration (0005) changed the item again
    starter = {i["key"]: i["keywords"] for i in json.loads(migration.BEFORE.read_text())["catalog_items"]}
    assert set(migration.KEYWORDS) <= set(starter)
    later = importlib.import_module("soapify.checklist.migrations.0005_typed_visit_words").KEYWORDS
    assert all(catalog_by_key()[k]["keywords"] == v for k, v in migration.KEYWORDS.items() if k not in later)
