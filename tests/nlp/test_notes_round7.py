"""The rules engine on general mechanisms of the seventh English round (made-up dialogue, complaints and
wording not taken from the visits the round read)."""

from __future__ import annotations

from tests.nlp.drafting import checked_draft, items, texts
from tests.nlp.drafting import checked_draft as g


def subjective(draft: dict) -> list[str]:
    return texts(draft, "subjective")


# ---------------------------------------------------------------- an inference naming a condition

GOUT_SUSPECTED = """[doctor] what's bothering you today?
[patient] my left ankle swelled up overnight, it's hot and i can't put a sock on.
[doctor] any injury?
[patient] no, nothing.
[doctor] does anyone in the family have gout?
[patient] my uncle had it, bad.
[doctor] okay. the left ankle is red, warm and swollen, very tender to touch.
[doctor] the sudden swelling overnight, the heat, the beer and your uncle's history, all of that points to a gout flare.
[doctor] i'll start you on naproxen five hundred milligrams twice a day for a week."""


def test_a_suspected_diagnosis_is_an_assessment_though_it_names_history(engine):
    draft = g(engine, GOUT_SUSPECTED)
    assert any("gout flare" in t for t in texts(draft, "assessment"))
    assert not any("points to" in t for t in subjective(draft))
    assert not any("points to" in t for t in texts(draft, "objective"))


def test_fits_with_and_whats_happening_name_the_problem(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] i've been feeling wiped out and sad for about two months, ever since the layoff.
[doctor] how's your sleep?
[patient] i wake up at four and can't get back to sleep.
[doctor] your questionnaire score is eighteen.
[doctor] honestly it fits with a moderate depression.""",
    )
    assert any("moderate depression" in t for t in texts(draft, "assessment"))
    assert not any("fits with" in t for t in subjective(draft))


def test_an_inference_denied_is_no_diagnosis(engine):
    from soapify.nlp.engines import lexicons as lx

    assert lx.suspects("honestly that's typical for a migraine.")
    assert not lx.suspects("this doesn't fit with an infection at all.")
    assert not lx.suspects("it's not typical for angina.")


# ---------------------------------------------------------------- the doctor's words after the exam

ANEMIA = """[doctor] what's been going on?
[patient] i get out of breath on the stairs, and i'm exhausted by noon.
[doctor] how long?
[patient] maybe three months.
[doctor] any blood in the stool, black stools?
[patient] no.
[doctor] okay, let me have a look. your conjunctivae look pale. heart has a soft flow murmur.
[doctor] your nail beds are pale too, and a little spoon shaped.
[doctor] iron tablets usually take a couple of months to build your stores back up.
[doctor] constipation is common with them, and the stools can turn dark, that's expected.
[doctor] i'll order a blood count and ferritin today."""


def test_explanations_after_the_exam_are_no_history(engine):
    draft = g(engine, ANEMIA)
    subj = " ".join(subjective(draft))
    assert "couple of months" not in subj
    assert "stools can turn dark" not in subj
    assert "three months" in subj or any("stairs" in t for t in subjective(draft))


def test_a_finding_said_on_in_the_exam_is_an_exam_finding(engine):
    draft = g(engine, ANEMIA)
    assert any("nail beds" in t for t in texts(draft, "objective", "exam"))
    assert not any("nail beds" in t for t in subjective(draft))


def test_a_recap_after_the_exam_stays_history(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my knee has been aching for a month.
[doctor] let me look. the right knee has a small effusion, no warmth.
[doctor] so you've been taking ibuprofen twice a day for the knee.
[patient] yes, four hundred.""",
    )
    assert any("ibuprofen" in t for t in subjective(draft)) or any(
        it.get("name") == "ibuprofen" for it in draft["sections"]["subjective"]["items"]
    )


# ---------------------------------------------------------------- a proposal, its explanation, the reply


def plan_meds(draft: dict) -> dict[str, str]:
    return {
        it.get("name") or "": it["text"]
        for it in draft["sections"]["plan"]["items"]
        if it["kind"] == "medication"
    }


def test_a_refusal_after_the_doctor_explains_the_proposal_is_declined(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my migraines are coming every week now, and the sumatriptan only just helps.
[doctor] i'd recommend a daily preventive, topiramate. it's taken at night. we go up slowly over a month. some people get tingling in the fingers.
[patient] honestly i'd rather not take something every day.
[doctor] that's fair, we'll keep a headache diary for now.""",
    )
    meds = plan_meds(draft)
    assert meds.get("topiramate", "").startswith("Declined")


def test_an_agreement_after_the_doctor_argues_again_is_no_refusal(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my blood pressure readings at home are running high.
[doctor] i'd like to start amlodipine five milligrams once a day.
[patient] can we wait on that? i hate taking pills.
[doctor] i understand. but these numbers are high enough to matter. what if we just try it for two months and recheck?
[patient] alright, fine. i can do that.""",
    )
    meds = plan_meds(draft)
    assert "amlodipine" in meds
    assert not meds["amlodipine"].startswith("Declined")


def test_an_accepted_refusal_stays_declined(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my blood pressure readings at home are running high.
[doctor] i'd like to start amlodipine five milligrams once a day.
[patient] can we wait on that? i want to try cutting salt first.
[doctor] that's reasonable, let's recheck in a month.
[patient] okay, thanks.""",
    )
    assert plan_meds(draft).get("amlodipine", "").startswith("Declined")


