"""The rules engine on general mechanisms of the sixth English round (made-up dialogue, complaints and
wording not taken from the visits the round read)."""

from __future__ import annotations

from tests.nlp.drafting import checked_draft as g
from tests.nlp.drafting import items, texts


def everything(draft):
    return [it["text"] for section in draft["sections"].values() for it in section["items"]]


# ---------------------------------------------------------------- a doctor's remark with no clinical content

GOUT = """[doctor] morning, mr. fielding. the garage was full again today, sorry for the wait.
[patient] oh, no worries, i had to circle twice. anyway my big toe on the right is killing me since tuesday.
[doctor] has it happened before?
[patient] once, two years ago, same toe.
[doctor] okay. i'm going to squeeze gently along the joint now.
[patient] ow, yes, right there.
[doctor] the right big toe joint is red, hot and swollen, and very tender. no other joints are involved.
[doctor] well, the good news is we have a plan.
[doctor] this looks like a gout flare. i'll start you on prednisone forty milligrams once a day for five days.
[doctor] say hi to your daughter for me, i heard she got into the nursing program.
[patient] she did, thanks."""


def test_talk_from_the_doctor_is_no_finding_problem_or_plan(engine):
    found = everything(g(engine, GOUT))
    for talk in ("circle twice", "garage", "squeeze gently", "we have a plan", "nursing program"):
        assert not any(talk in t for t in found), talk


def test_a_finding_and_a_diagnosis_among_the_talk_stay(engine):
    draft = g(engine, GOUT)
    assert any("red, hot and swollen" in t for t in texts(draft, "objective", "exam"))
    assert any("gout flare" in t for t in texts(draft, "assessment"))
    assert any(it.get("name") == "prednisone" for it in items(draft, "plan", "medication"))


def test_a_negative_finding_without_a_clinical_word_is_still_a_finding(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] a scrape on my shin from the bike pedal, last week.
[doctor] the scrape is about two centimeters long. no pus.
[doctor] no streaking up the leg either.""",
    )
    assert any("streaking" in t for t in texts(draft, "objective", "exam"))


def test_an_exam_move_asked_for_is_no_finding(engine):
    draft = g(
        engine,
        """[doctor] what's going on?
[patient] my lower back seized up when i lifted a bag of soil.
[doctor] stand up and bend forward for me.
[doctor] now i'm going to tap along your spine.
[doctor] there is tenderness over the left lower back muscles, none over the spine.""",
    )
    exam = texts(draft, "objective", "exam")
    assert not any("for me" in t or "tap along" in t for t in exam)
    assert any("tenderness over the left lower back" in t for t in exam)


# ---------------------------------------------------------------- a dose or an order is plan, not history

UTI = """[doctor] what brings you in today?
[patient] it burns when i pee, and i'm going every half hour, since saturday.
[doctor] any fever or back pain?
[patient] no.
[doctor] your urine dip shows nitrites and leukocytes.
[doctor] this is a bladder infection.
[doctor] nitrofurantoin works well for this, one hundred milligrams twice a day for five days.
[doctor] keep the fluids up, about eight glasses of water a day, and finish every pill."""


def test_a_dose_the_doctor_explains_is_plan_not_history(engine):
    draft = g(engine, UTI)
    history = texts(draft, "subjective")
    assert not any("one hundred milligrams" in t or "100 mg" in t for t in history)
    assert any(it.get("name") == "nitrofurantoin" for it in items(draft, "plan", "medication"))


def test_an_instruction_said_after_the_diagnosis_is_no_problem(engine):
    draft = g(engine, UTI)
    assert not any("eight glasses" in t for t in texts(draft, "assessment"))
    assert any("eight glasses" in t for t in texts(draft, "plan"))


def test_a_medicine_the_doctor_recaps_as_taken_stays_history(engine):
    draft = g(
        engine,
        """[doctor] so you were taking naproxen five hundred milligrams twice a day for the hip.
