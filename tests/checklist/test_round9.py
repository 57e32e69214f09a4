"""What six new English visits showed (ninth round): another cause weighed in everyday words, findings told once
the examination has begun, advice given as "use X instead of Y", understanding checked as "does this all make
sense?", a past illness asked as "anything like this before?", a question opened by a preposition ("over how
long"), a doctor's answer to the patient's question or the patient's own wondering read as history, sleep asked as
the complaint's effect read as a mood screen, a test added to the plan with "and …" read as a result reviewed.
Short made-up dialogues, none from the visits; real MiniLM, real artifact."""

from __future__ import annotations

import pytest

from soapify.checklist.engines.topics import segment_patterns, segments, visit_patterns
from soapify.core.transcript import parse_dialogue
from soapify.nlp.dialogue import analyse
from tests.checklist.evaluating import patterns, status


def visit_found(dialogue: str) -> set[str]:
    """Every pattern of the dialogue's segments, those of the whole visit included."""
    segs = segments(parse_dialogue(dialogue))
    found = [segment_patterns(seg) for seg in segs]
    visit_patterns(segs, found)
    return set().union(*found)


# --- differential ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "the other thing we worry about with a cough this long is whooping cough, but you've had no whoop.",
        "there are other conditions that can cause tingling too, a low b twelve or a trapped nerve.",
        "i also want to be sure we're not missing something else, like coeliac disease.",
    ],
)
def test_another_cause_weighed_in_everyday_words(evaluator, said):
    visit = f"[patient] i've been feeling off for weeks.\n[doctor] this sounds like a virus. {said}\n[patient] okay."
    assert "weighs_cause" in patterns(visit)
    assert status(evaluator, visit, "differential") == "covered"


def test_other_things_to_bring_is_no_differential():
    assert "weighs_cause" not in patterns(
        "[doctor] bring your inhalers and other things you use, like the spacer.\n[patient] okay."
    )


# --- examination -------------------------------------------------------------------------------------------


def test_findings_told_after_the_examination_begins(evaluator):
    visit = (
        "[doctor] what's the trouble?\n[patient] a lump on my shin, it's sore.\n"
        "[doctor] okay, let me have a look. pull your trouser leg up for me.\n[patient] sure.\n"
        "[doctor] a warm, shiny, raised area about the size of a coin, a little fluctuant in the middle.\n"
        "[doctor] no red streaks up the leg.\n[patient] is it bad?"
    )
    assert "exam_finding" in visit_found(visit)
    assert status(evaluator, visit, "physical_exam") == "covered"


def test_a_look_at_the_results_starts_no_examination():
    visit = (
        "[doctor] let me have a look at your blood tests.\n[doctor] cholesterol a little high, the rest fine.\n"
        "[patient] okay."
    )
    assert "exam_finding" not in visit_found(visit)


# --- the plan ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "use a gentle wash instead of shower gel on that area.",
        "and go back to your usual pillow, the flat one.",
    ],
)
def test_one_thing_in_place_of_another_is_advice(evaluator, said):
    visit = f"[patient] my neck's been stiff.\n[doctor] {said}\n[patient] fine."
    assert "self_care_advice" in patterns(visit)
    assert status(evaluator, visit, "patient_education") == "covered"


def test_a_test_added_to_the_plan_reviews_no_result(evaluator):
    visit = (
        "[patient] i keep getting palpitations.\n"
        "[doctor] i'll check your thyroid and your salts today. and a chest x ray, before you leave.\n"
        "[patient] okay."
    )
    assert status(evaluator, visit, "results_reviewed") == "missing"


@pytest.mark.parametrize("asked", ["does this all make sense?", "anything else you'd like to ask"])
def test_understanding_checked_in_other_words(evaluator, asked):
    visit = f"[doctor] so, the cream twice a day for a week. {asked}\n[patient] no, that's clear, thanks."
    assert "understanding_checked" in patterns(visit)
    assert status(evaluator, visit, "understanding_confirmed") == "covered"


# --- history -----------------------------------------------------------------------------------------------


def test_anything_like_this_before_asks_the_past_illness(evaluator):
    visit = (
        "[patient] my chest feels tight when i run.\n[doctor] has anything like this happened before, as a child\n"
        "[patient] i had asthma when i was small, i grew out of it."
    )
    assert "past_illness" in patterns(visit)
    assert status(evaluator, visit, "past_medical_history") == "covered"


def test_a_question_opened_by_a_preposition_is_a_question():
    d = analyse(parse_dialogue("[doctor] for how long\n[patient] since new year, about six weeks."))
    assert d.units and d.units[0].attribute == "duration"


def test_the_doctors_answer_to_the_patients_question_is_no_history(evaluator):
    visit = (
        "[patient] my knee aches on the stairs.\n[doctor] i'll give you a gel to rub in.\n"
        "[patient] is it a strong one?\n[doctor] it's a mild one, you can use it for a few weeks.\n[patient] okay."
    )
    assert status(evaluator, visit, "severity") == "missing"


def test_the_patients_wondering_is_no_allergy_history(evaluator):
    visit = (
        "[patient] my eyes are puffy in the mornings.\n[doctor] that's fluid from lying down.\n"
        "[patient] could it be an allergy to my pillow?\n[doctor] unlikely.\n[patient] okay."
    )
    assert status(evaluator, visit, "allergies") == "missing"


def test_sleep_asked_as_the_complaints_effect_is_no_mood_screen(evaluator):
    visit = (
        "[patient] my shoulder hurts when i lift.\n[doctor] is it keeping you from sleeping\n"
        "[patient] sleep, yes, i can't lie on that side.\n[doctor] okay."
    )
    assert status(evaluator, visit, "mood_screen") == "missing"


def test_a_sleep_question_of_its_own_is_still_a_mood_screen(evaluator):
    visit = "[doctor] how have you been sleeping lately, and how's your mood?\n[patient] badly, i feel low most days."
    assert status(evaluator, visit, "mood_screen") == "covered"


def test_a_spread_question_answered_is_the_location(evaluator):
    visit = (
        "[patient] my heel hurts.\n[doctor] does it go up into the calf at all\n"
        "[patient] just the heel, right underneath. it doesn't go up the leg."
    )
    assert "stated_location" in patterns(visit)
    assert status(evaluator, visit, "location") == "covered"


def test_a_medicine_stopped_by_the_patient_is_adherence(evaluator):
    visit = (
        "[doctor] are you still taking the blood pressure tablets\n"
        "[patient] no, i stopped them at christmas, i felt fine so i just stopped."
    )
    assert "doses_missed" in patterns(visit)
    assert status(evaluator, visit, "medication_adherence") == "covered"


def test_what_sets_it_off_and_how_it_stops_are_the_modifiers(evaluator):
    visit = (
        "[patient] i get these dizzy spells.\n[doctor] does anything set them off\n[patient] turning over in bed.\n"
        "[doctor] and how does it stop\n[patient] it settles if i keep still for a minute."
    )
    assert "modifying_factor" in patterns(visit)
    assert status(evaluator, visit, "aggravating_relieving") == "covered"


def test_an_itch_is_the_character(evaluator):
    visit = "[doctor] what's brought you in\n[patient] a rash on my ankles, it's really itchy."
    assert "stated_quality" in patterns(visit)
    assert status(evaluator, visit, "character") == "covered"


def test_an_answer_to_a_question_about_oneself_stays_history(evaluator):
    # some transcripts swap the labels: the "doctor" answers "do you drink?" about themselves
    visit = "[patient] and do you drink at all\n[doctor] i don't drink, never have.\n[patient] good."
    assert status(evaluator, visit, "alcohol") == "covered"