def test_the_medicine_a_reason_is_about_and_one_kept_in_reserve_are_not_ordered(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my cholesterol letter said it's high again.
[doctor] since the simvastatin gave you cramps, i'd like to try pravastatin twenty milligrams at night.
[doctor] we'll keep ezetimibe in our back pocket if that isn't enough.
[patient] okay.""",
    )
    meds = plan_meds(draft)
    assert "pravastatin" in meds
    assert "simvastatin" not in meds
    assert "ezetimibe" not in meds


# ---------------------------------------------------------------- the chief complaint


def chief(draft: dict) -> list[str]:
    return texts(draft, "subjective", "chief_complaint")


def test_a_complaint_said_rising_is_the_chief_complaint(engine):
    draft = g(
        engine,
        """[doctor] hello there, what's going on with him?
[other] he's had a sore throat since like, sunday? and he won't eat much.
[doctor] any cough?
[other] a little, at night.""",
    )
    assert chief(draft) and chief(draft)[0].lower().startswith("sore throat")


def test_a_relatives_condition_is_not_the_chief_complaint(engine):
    draft = g(
        engine,
        """[doctor] what can i do for you?
[patient] i just haven't been myself lately.
[doctor] anyone in the family with thyroid problems or depression?
[patient] my sister has depression, she's on medication for it.
[doctor] how's your sleep?
[patient] i'm having headaches most mornings.""",
    )
    assert not any("depression" in c.lower() for c in chief(draft))


def test_an_injury_told_as_what_was_done_to_a_part_is_the_chief_complaint(engine):
    draft = g(
        engine,
        """[doctor] what happened?
[patient] i jammed my thumb catching a football yesterday.
[doctor] can you bend it?
[patient] a bit, it's stiff.""",
    )
    assert chief(draft) and "thumb" in chief(draft)[0].lower()


def test_pressure_in_the_chest_told_around_its_place_is_the_chief_complaint(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] when i mow the lawn i get a heaviness, sort of across my chest, and it eases when i sit.
[doctor] how long has that been happening?
[patient] about a month.""",
    )
    assert chief(draft) and "chest" in chief(draft)[0].lower()


# ---------------------------------------------------------------- what a treatment does is no problem

PALPITATIONS = """[doctor] what brings you in?
[patient] my heart keeps racing, it's been fluttering on and off for a week.
[doctor] okay. the pulse is irregularly irregular at one ten.
[doctor] the ecg shows atrial fibrillation.
[doctor] i'm starting you on diltiazem one twenty milligrams once a day.
[patient] okay.
[doctor] you might feel a little lightheaded the first few days.
[doctor] honestly it's one of the safest medicines for your rhythm."""


def test_what_a_treatment_does_is_counselling_not_a_problem(engine):
    draft = g(engine, PALPITATIONS)
    problems = " ".join(texts(draft, "assessment"))
    assert "safest medicines" not in problems
    assert "lightheaded" not in problems
    assert any("safest medicines" in t for t in texts(draft, "plan"))


def test_a_cause_the_doctor_infers_stays_in_the_assessment(engine):
    from soapify.nlp.engines.rules import _counsels

    assert not _counsels("i think the cold air is probably what sets off the medicine problem.")
    assert _counsels("you might notice a hoarse voice, so rinse your mouth after each use.")
    assert not _counsels("this is asthma, you'll need the inhaler.")


def test_history_said_back_to_the_patient_after_the_exam_stays_history(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my knee has been aching for a month.
[doctor] let me look. the right knee has a small effusion, no warmth.
[doctor] and i know that you had a meniscus repair on that knee in college.
[patient] yeah, back in two thousand ten.""",
    )
    assert any("meniscus repair" in t for t in subjective(draft))


# ---------------------------------------------------------------- advice on a condition, a proposal


def test_a_conditional_call_back_and_a_proposal_are_plan_not_problems(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my eye has been red and goopy since yesterday.
[doctor] the left eye is red with some crusting, vision is normal.
[doctor] this is a bacterial conjunctivitis.
[doctor] i'm prescribing erythromycin ointment four times a day for five days.
[doctor] we could switch to drops later if the ointment blurs too much.
[doctor] if the eye gets painful or light starts to bother you, just give us a call.""",
    )
    problems = " ".join(texts(draft, "assessment"))
    assert "give us a call" not in problems
    assert "switch to drops" not in problems
    assert any("conjunctivitis" in t for t in texts(draft, "assessment"))
    assert any("give us a call" in t for t in texts(draft, "plan"))


# ---------------------------------------------------------------- a relative's illness is not the patient's