[patient] yes, for about a month.""",
    )
    assert not items(draft, "plan", "medication")


# ---------------------------------------------------------------- the patient's reaction with nothing clinical in it

CROUP = """[doctor] what's going on with jonah?
[patient_guest] he's had a barking cough since last night and a fever of a hundred and one.
[doctor] the croup is from a virus, and the barking sound comes from swelling below the voice box.
[patient_guest] huh, who knew. his sister will be jealous of the popsicles.
[doctor] i'll give him one dose of dexamethasone here in the clinic.
[patient_guest] okay.
[doctor] tell me how he's been sleeping.
[patient_guest] up every hour, crying."""


def test_a_reaction_with_nothing_clinical_in_it_is_no_history(engine):
    history = texts(g(engine, CROUP), "subjective")
    assert not any("who knew" in t or "popsicles" in t for t in history)


def test_the_story_asked_for_without_a_question_mark_stays(engine):
    history = texts(g(engine, CROUP), "subjective")
    assert any("barking cough" in t for t in history)
    assert any("every hour" in t for t in history)


# ---------------------------------------------------------------- one line per medicine

ALLERGIC_RHINITIS = """[doctor] what can i do for you?
[patient] sneezing and an itchy nose every morning since the trees bloomed.
[doctor] are you taking anything for it?
[patient] the zyrtec sometimes.
[doctor] okay. i'd like you to take cetirizine ten milligrams every night instead of now and then.
[doctor] and i'll add fluticasone, two sprays in each nostril once a day.
[doctor] so to recap: cetirizine ten milligrams every night and fluticasone once a day."""


def test_a_medicine_said_twice_or_by_its_brand_is_one_plan_line(engine):
    plan = items(g(engine, ALLERGIC_RHINITIS), "plan", "medication")
    names = [it["name"] for it in plan]
    assert names.count("cetirizine") == 1 and names.count("fluticasone") == 1, names
    assert any(it["name"] == "cetirizine" and it.get("dose") for it in plan)


def test_a_brand_and_its_generic_in_the_current_medicines_are_one_line(engine):
    draft = g(
        engine,
        """[doctor] which medicines are you on?
[patient] the coumadin, five milligrams every evening. and the warfarin clinic checks me monthly.
[doctor] good.""",
    )
    current = [it["name"] for it in items(draft, "subjective", "medication")]
    assert len([n for n in current if n in ("coumadin", "warfarin")]) == 1, current


def test_two_doses_of_a_medicine_stay_two_lines(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] i've felt low and flat for two months.
[doctor] i'll start escitalopram five milligrams once a day for the first week.
[doctor] after that, take escitalopram ten milligrams once a day.""",
    )
    doses = [it.get("dose") for it in items(draft, "plan", "medication") if it["name"] == "escitalopram"]
    assert len(doses) == 2


def test_a_medicine_named_first_and_then_avoided_is_stopped(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] heartburn every night this month. i've been taking naproxen for my shoulder.
[doctor] the naproxen, i want you to avoid that for now, it irritates the stomach lining.""",
    )
    plan = items(draft, "plan", "medication")
    assert [it["text"] for it in plan if it["name"] == "naproxen"] == ["Stop naproxen"]


def test_a_medicine_sentence_that_names_no_medicine_is_history(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my ankles swell by the evening.
[doctor] do you take the fluid pill every day?
[patient] my husband fills the pill organizer, but i skip the fluid pill on church days.""",
    )
    assert not any("skip" in t for t in texts(draft, "subjective", "medication"))
    assert any("skip" in t for t in texts(draft, "subjective", "hpi"))


# ---------------------------------------------------------------- a repeat of another line in fewer words


