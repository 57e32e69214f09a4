"""Extraction defects a clinician found in the third round: weight-based doses, "as needed" with another
frequency, courses said "for up to"/"for the next", fetal heart rates, and readings that are no
readings (made-up sentences and dialogue, English and Persian)."""

from __future__ import annotations

import pytest

from soapify.core.draft_schema import check_evidence
from soapify.core.transcript import parse_dialogue
from soapify.nlp.engines.extract import extract_durations, extract_medications, extract_vitals
from soapify.nlp.engines.rules import RulesEngine


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine()


def med(text: str):
    meds = extract_medications(text, heard=True)
    assert len(meds) == 1, meds
    return meds[0]


def plan_meds(engine: RulesEngine, dialogue: str, language: str | None = None) -> list[dict]:
    tv = parse_dialogue(dialogue)
    draft = engine.generate(tv, language=language).draft
    assert check_evidence(draft, tv.text) == []
    return [it for it in draft["sections"]["plan"]["items"] if it["kind"] == "medication"]


def vitals(engine: RulesEngine, dialogue: str, language: str | None = None) -> list[dict]:
    draft = engine.generate(parse_dialogue(dialogue), language=language).draft
    return [it for it in draft["sections"]["objective"]["items"] if it["kind"] == "vital"]


# ------------------------------------------------------------------ 1. weight-based doses keep their basis
@pytest.mark.parametrize(
    "text, unit, shown",
    [
        (
            "amoxicillin, 90 milligrams per kilo per day, split twice a day",
            "mg/kg/d",
            "amoxicillin 90 mg/kg/day twice a day",
        ),
        ("amoxicillin 45 mg/kg twice a day", "mg/kg", "amoxicillin 45 mg/kg twice a day"),
        ("amoxicillin 90 mg/kg/day divided twice a day", "mg/kg/d", "amoxicillin 90 mg/kg/day twice a day"),
        ("ibuprofen 10 milligrams per kilogram of body weight every 8 hours", "mg/kg", None),
        ("ondansetron 0.15 mg/kg/dose every 8 hours", "mg/kg", None),
        ("insulin 0.5 units per kilo per day", "[iU]/kg/d", "insulin 0.5 units/kg/day"),
        ("amoxicillin 500 mg three times a day", "mg", "amoxicillin 500 mg three times a day"),
    ],
)
def test_a_weight_based_dose_keeps_its_basis(text, unit, shown):
    m = med(text)
    assert m.unit == unit
    if shown:
        assert m.display() == shown


@pytest.mark.parametrize(
    "text, unit, shown",
    [
        (
            "آموکسی‌سیلین نود میلی‌گرم به ازای هر کیلو در روز، روزی دو بار",
            "mg/kg/d",
            "آموکسی‌سیلین 90 میلی‌گرم به ازای هر کیلو در روز روزی دو بار",
        ),
        ("سفتریاکسون ۵۰ میلی‌گرم بر کیلوگرم", "mg/kg", "سفتریاکسون 50 میلی‌گرم به ازای هر کیلو"),
    ],
)
def test_a_persian_weight_based_dose_keeps_its_basis(text, unit, shown):
    m = med(text)
    assert m.unit == unit
    assert m.display("fa") == shown


def test_the_plan_item_says_the_weight_based_dose(engine):
    items = plan_meds(
        engine,
        "[doctor] he has an ear infection.\n"
        "[doctor] i'll start amoxicillin, 90 milligrams per kilo per day, split twice a day, for ten days.\n"
        "[patient] ok.",
    )
    assert [(it["text"], it["unit"]) for it in items] == [
        ("amoxicillin 90 mg/kg/day twice a day for 10 days", "mg/kg/d")
    ]


# ------------------------------------------------------------------ 2. "as needed" with another frequency
@pytest.mark.parametrize(
    "text, frequency",
    [
        ("albuterol two puffs every four hours as needed", "every four hours as needed"),
        ("acetaminophen 500 mg every 6 hours as needed for pain", "every 6 hours as needed"),
        ("ibuprofen 400 mg twice a day, when you need it", "twice a day as needed"),
        ("albuterol 2 puffs as needed, every 4 hours", "every 4 hours as needed"),
        ("ibuprofen 600 mg as needed", "as needed"),
        ("استامینوفن ۵۰۰ میلی‌گرم هر ۶ ساعت در صورت نیاز", "هر ۶ ساعت در صورت نیاز"),
        ("استامینوفن ۵۰۰ میلی‌گرم در صورت نیاز هر ۶ ساعت یکی", "هر ۶ ساعت در صورت نیاز"),
    ],
)
def test_as_needed_is_kept_with_another_frequency(text, frequency):
    assert med(text).frequency == frequency


def test_as_needed_of_another_clause_is_not_this_drugs():
    m = med("start lisinopril 10 mg daily, and use your inhaler as needed")
    assert m.frequency == "daily"
    assert m.route is None  # the inhaler is not lisinopril's route


