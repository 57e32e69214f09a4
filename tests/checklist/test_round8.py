"""What five new English visits showed (eighth round): exchanges a physician counts that the engine missed
(safety-net advice sending to the ER, results read with a clause aside, a test "sent for", missed doses by
their time of day, the effect on daily life, a "where?" question, warning signs asked in a child, who is at
home, the course of the illness explained, another cause weighed), a result awaited read as reviewed, and
items covered although their own definition asks for a part the visit never touched (``parts``).
Short made-up dialogues, none from the visits; real MiniLM, real artifact."""

from __future__ import annotations

import pytest

from tests.checklist.evaluating import patterns, result, status

# --- safety net ------------------------------------------------------------------------------------------


def test_go_straight_to_the_er_is_the_safety_net(evaluator):
    visit = (
        "[doctor] this is a chest infection, i'm giving you amoxicillin.\n"
        "[doctor] if your breathing gets harder or you feel confused, go straight to the er.\n[patient] okay."
    )
    assert "urgent_return" in patterns(visit)
    assert status(evaluator, visit, "safety_net") == "covered"


def test_dont_wait_for_the_appointment_is_urgency_not_logistics():
    assert "urgent_return" in patterns(
        "[doctor] if you pass black stools, come in, don't wait for the appointment.\n[patient] right."
    )
    # a change of appointment stays logistics
    assert "urgent_return" not in patterns(
        "[doctor] if you need to move the appointment, call us right away.\n[patient] sure."
    )


# --- results and tests -----------------------------------------------------------------------------------


def test_a_result_read_with_a_clause_aside_is_reviewed(evaluator):
    visit = (
        "[doctor] so how have you been?\n[patient] fine.\n"
        "[doctor] your liver function, the tests from the spring, was normal, so that's good.\n[patient] great."
    )
    assert status(evaluator, visit, "results_reviewed") == "covered"


def test_a_result_still_awaited_is_not_reviewed(evaluator):
    visit = (
        "[doctor] what brings you in?\n[patient] a cough for a week.\n"
        "[doctor] i'd like a chest x ray today.\n"
        "[doctor] come back on monday, the x ray should be back by then.\n[patient] okay."
    )
    assert status(evaluator, visit, "results_reviewed") == "missing"


@pytest.mark.parametrize(
    "said",
    ["so i'm sending you for a breath test for that bug.", "i want to test for coeliac disease as well."],
)
def test_a_test_sent_for_is_ordered(evaluator, said):
    visit = f"[doctor] what brings you in?\n[patient] bloating for months.\n[doctor] {said}\n[patient] okay."
    assert status(evaluator, visit, "tests_ordered") == "covered"


# --- history told in other words -------------------------------------------------------------------------


def test_taking_it_as_often_as_prescribed_is_an_adherence_question(evaluator):
    visit = (
        "[doctor] what do you take for your blood pressure?\n[patient] lisinopril.\n"
        "[doctor] are you managing to take it once a day?\n[patient] mostly, i forget the morning one at weekends."
    )
    assert "adherence_check" in patterns(visit)
    assert "doses_missed" in patterns(visit)
    assert status(evaluator, visit, "medication_adherence") == "covered"


def test_the_effect_on_daily_life_is_the_severity(evaluator):
    asked = "[doctor] how has she been in herself?\n[patient] tired and grumpy, not herself at all."
    told = "[doctor] tell me about the back.\n[patient] it's stiff, i've had three days off work with it."
    assert status(evaluator, asked, "severity") == "covered"
    assert status(evaluator, told, "severity") == "covered"


def test_a_where_question_answered_is_the_location_and_radiation_is_its_other_part(evaluator):
    site_only = "[doctor] show me where it hurts.\n[patient] here, under my ribs on this side."
    spreading = (
        "[doctor] show me where it hurts.\n[patient] here, under my ribs.\n"
        "[doctor] does it go anywhere else?\n[patient] through to my back sometimes."
    )
    r = result(evaluator, site_only, "location")
    assert r.status == "partial"
    assert "whether it spreads" in r.notes
    assert status(evaluator, spreading, "location") == "covered"


def test_a_location_question_about_work_is_no_location():
    assert "stated_location" not in patterns("[doctor] where do you work?\n[patient] at the warehouse.")


