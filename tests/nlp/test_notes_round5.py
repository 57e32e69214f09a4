"""The rules engine on the fourth clinician round's remaining patterns (made-up English dialogue)."""

from __future__ import annotations

from tests.nlp.drafting import checked_draft as g
from tests.nlp.drafting import items, texts

# ---------------------------------------------------------------- pattern 8: numbers keep their context

FAINT_ORTHOSTATIC = """[doctor] what brings you in today?
[patient] i nearly passed out getting out of bed this week.
[doctor] let me check your pressure sitting and then standing. sitting it's one thirty eight over eighty two, pulse seventy. standing after three minutes it's one twelve over seventy, pulse ninety four.
[patient] i feel woozy right now.
[doctor] your pressure drops when you stand up."""


def test_a_position_said_with_a_pressure_or_pulse_stays_with_it(engine):
    vitals = texts(g(engine, FAINT_ORTHOSTATIC), "objective", "vital")
    assert vitals == [
        "Blood pressure (sitting): 138/82 mmHg",
        "Heart rate (sitting): 70 /min",
        "Blood pressure (standing, 3 min): 112/70 mmHg",
        "Heart rate (standing, 3 min): 94 /min",
    ]


def test_a_weights_change_said_with_it_is_kept(engine):
    draft = g(
        engine,
        """[doctor] good to see you.
[patient] you too.
[doctor] your weight is one hundred and seventy pounds today, down about nine pounds since spring.""",
    )
    assert texts(draft, "objective", "vital") == ["Weight: 170 lb (down 9 lb)"]


def test_a_symptoms_trigger_is_no_position(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] i get a headache every afternoon.
[doctor] you said you feel dizzy when standing, so let me check. your blood pressure is one twenty over eighty.""",
    )
    assert texts(draft, "objective", "vital") == ["Blood pressure: 120/80 mmHg"]


THYROID_RESULT = """[doctor] how have you been feeling on the levothyroxine?
[patient] more tired than usual, honestly.
[doctor] your t s h came back at six point two. back in march it was two point eight, so it's gone up.
[patient] that makes sense.
[doctor] we'll recheck the t s h in six weeks."""


def test_a_spelled_lab_name_is_written_and_its_earlier_value_kept_with_it(engine):
    draft = g(engine, THYROID_RESULT)
    (result,) = texts(draft, "objective", "result")
    assert result.startswith("The patient's TSH came back at 6.2; back in march it was 2.8")
    assert any("TSH in six weeks" in t for t in texts(draft, "plan"))


SPOKEN_A1C = """[doctor] good to see you again.
[patient] thanks, doc.
[doctor] your hemoglobin a one c is seven point nine today."""


def test_a_spoken_a1c_is_written_hba1c(engine):
    (result,) = texts(g(engine, SPOKEN_A1C), "objective", "result")
    assert "HbA1c" in result and "7.9" in result


HOME_PRESSURES = """[doctor] what brings you in?
[patient] a follow up for my blood pressure.
[doctor] have you been taking your blood pressure at home?
[patient] yes, every morning. it's mostly around one forty, one fifty. one day it was one seventy five.
[doctor] okay."""


def test_home_readings_are_kept_together_with_their_question(engine):
    draft = g(engine, HOME_PRESSURES)
    hpi = texts(draft, "subjective", "hpi")
    (readings,) = [t for t in hpi if "140" in t]
    assert readings.startswith('Asked "have you been taking your blood pressure at home?"')
    assert "175" in readings
    assert not any(t.startswith("One day") for t in hpi)


# ---------------------------------------------------------------- pattern 11: the reason for the visit

LIMPING_TODDLER = """[doctor] hello, what's going on with this little guy?
[patient] he's been limping on his left foot since saturday morning and won't put weight on it.
[doctor] any cough or cold?
[patient] he's had a cough for about two weeks, but that's getting better.
[doctor] okay, let's take a look."""


def test_the_opening_answer_is_the_chief_complaint_over_a_longer_associated_symptom(engine):
    (cc,) = texts(g(engine, LIMPING_TODDLER), "subjective", "chief_complaint")
    assert cc == "Limping on left foot since saturday morning."


def test_an_opening_answer_without_a_symptom_word_keeps_its_duration(engine):
    draft = g(
        engine,
        """[doctor] what brings you in today?
[patient] i've been rubbing my right eye for three days.
[doctor] any fever?
[patient] no.""",
    )
    (cc,) = texts(draft, "subjective", "chief_complaint")
    assert cc == "Rubbing right eye for 3 days."


# ---------------------------------------------------------------- pattern 12: explanations, told findings

KNEE_EXPLAINED = """[doctor] what brings you in?
[patient] my right knee has been stiff in the mornings for a few months.
[doctor] let me examine it. there's some crepitus when i bend it. you have reduced range of motion in your right knee.
[patient] is that serious?
[doctor] it's an early sign of wear and tear arthritis, so keeping active really matters.
[doctor] if it gets hot and swollen, that could mean an infection, so call us.
[doctor] i'll send you to physical therapy."""


