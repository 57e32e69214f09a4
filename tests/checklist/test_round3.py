"""What eight new typed visits showed (2026-12-08, twelfth session): a colloquial age read as drug use,
"how much alcohol?" read as severity, a doctor's instruction read as onset, history or a finding, the
patient's words read as vital signs, a list of topics voided by one of them, evidence that does not name
the item. Short made-up dialogues; real MiniLM, real artifact."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps

from soapify.checklist.models import ChecklistCatalog
from soapify.checklist.starter import catalog_by_key, item_spec
from soapify.core.transcript import parse_dialogue
from tests.checklist.evaluating import patterns, result, status

GASTRO_CHILD = """[doctor] سلام خانم، بفرمایید. بچه چش شده؟
[patient] سلام دکتر. از دیروز اسهال و استفراغ داره.
[doctor] بچه چند سالشه؟
[patient] الان شیشه.
[doctor] وزنش چقدره؟
[patient] بیست کیلو.
[doctor] اسهالش چطوره؟ خون یا مخاط داره؟
[patient] آبکیه، روزی هفت هشت بار. خون نداشته.
[doctor] به دارویی حساسیت داره؟
[patient] نه.
[doctor] این گاستروانتریت ویروسیه.
[doctor] غذای معمولیشو بدید، فقط آبمیوه و نوشابه ندید.
[doctor] اگه هشت ساعت ادرار نکرد یا خیلی بی‌حال شد، فوراً بیاریدش اورژانس."""


def test_a_colloquial_persian_visit_with_a_child(evaluator):
    transcript = parse_dialogue(GASTRO_CHILD)
    keys = ["chief_complaint", "drug_use", "severity", "red_flags", "allergies", "patient_education"]
    results = evaluator.evaluate(transcript, [item_spec(catalog_by_key()[k]) for k in keys])
    got = dict(zip(keys, results, strict=True))
    # "بچه چش شده؟" opens the visit; "الان شیشه" is "he's six now", not crystal meth
    assert got["chief_complaint"].status == "covered"
    assert got["drug_use"].status == "missing"
    # "وزنش چقدره؟" / "بیست کیلو" is a weight, not how bad the complaint is
    assert "بیست کیلو" not in got["severity"].evidence_text
    assert got["red_flags"].status == "covered" and "خون" in got["red_flags"].evidence_text
    # a bare "نه." is shown with its question
    assert got["allergies"].evidence_text.startswith("به دارویی حساسیت داره؟")
    assert got["patient_education"].status == "covered"


@pytest.mark.parametrize(
    ("dialogue", "expected"),
    [
        ("[doctor] بچه چند سالشه؟\n[patient] الان شیشه.", "missing"),
        ("[doctor] شیشه یا تریاک مصرف کردی؟\n[patient] نه، هیچوقت.", "covered"),
        ("[doctor] تا حالا شیشه کشیدی؟\n[patient] یه بار.", "covered"),
    ],
)
def test_crystal_is_drug_use_only_with_a_verb_of_using_it(evaluator, dialogue, expected):
    assert status(evaluator, dialogue, "drug_use") == expected


@pytest.mark.parametrize(
    ("dialogue", "expected"),
    [
        (
            "[doctor] How much alcohol are you drinking?\n[patient] Maybe four or five beers most nights.",
            False,
        ),
        ("[doctor] How much does she weigh?\n[patient] About forty pounds.", False),
        ("[doctor] وزنش چقدره؟\n[patient] بیست کیلو.", False),
        ("[doctor] How bad is the pain, from zero to ten?\n[patient] About a six.", True),
        ("[doctor] دردش چقدره؟\n[patient] هفت.", True),
    ],
)
def test_how_much_of_something_else_is_no_severity(evaluator, dialogue, expected):
    assert (status(evaluator, dialogue, "severity") == "covered") is expected


@pytest.mark.parametrize(
    ("dialogue", "key", "expected"),
    [
        # a doctor's instruction after a condition of time, and an announced plan, are no history
        ("[doctor] Once the pain settles, start the ankle exercises on this sheet.", "onset", "missing"),
        ("[doctor] We'll give you an air cast and crutches for a few days.", "duration", "missing"),
        ("[patient] The pain started on Sunday.", "onset", "covered"),
        # "last night" and "last time" are points in time, not how long
        ("[patient] I iced it last night and took two Advil.", "duration", "missing"),
        ("[doctor] Your A1c came back at 8.4, up from 7.6 last time.", "duration", "missing"),
        ("[doctor] How long does each headache last?\n[patient] About two hours.", "duration", "covered"),
        ("[patient] It has been going on for the last three weeks.", "duration", "covered"),
    ],
)
def test_a_plan_or_a_point_in_time_is_no_onset_or_duration(evaluator, dialogue, key, expected):
    assert status(evaluator, dialogue, key) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("I rolled my ankle playing basketball yesterday evening.", "covered"),
        ("It's been hurting since Monday.", "covered"),
        ("I took two Advil yesterday.", "missing"),
        ("I had knee surgery two years ago and it was sore for weeks.", "missing"),  # an old operation
        ("I saw my other doctor last week.", "missing"),
    ],
)
def test_the_patient_telling_when_the_complaint_began_is_its_onset(evaluator, said, expected):
    dialogue = f"[doctor] What happened?\n[patient] {said}"
    assert status(evaluator, dialogue, "onset") == expected


@pytest.mark.parametrize(
    ("dialogue", "expected"),
    [
        # the patient naming a condition, a pulse of the foot: not vital signs taken at the visit
        (
            "[doctor] Any medical problems?\n[patient] Just high blood pressure, I take lisinopril 10 mg.",
            "missing",
        ),
        ("[doctor] Your foot pulses are normal.", "missing"),
        ("[doctor] Her temperature here is 38.6.", "partial"),
        ("[doctor] Her temperature here is 38.6 and her heart rate is 124.", "covered"),
    ],
)
def test_vital_signs_are_not_a_condition_or_a_pulse_of_the_foot(evaluator, dialogue, expected):
    assert status(evaluator, dialogue, "vital_signs") == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Any medical problems, medicines or allergies?", "covered"),  # three topics of a list
        ("What medications are you taking, and any allergies?", "covered"),
        ("Are you allergic to any medications?", "missing"),
        ("Any medication or food allergies?", "missing"),  # one topic: allergies
    ],
)
def test_a_list_of_topics_keeps_each_topic(evaluator, question, expected):
    dialogue = f"[doctor] {question}\n[patient] No, nothing."
    assert status(evaluator, dialogue, "current_medications") == expected


@pytest.mark.parametrize(
    ("said", "told"),
    [
        ("So Lily has a right middle ear infection, probably after the cold.", True),
        ("Your son has an ear infection.", True),
        (
            "So your diabetes is not as well controlled as before, and you have early nerve damage in your feet.",
            True,
        ),
        ("Your blood pressure is still not under control.", True),
        ("فشارتون هنوز کنترل نشده.", True),
        ("این یه کشیدگی عضلانی کمره، خطرناک نیست.", True),
        ("If your sugar is not controlled by Friday, call us.", False),
        ("Your mother has diabetes, so we should check you.", False),
        ("Ice is good for sprains.", False),
        ("Amoxicillin is the usual medicine for an ear infection.", False),
    ],
)
def test_a_diagnosis_is_told_by_name_or_by_how_well_it_is_controlled(said, told):
    assert ("told_diagnosis" in patterns(f"[doctor] {said}")) is told


def test_the_evidence_names_the_item_when_the_classifier_picked_another_sentence(evaluator):
    dialogue = (
        "[doctor] Hi there, I'm Dr. Patel. Who do we have here today?\n"
        "[patient] This is Lily, she's my daughter. She's been really fussy and pulling at her right ear.\n"
        "[doctor] How old is Lily?\n"
        "[patient] She just turned three.\n"
        "[doctor] When did the ear pulling start?\n"
        "[patient] Two nights ago. She woke up crying and she felt hot."
    )
    r = result(evaluator, dialogue, "chief_complaint")
    assert r.status == "covered" and "pulling at her right ear" in r.evidence_text
    dialogue = (
        "[doctor] Any medical problems or medicines you take?\n"
        "[patient] Just high blood pressure, I take lisinopril 10 mg.\n"
        "[doctor] One option is an antidepressant like sertraline, starting at 50 mg a day.\n"
        "[patient] I'd rather not take pills."
    )
    r = result(evaluator, dialogue, "past_medical_history")
    assert r.status == "covered" and "high blood pressure" in r.evidence_text


def test_a_short_answer_is_shown_with_its_question(evaluator):
    r = result(
        evaluator, "[doctor] Is she allergic to any medicines?\n[patient] Not that we know of.", "allergies"
    )
    assert r.status == "covered" and r.evidence_text.startswith("Is she allergic to any medicines?")


@pytest.mark.parametrize(
    ("said", "finding", "advice"),
    [
        ("دراز بکشید، پاتونو صاف بالا بیارید.", False, False),  # the examination's instructions
        ("تست بالا آوردن پا منفیه، رفلکس‌ها و قدرت پاها طبیعیه.", True, False),
        ("Lie back and raise your leg for me.", False, False),
        ("The skin is intact, no ulcers, but you have reduced feeling on the monofilament.", True, False),
        ("کیسه آب گرم بذارید و زیاد دراز نکشید، راه برید.", False, True),
        ("غذای معمولیشو بدید، فقط آبمیوه و نوشابه ندید.", False, True),
        ("I'd also like you to cut back on the beer, alcohol makes depression worse.", False, True),
        ("Give him plenty of fluids and small frequent meals.", False, True),
    ],
)
def test_an_instruction_during_the_exam_is_neither_a_finding_nor_advice(said, finding, advice):
    found = patterns(f"[doctor] {said}")
    assert ("exam_finding" in found) is finding
    assert ("self_care_advice" in found) is advice


@pytest.mark.parametrize(
    ("dialogue", "key", "expected"),
    [
        ("[doctor] Is she taking anything besides the Tylenol?\n[patient] No, just the Tylenol.", "current_medications", "covered"),
        ("[doctor] Have you had any thoughts of hurting yourself?\n[patient] No, never.", "red_flags", "covered"),
        ("[doctor] Do you feel you'd be better off dead?\n[patient] No.", "red_flags", "covered"),
        ("[doctor] Your PHQ-9 score is 17.\n[doctor] Have you been feeling down or hopeless?\n[patient] Most days, yes.", "mood_screen", "covered"),
        ("[doctor] Has anyone in your family had depression?\n[patient] My mother had it.", "mood_screen", "missing"),
        # daycare is her occupation; the item also asks who is at home (round 8: partial without it)
        ("[doctor] Does she go to daycare?\n[patient] Yes, five days a week.", "social_occupation", "partial"),
        # what makes it worse, nothing that makes it better: the item in part (round 8, ``parts``)
        ("[patient] گلوم درد می‌کنه. موقع غذا خوردن بدتره.", "aggravating_relieving", "partial"),
        ("[doctor] تست سریع استرپ هم گرفتیم، مثبت شد.", "results_reviewed", "covered"),
        ("[doctor] We'll repeat the A1c in three months.", "tests_ordered", "covered"),
        ("[doctor] Your blood work came back normal.", "tests_ordered", "missing"),
        ("[doctor] آزمایش خونتون هم که آوردید، پتاسیم نرماله.", "tests_ordered", "missing"),
        ("[doctor] تست بالا آوردن پا منفیه.", "results_reviewed", "missing"),  # an exam manoeuvre
    ],
)  # fmt: skip
def test_words_of_the_new_visits(evaluator, dialogue, key, expected):
    assert status(evaluator, dialogue, key) == expected


def test_a_no_that_names_what_there_is_or_sets_a_condition_is_no_denial(evaluator):
    r = result(
        evaluator,
        "[doctor] Is he taking any medicines?\n[patient] No, just the Tylenol.",
        "current_medications",
    )
    assert r.status == "covered" and r.details["polarity"] == "affirmed"
    r = result(evaluator, "[doctor] If it's not improving in two weeks, come back and see me.", "follow_up")
    assert r.status == "covered" and "answered no" not in r.notes


@pytest.mark.django_db
def test_the_migration_keeps_keywords_an_administrator_edited():
    migration = importlib.import_module("soapify.checklist.migrations.0005_typed_visit_words")
    before = migration.keywords_before()
    ChecklistCatalog.objects.filter(key="drug_use", owner=None).update(keywords=before["drug_use"])
    ChecklistCatalog.objects.filter(key="duration", owner=None).update(keywords={"any": ["how long"]})
    migration.update_keywords(global_apps, None)
    assert ChecklistCatalog.objects.get(key="drug_use", owner=None).keywords == migration.KEYWORDS["drug_use"]
    assert ChecklistCatalog.objects.get(key="duration", owner=None).keywords == {"any": ["how long"]}
    # the data file and the migration agree
    assert all(catalog_by_key()[k]["keywords"] == v for k, v in migration.KEYWORDS.items())
    assert "شیشه" not in migration.KEYWORDS["drug_use"]["any"]