def test_warning_sign_asked_in_a_child_are_the_red_flags(evaluator):
    asked = "[doctor] is she very drowsy, any stiff neck, any trouble breathing?\n[patient] no, none of that."
    advised = "[doctor] if she gets very drowsy or has a stiff neck, take her to the emergency department."
    assert status(evaluator, asked, "red_flags") == "covered"
    assert status(evaluator, advised, "red_flags") == "missing"
    assert "warning_sign_asked" not in patterns("[doctor] does the new brace fit?\n[patient] yes, it's fine.")


def test_work_and_home_are_the_social_history_one_alone_is_partial(evaluator):
    both = (
        "[doctor] what's your job?\n[patient] i'm a plumber.\n"
        "[doctor] and who's at home with you?\n[patient] my wife and our two boys."
    )
    work_only = "[doctor] what's your job?\n[patient] i'm a plumber, self employed."
    home_only = "[doctor] who do you live with?\n[patient] just me and the cat."
    assert status(evaluator, both, "social_occupation") == "covered"
    r = result(evaluator, work_only, "social_occupation")
    assert r.status == "partial"
    assert "living situation" in r.notes
    assert status(evaluator, home_only, "social_occupation") == "partial"


def test_a_smoker_without_an_amount_is_partial(evaluator):
    no_amount = "[doctor] do you smoke?\n[patient] yeah, i do."
    amount = "[doctor] do you smoke?\n[patient] yeah, about ten a day."
    never = "[doctor] do you smoke?\n[patient] no, never have."
    r = result(evaluator, no_amount, "smoking")
    assert r.status == "partial"
    assert "how much" in r.notes
    assert status(evaluator, amount, "smoking") == "covered"
    assert status(evaluator, never, "smoking") == "covered"


# --- the plan in other words -----------------------------------------------------------------------------


def test_the_course_of_the_illness_explained_is_patient_education(evaluator):
    visit = (
        "[doctor] this is a viral cold.\n"
        "[doctor] most of these settle on their own within ten days, and antibiotics don't help.\n[patient] okay."
    )
    assert "explains_condition" in patterns(visit)
    assert status(evaluator, visit, "patient_education") == "covered"


def test_another_cause_weighed_is_the_differential(evaluator):
    weighed = "[doctor] i think this is reflux. it might also be a gallstone, so we'll see.\n[patient] okay."
    warned = "[doctor] if the pain moves to the right side, it could also be a gallstone, come back.\n[patient] okay."
    assert status(evaluator, weighed, "differential") == "covered"
    assert "weighs_cause" not in patterns(warned)
    # a general remark on triggers weighs no cause of this complaint
    assert "weighs_cause" not in patterns(
        "[doctor] stress can also be a trigger for migraine.\n[patient] yes."
    )


# --- specialty items and their parts ---------------------------------------------------------------------

DIABETES = "[doctor] so this is your diabetes check.\n[patient] yes.\n"


def test_diet_without_activity_is_partial(evaluator):
    diet = DIABETES + "[doctor] how is your diet?\n[patient] lots of bread and sweet tea."
    both = diet + "\n[doctor] and exercise?\n[patient] i walk the dog every day."
    r = result(evaluator, diet, "diet_exercise_diabetes")
    assert r.status == "partial"
    assert "physical activity" in r.notes
    assert status(evaluator, both, "diet_exercise_diabetes") == "covered"


def test_kidney_screening_without_the_eyes_is_partial(evaluator):
    kidney = (
        DIABETES + "[doctor] your kidney function is normal and no protein in the urine.\n[patient] good."
    )
    both = kidney + "\n[doctor] and your eye screening last month was clear.\n[patient] yes."
    assert status(evaluator, kidney, "eye_kidney_screening") == "partial"
    assert status(evaluator, both, "eye_kidney_screening") == "covered"


def test_an_ecg_without_cardiac_markers_is_partial(evaluator):
    chest = "[doctor] what brings you in?\n[patient] chest pain when i walk.\n"
    ecg = chest + "[doctor] your ecg today is normal.\n[patient] good."
    both = ecg + "\n[doctor] i'll also check a troponin, a blood test for heart strain.\n[patient] okay."
    assert status(evaluator, ecg, "ecg_troponin") == "partial"
    assert status(evaluator, both, "ecg_troponin") == "covered"


# --- later in the round: the last disagreements ------------------------------------------------------------