def test_a_finding_told_to_the_patient_is_an_exam_finding(engine):
    draft = g(engine, KNEE_EXPLAINED)
    assert any("reduced range of motion" in t for t in texts(draft, "objective", "exam"))
    assert not any("range of motion" in t for t in texts(draft, "plan"))


def test_what_a_finding_is_a_sign_of_is_the_problem_not_the_explanation(engine):
    problems = texts(g(engine, KNEE_EXPLAINED), "assessment", "problem")
    assert "Early wear and tear arthritis." in problems
    assert not any("keeping active" in t or "could mean" in t for t in problems)


def test_a_told_finding_with_a_decrease_is_no_dose_change(engine):
    draft = g(
        engine,
        """[doctor] let me check your feet. pulses are good. you have decreased sensation to light touch on both heels.""",
    )
    assert not items(draft, "plan")
    assert texts(draft, "objective", "exam")[-1].startswith("The patient has decreased sensation")


# ---------------------------------------------------------------- patterns 4, 5: questions kept, echoes dropped

SCHOOL_QUESTION = """[doctor] what brings you in?
[patient] my son has had a sore throat and a fever since tuesday.
[doctor] the strep test is positive, so it's strep throat. i'm going to prescribe amoxicillin twice a day for ten days.
[patient] alright. can he go back to school tomorrow?
[doctor] after a full day on the antibiotic, yes."""


def test_the_answer_to_a_school_question_is_a_plan_item_with_its_question(engine):
    draft = g(engine, SCHOOL_QUESTION)
    (school,) = [t for t in texts(draft, "plan") if "school" in t]
    assert school == 'Asked "can he go back to school tomorrow?": after a full day on the antibiotic, yes.'
    assert not any("full day" in t for t in texts(draft, "assessment") + texts(draft, "subjective"))


ECHOES = """[doctor] what brings you in?
[patient] i've had a cough and a fever for four days.
[doctor] there are crackles on the right side of your chest.
[patient] so it's pneumonia.
[doctor] yes, this looks like pneumonia. i'm going to stop your lisinopril because of the cough and start azithromycin.
[patient] okay, stop the blood pressure pill.
[doctor] right, for now."""


def test_the_patient_saying_the_doctors_words_back_is_no_content(engine):
    draft = g(engine, ECHOES)
    subjective = texts(draft, "subjective")
    assert not any("pneumonia" in t.lower() for t in subjective)
    assert not any("blood pressure pill" in t for t in subjective + texts(draft, "plan"))


def test_a_patients_own_so_sentence_without_confirmation_is_kept(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] so i have a rash on my arm since sunday.
[doctor] let me see.""",
    )
    assert any("rash" in t for t in texts(draft, "subjective"))


FLUIDS = """[doctor] what brings you in?
[patient] i've been getting cramps in my legs at night for a month.
[doctor] are you drinking enough fluids?
[patient] hardly, maybe three small glasses of water a day.
[doctor] okay."""


def test_a_longer_answer_without_a_subject_is_kept_with_its_question(engine):
    hpi = texts(g(engine, FLUIDS), "subjective", "hpi")
    assert 'Asked "are you drinking enough fluids?": hardly, maybe three small glasses of water a day.' in hpi


def test_a_home_temperature_answered_to_a_fever_question_is_kept_with_it(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my son has been coughing since sunday.
[doctor] any fever?
[patient] on monday night it was thirty nine point two. i gave him some motrin at 3 and it went down.
[doctor] okay.""",
    )
    hpi = texts(draft, "subjective", "hpi")
    assert 'Asked "any fever?": on monday night it was 39.2.' in hpi
    assert any("motrin" in t for t in hpi)


def test_the_answer_to_a_vaccine_question_is_a_plan_item_with_its_question(engine):
    draft = g(
        engine,
        """[doctor] your ankle should heal in a few weeks.
[patient] thanks. and should i get a tetanus shot while i'm here?
[doctor] yes, you're overdue, your last one was twelve years ago.
[patient] okay.""",
    )
    (shot,) = [t for t in texts(draft, "plan") if "tetanus" in t]
    assert shot.startswith('Asked "and should i get a tetanus shot while i\'m here?": ')
    assert "overdue" in shot
    assert not any("overdue" in t for t in texts(draft, "assessment"))


def test_an_offer_said_as_a_statement_is_a_plan_item_not_a_problem(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my eczema is flaring on both hands.
[doctor] this is an eczema flare. you are due for your tetanus booster too. we can give it today if you'd like.
[patient] sure.""",
    )
    assert not any("give it today" in t for t in texts(draft, "assessment"))
    assert any("give it today" in t for t in texts(draft, "plan"))


def test_nothing_other_than_names_what_there_is(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my left knee has been swollen since friday.
[doctor] have you noticed any other joint pain, like in your hands or hips?
[patient] nothing other than my usual arthritis in my back.""",
    )
    denied = [it["text"] for it in draft["sections"]["subjective"]["items"] if it["negated"]]
    assert not any("joint pain" in t.lower() for t in denied)