def test_a_denial_another_denial_says_in_full_is_one_line(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my heart flutters when i climb the stairs at work.
[doctor] any fainting or blacking out?
[patient] no.
[doctor] any swelling in the ankles or calves?
[patient] no, none.""",
    )
    ros = texts(draft, "subjective", "ros")
    assert not any(t == "Denies swelling." for t in ros), ros
    assert any("swelling" in t for t in ros)


# ---------------------------------------------------------------- how to go on with the medicines already taken

COLONOSCOPY_PREP = """[doctor] you're here before your colonoscopy on friday, right?
[patient] yes, the screening one.
[doctor] which medicines do you take?
[patient] glipizide five milligrams in the morning and lisinopril ten milligrams a day.
[doctor] okay. the day before the procedure, take only half the glipizide, because you'll be on clear liquids.
[doctor] with the prep you can get a little dehydrated, so i want a blood test, a basic metabolic panel, tomorrow.
[doctor] sorry it's been one of those weeks for you."""


def test_an_instruction_about_a_medicine_already_taken_stays_an_instruction(engine):
    draft = g(engine, COLONOSCOPY_PREP)
    assert any("half the glipizide" in t for t in texts(draft, "plan", "instruction"))
    assert not any("half the glipizide" in t for t in texts(draft, "subjective"))


def test_a_test_asked_for_inside_an_explanation_is_plan(engine):
    draft = g(engine, COLONOSCOPY_PREP)
    assert not any("metabolic panel" in t for t in texts(draft, "subjective"))
    assert any("metabolic panel" in t for t in texts(draft, "plan"))


def test_one_of_those_weeks_is_no_number(engine):
    assert not any("one of those" in t for t in everything(g(engine, COLONOSCOPY_PREP)))


# ---------------------------------------------------------------- an allergy's reaction is no symptom now


def test_the_reaction_to_an_allergen_is_no_review_of_systems_finding(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] a cough with green phlegm for ten days.
[doctor] any allergies to antibiotics?
[patient] sulfa, my face swells up.
[doctor] and the erythromycin, still stomach cramps with it?
[patient] yes, bad cramps.""",
    )
    ros = texts(draft, "subjective", "ros")
    assert not any("swelling" in t.lower() or "cramp" in t.lower() for t in ros), ros
    assert "Reports cough." in ros


def test_a_symptom_told_beside_no_allergies_is_still_reported(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] my knee.
[doctor] any allergies?
[patient] no allergies. but i've had a rash on my arm since monday.""",
    )
    assert any("rash" in t for t in texts(draft, "subjective", "ros"))


def test_a_dose_named_in_an_explanation_orders_nothing():
    from soapify.nlp.engines.rules import _Builder
    from soapify.nlp.engines.text import Sentence

    def doctor(text):
        return Sentence(start=0, end=len(text), text=text, speaker="doctor", segment_id=None, turn=0)

    said = doctor("that swelling is a well known side effect of nifedipine, especially at sixty milligrams.")
    ordered = doctor("this is a side effect, so i'll lower the nifedipine to thirty milligrams.")
    assert _Builder.doctor_remark(said, "assessment") == "assessment"
    assert _Builder.doctor_remark(ordered, "assessment") == "plan"


RESOLVED = """[doctor] what brings you in?
[patient] my knee has been swollen for a week. i also had a fever until last tuesday, and then it went away.
[doctor] any numbness?
[patient] i had numbness in my foot until yesterday, but i have a headache now."""


def test_a_symptom_that_lasted_until_a_day_gone_by_is_reported_resolved(engine):
    ros = texts(g(engine, RESOLVED), "subjective", "ros")
    assert "Reports fever, resolved." in ros, ros
    assert not any(t == "Reports fever." for t in ros), ros
    assert "Reports headache." in ros, ros


DEFERRED = """[patient] is there anything i can take every day so the attacks stop?
[doctor] you'd qualify for a daily preventive. options would be something like verapamil, or nortriptyline at bedtime.
[patient] um, can i hold off on the daily pill for now? i have a wedding to plan and i don't want to feel groggy.
[doctor] that's fair. keep a diary and we'll talk again in two months."""


def test_a_deferral_asked_for_declines_the_drugs_offered(engine):
    plan = items(g(engine, DEFERRED), "plan", "medication")
    assert plan, plan
    assert all(it["text"].startswith("Declined: ") for it in plan), plan