CHEST_VISIT = (
    "[doctor] what's brought you in?\n[patient] i get a heavy feeling in my chest when i climb stairs.\n"
    "[doctor] how long does it last?\n[patient] a few minutes, then it eases.\n"
    "[doctor] what is it like?\n[patient] like a weight sitting there.\n"
    "[doctor] where exactly?\n[patient] in the middle.\n"
    "[doctor] does it go anywhere, your arm or your jaw?\n[patient] into my jaw now and then."
)
BACK_VISIT = (
    "[doctor] what's brought you in?\n[patient] my lower back has been aching for a month.\n"
    "[doctor] how long does it last?\n[patient] all day really.\n"
    "[doctor] what is it like?\n[patient] dull.\n"
    "[doctor] where exactly?\n[patient] just above my belt.\n"
    "[doctor] does it go anywhere, down your leg?\n[patient] into my left leg sometimes."
)


def test_radiation_in_a_chest_pain_visit_is_about_the_chest_pain_however_far_from_the_word(evaluator):
    assert status(evaluator, CHEST_VISIT, "chest_pain_radiation") == "covered"
    assert status(evaluator, BACK_VISIT, "chest_pain_radiation") == "missing"


def test_other_health_problems_asked_is_the_past_medical_history(evaluator):
    visit = "[doctor] do you have any other health problems?\n[patient] high cholesterol, i'm on a statin."
    assert "past_illness" in patterns(visit)
    assert status(evaluator, visit, "past_medical_history") == "covered"


def test_a_medicine_for_the_blood_pressure_is_no_vital_sign(evaluator):
    visit = (
        "[doctor] any other medicines?\n[patient] amlodipine for my blood pressure.\n"
        "[doctor] any other health problems apart from the blood pressure?\n[patient] no."
    )
    assert status(evaluator, visit, "vital_signs") == "missing"


def test_a_plan_medicine_without_a_dose_is_partial(evaluator):
    no_dose = "[doctor] this is a chest infection.\n[doctor] i'll give you some antibiotics to take.\n[patient] okay."
    dose = (
        "[doctor] this is a chest infection.\n"
        "[doctor] i'll start you on amoxicillin, five hundred milligrams three times a day.\n[patient] okay."
    )
    stopped = "[doctor] your stomach is irritated.\n[doctor] stop the ibuprofen for now.\n[patient] okay."
    # the patient's own list gives no dose to the plan
    listed = (
        "[doctor] what do you take?\n[patient] lisinopril ten milligrams a day.\n"
        "[doctor] this is a chest infection.\n[doctor] i'll start you on amoxicillin.\n[patient] okay."
    )
    r = result(evaluator, no_dose, "medication_plan")
    assert r.status == "partial"
    assert "the dose" in r.notes
    assert status(evaluator, dose, "medication_plan") == "covered"
    assert status(evaluator, stopped, "medication_plan") == "covered"
    assert status(evaluator, listed, "medication_plan") == "partial"


@pytest.mark.parametrize(
    ("visit", "key"),
    [
        ("[doctor] if the pain comes on at rest, ring nine nine nine.\n[patient] okay.", "safety_net"),
        (
            "[doctor] your potassium, from the tests in may, looked fine.\n[patient] oh good.",
            "results_reviewed",
        ),
        ("[doctor] the nurse will take some bloods on your way out.\n[patient] fine.", "tests_ordered"),
        ("[doctor] it's a virus. it should settle in a week or two.\n[patient] okay.", "patient_education"),
        ("[doctor] where's the pain?\n[patient] just here, low down on the left.", "location"),
    ],
)
def test_the_same_cues_in_other_words(evaluator, visit, key):
    assert status(evaluator, visit, key) != "missing"


def test_a_radiation_question_typed_without_its_mark_and_answered_no_is_covered(evaluator):
    visit = (
        "[doctor] what's brought you in\n[patient] a heavy feeling in my chest when i climb stairs\n"
        "[doctor] how long does it last\n[patient] a few minutes\n[doctor] what is it like\n[patient] like a weight\n"
        "[doctor] does it go anywhere else, your arm or your jaw\n[patient] no, it stays put"
    )
    assert status(evaluator, visit, "chest_pain_radiation") == "covered"


def test_where_a_thing_is_kept_is_no_location():
    assert "stated_location" not in patterns("[doctor] where is your inhaler?\n[patient] in my bag.")