def test_english_as_needed_reads_in_persian():
    assert (
        med("acetaminophen 500 mg every 6 hours as needed")
        .display("fa")
        .endswith("every 6 hours در صورت نیاز")
    )


# ------------------------------------------------------------------ 3. courses said "for up to", "for the next"
@pytest.mark.parametrize(
    "text, duration",
    [
        ("prednisone 40 mg daily with food for the next week", "1 week"),
        ("amoxicillin 45 mg/kg twice a day for up to ten days", "10 days"),
        ("ibuprofen 400 mg three times a day for the next 5 days", "5 days"),
        ("cephalexin 500 mg four times a day over the next week", "1 week"),
        ("amoxicillin 500 mg three times a day for ten days", "10 days"),
        ("ایبوپروفن ۴۰۰ میلی‌گرم هر هشت ساعت تا ده روز", "10 days"),
        ("پردنیزولون ۴۰ میلی‌گرم روزی یک بار برای یک هفته", "1 week"),
        ("پردنیزولون ۴۰ میلی‌گرم روزی یک بار به مدت ده روز", "10 days"),
    ],
)
def test_a_course_said_for_up_to_or_for_the_next_is_kept(text, duration):
    assert med(text).duration == duration


def test_a_range_is_not_read_as_up_to():
    assert med("ایبوپروفن ۴۰۰ میلی‌گرم هر هشت ساعت دو تا سه روز").duration != "3 days"


def test_for_the_next_starts_the_duration_at_for():
    assert extract_durations("for the next week") == [(0, 17, "1 week")]
    assert extract_durations("for up to 10 days") == [(0, 17, "10 days")]


# ------------------------------------------------------------------ 4. the fetus's heart is not the patient's
@pytest.mark.parametrize(
    "text",
    [
        "fetal heart rate is 145.",
        "the fetus's heart rate was 140.",
        "ضربان قلب جنین ۱۴۵ هست.",
    ],
)
def test_a_fetal_heart_rate_is_not_a_vital(text):
    assert [v for v in extract_vitals(text) if v.name == "hr"] == []


def test_the_babys_heart_rate_is_a_vital_in_a_childs_visit():
    assert [v.value for v in extract_vitals("the baby's heart rate was 140.") if v.name == "hr"] == [140.0]


def test_the_mothers_heart_rate_is_kept_beside_the_fetal_one(engine):
    got = vitals(
        engine, "[doctor] your blood pressure is 118 over 76 and heart rate is 88. fetal heart rate is 145."
    )
    assert [it["text"] for it in got] == ["Blood pressure: 118/76 mmHg", "Heart rate: 88 /min"]


# ------------------------------------------------------------------ 5. readings that are no readings
@pytest.mark.parametrize(
    "text, expected",
    [
        ("her pulse ox is 97% on room air.", ["Oxygen saturation: 97 %"]),  # not a heart rate of 97
        ("pulse oximetry 95 percent", ["Oxygen saturation: 95 %"]),
        ("my heart rate has been racing for 30 minutes.", []),
        ("i have had sugar for 20 years.", []),
        ("he has lost weight, about 15 pounds.", []),
        ("weight loss of 10 pounds", []),
        ("her weight is up to 210 pounds", ["Weight: 210 lb"]),
        (
            "heart rate 88, weight 180 pounds, pulse 72",
            ["Heart rate: 88 /min", "Heart rate: 72 /min", "Weight: 180 lb"],
        ),
        ("نبض ۸۰ بار در دقیقه", ["Heart rate: 80 /min"]),
    ],
)
def test_a_time_a_change_or_a_saturation_is_not_read_as_another_vital(text, expected):
    assert [v.label() for v in extract_vitals(text)] == expected


def test_vitamin_letters_bare_strength_at_the_end_and_no_frequency_from_the_clause_before():
    meds = {m.name: m for m in extract_medications("start vitamin d, 2000 units a day, and atorvastatin 20.")}
    assert (meds["vitamin d"].dose, meds["vitamin d"].frequency) == ("2000", "a day")
    assert (meds["atorvastatin"].dose, meds["atorvastatin"].frequency) == ("20", None)


def test_a_dosage_form_said_before_the_name_is_that_drugs_route():
    meds = {
        m.name: m
        for m in extract_medications("استامینوفن ۵۰۰ هر هشت ساعت بخورید، ژل دیکلوفناک هم روی زانو بمالید.")
    }
    assert (meds["استامینوفن"].route, meds["استامینوفن"].frequency) == (None, "هر هشت ساعت")
    assert (meds["دیکلوفناک"].route, meds["دیکلوفناک"].frequency) == ("topical", None)
    (gel,) = extract_medications("use diclofenac gel on the knee up to four times a day.")
    assert gel.route == "topical"