BROTHER = """[doctor] what brings you in today?
[patient] i'm here for my cholesterol results.
[doctor] and your brother, the one with the kidney problems, how's he doing?
[patient] not great. he's short of breath all the time and he's on warfarin now.
[doctor] i'm sorry to hear that. your ldl came back at one sixty."""


def test_what_a_relative_has_after_a_question_about_them_is_family_history(engine):
    draft = g(engine, BROTHER)
    assert not any(it.get("name") == "shortness of breath" for it in draft["sections"]["subjective"]["items"])
    assert not any("short of breath" in t for t in texts(draft, "subjective", "hpi"))
    assert not any(
        it.get("name") == "warfarin"
        for it in draft["sections"]["subjective"]["items"]
        if it["kind"] == "medication"
    )
    assert any("short of breath" in t for t in texts(draft, "subjective", "family_history"))


def test_a_parent_speaking_for_the_child_is_still_the_patients_history(engine):
    draft = g(
        engine,
        """[doctor] hi there, what's going on with your son?
[patient] i'm his mom. he's had a fever since last night and he's pulling at his ear.
[doctor] any vomiting?
[patient] no.""",
    )
    assert not texts(draft, "subjective", "family_history")


def test_a_treatment_kept_for_a_result_is_no_medicine_taken_now(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my calf is swollen and sore since the long drive.
[doctor] your left calf is swollen and tender, two centimeters bigger than the right.
[doctor] if the ultrasound shows a clot, the treatment is pretty simple, apixaban, same as your dad, one pill twice a day.""",
    )
    assert not any(
        it.get("name") == "apixaban"
        for it in draft["sections"]["subjective"]["items"]
        if it["kind"] == "medication"
    )


def test_tests_named_with_when_are_ordered_not_results(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] i've been so thirsty and peeing all night for a month.
[doctor] your weight is down six pounds since spring.
[doctor] labs today, a fasting glucose, an a1c, b12 and kidney function.
[doctor] your last a1c in march was six point one.""",
    )
    assert any("fasting glucose" in t for t in texts(draft, "plan", "test"))
    assert not any("fasting glucose" in t for t in texts(draft, "objective"))


# ------------------------------------------------------------------ safety-net advice after the exam is plan


def test_safety_net_advice_after_the_exam_stays_in_the_plan(engine):
    # found in the blind count: the rule that keeps the doctor's talk after the exam out of the history
    # dropped conditional advice altogether
    draft = checked_draft(
        engine,
        "[doctor] what's going on with your neck?\n[patient] it's been stiff since i slept on it wrong on friday.\n"
        "[doctor] let me have a look. turn your head to the left. there's spasm in the right trapezius.\n"
        "[doctor] it's a muscle strain.\n"
        "[doctor] if the pain spreads down your arm, or your hand goes numb or weak, get seen the same day.\n",
    )
    plan = " ".join(texts(draft, "plan")).lower()
    assert "numb or weak" in plan
    assert not any("numb" in t.lower() for t in texts(draft, "subjective"))


def test_a_condition_that_names_a_medicine_is_kept_with_the_medicine(engine):
    draft = checked_draft(
        engine,
        "[doctor] any burning in your chest?\n[patient] yes, after dinner mostly, for a month.\n"
        "[doctor] your belly is soft, a little tender at the top.\n"
        "[doctor] this is reflux. pantoprazole forty milligrams once a day before breakfast for eight weeks.\n"
        "[doctor] if you're vomiting blood or your stools turn black, even while on the pantoprazole, "
        "go to the emergency department.\n",
    )
    plan = " ".join(texts(draft, "plan")).lower()
    assert "stools turn black" in plan
    assert any(
        it["kind"] == "medication" and "pantoprazole" in it["text"].lower() for it in items(draft, "plan")
    )


# ------------------------------------------------------------------ the patient's sex is not another person's


def test_an_adult_talking_about_her_baby_is_not_he():
    from soapify.nlp.engines.style import guess_gender

    visit = (
        "[doctor] how are you sleeping?\n[patient] badly. the baby wakes every two hours and he won't settle.\n"
        "[patient] when he finally sleeps i lie there checking that he's breathing.\n"
        "[doctor] and your appetite?\n[patient] i forget to eat. he keeps me busy all day.\n"
    )
    assert guess_gender(visit) is None
    assert guess_gender("[doctor] good morning mrs. duarte, how is the knee?\n[patient] better.") == "female"


def test_a_husband_talking_about_his_wife_is_not_she(engine):
    draft = checked_draft(
        engine,
        "[doctor] what brings you in?\n[patient] my wife says i snore and stop breathing at night.\n"
        "[patient] she says it's been going on for a year. she had to move to the couch.\n"
        "[doctor] are you tired in the daytime?\n[patient] yes, i nod off at my desk.\n",
    )
    said = " ".join(texts(draft, "subjective")).lower()
    assert "the patient snores" in said  # not "she snores": "she" is the wife
    assert "she snores" not in said and "her wife" not in said
