"""The rules engine on the third clinician round's visits (made-up dialogue, English and Persian)."""

from __future__ import annotations

import pytest

from soapify.core.draft_schema import check_evidence
from soapify.core.transcript import parse_dialogue
from soapify.nlp.engines.rules import RulesEngine
from soapify.nlp.engines.style import doctor_to_note, patient_to_third


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine()


def g(engine: RulesEngine, text: str, language: str | None = None) -> dict:
    tv = parse_dialogue(text)
    draft = engine.generate(tv, language=language).draft
    assert check_evidence(draft, tv.text) == []
    return draft


def items(draft, section, kind=None):
    return [it for it in draft["sections"][section]["items"] if kind is None or it["kind"] == kind]


ANKLE = """[doctor] what brings you in today?
[patient] i twisted my ankle playing soccer yesterday.
[doctor] on exam there is swelling over the lateral malleolus. the x-ray shows no fracture. you have an ankle sprain.
[doctor] i'd like you to wear a walking boot.
[patient] i don't want the boot.
[doctor] okay, then ice and ibuprofen 400 mg three times a day."""


def test_a_told_diagnosis_after_the_exam_is_the_assessment(engine):
    draft = g(engine, ANKLE)
    assert [it["name"] for it in items(draft, "assessment")] == ["ankle sprain"]
    assert not any("sprain" in it["text"] for it in items(draft, "objective"))
    # the exam and the x-ray stay where they are
    assert [it["kind"] for it in items(draft, "objective")] == ["exam", "result"]


def test_a_dose_and_how_often_is_a_plan_not_an_assessment(engine):
    draft = g(engine, ANKLE)
    assert not any("ibuprofen" in it["text"] for it in items(draft, "assessment"))
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["dose"], med["frequency"]) == ("ibuprofen", "400", "three times a day")


def test_a_declined_request_reads_as_what_the_patient_was_asked_to_do(engine):
    draft = g(engine, ANKLE)
    (declined,) = [it for it in items(draft, "plan") if it["negated"]]
    assert declined["text"] == "Declined: The patient should wear a walking boot."


def test_without_a_gender_the_second_mention_is_their():
    assert patient_to_third("i twisted my ankle") == "The patient twisted their ankle."
    assert patient_to_third("my ankle hurts") == "The patient's ankle hurts."
    assert patient_to_third("my ankle hurts", "female") == "Her ankle hurts."
    assert doctor_to_note("you should rest your ankle") == "The patient should rest their ankle."
    assert doctor_to_note("your ankle is swollen") == "The patient's ankle is swollen."
    assert doctor_to_note("your peak flow is 250, sixty percent of your best") == (
        "The patient's peak flow is 250, sixty percent of their best."
    )


def test_a_persian_refusal_without_ra_declines_the_proposal(engine):
    draft = g(
        engine,
        "[doctor] کم‌آبی دارید. بهتره یه سرم بزنیم.\n[patient] نه، سرم نمی‌خوام.\n"
        "[doctor] باشه، پس او آر اس بخورید، هر بار بعد از اسهال یه لیوان.",
        "fa",
    )
    declined = [it for it in items(draft, "plan") if it["negated"]]
    assert [it["text"] for it in declined] == ["نپذیرفت: بهتره یه سرم بزنیم."]
    assert not any("نمی‌خوام" in it["text"] for it in items(draft, "subjective"))  # not history
