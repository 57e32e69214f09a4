"""The rules engine on general mechanisms of the tenth English round (made-up dialogue, complaints and
wording not taken from the visits the round read). Typed without question marks, as speech recognition
gives them."""

from __future__ import annotations

from tests.nlp.drafting import checked_draft as g
from tests.nlp.drafting import items, texts


def problems(draft: dict) -> list[str]:
    return [t.lower() for t in texts(draft, "assessment", "problem")]


def named_problems(draft: dict) -> set[str]:
    return {it.get("problem") or "" for it in items(draft, "assessment")}


def chief(draft: dict) -> list[str]:
    return [t.lower() for t in texts(draft, "subjective", "chief_complaint")]


def current_meds(draft: dict) -> str:
    """The medicines listed as taken now (not those marked no longer taken)."""
    return " ".join(
        it["text"] for it in items(draft, "subjective", "medication") if not it.get("negated")
    ).lower()


# ---------------------------------------------------------------- tests ordered are tests


def test_tests_the_doctor_will_do_book_or_add_are_tests_not_instructions(engine):
    draft = g(
        engine,
        """[doctor] what's the trouble today
[patient] i've been getting dizzy when i climb the stairs for about a month
[doctor] okay, i'll book you a heart monitor to wear for a day
[doctor] and we'll repeat the tsh in a couple of months
[doctor] i'll add a ferritin as well
[doctor] and i'm going to do a urine test before you leave""",
    )
    tests = " ".join(texts(draft, "plan", "test")).lower()
    assert "heart monitor" in tests
    assert "tsh" in tests
    assert "ferritin" in tests
    assert "urine test" in tests
    assert not any("monitor" in t.lower() for t in texts(draft, "plan", "instruction"))


# ---------------------------------------------------------------- the chief complaint in everyday words


def test_a_racing_heart_is_palpitations_as_the_chief_complaint(engine):
    draft = g(
        engine,
        """[doctor] so what brings you along
[patient] well, my heart has started doing this pounding thing at night, it wakes me up
[doctor] any dizziness with it
[patient] once i felt a bit dizzy, that's all""",
    )
    assert chief(draft) == ["palpitations."]


def test_falling_again_and_again_is_falls_though_the_doctor_asks_how_you_are(engine):
    draft = g(
        engine,
        """[doctor] hello there, how are things
[patient] not so good. my son says i keep falling over and i should get it looked at
[doctor] tell me about the last one
[patient] i went down in the hallway on sunday. my back has been aching since""",
    )
    assert chief(draft) == ["falls."]


def test_tell_me_about_that_is_no_opening_question(engine):
    draft = g(
        engine,
        """[doctor] morning, how are you getting on
[patient] my heart keeps racing when i lie down
[doctor] tell me about that
[patient] it lasts a minute or so. i get a bit of a headache after""",
    )
    assert chief(draft) == ["palpitations."]


def test_a_named_part_killing_the_patient_is_its_pain(engine):
    draft = g(
        engine,
        """[doctor] what's happened
[patient] it's my hand, my little finger, it's killing me since i caught it in the door""",
    )
    assert chief(draft) == ["little finger pain."]


# ---------------------------------------------------------------- the relative's condition, the patient's diagnosis


def test_the_doctors_remark_on_a_relatives_condition_is_no_problem(engine):
    draft = g(
        engine,
        """[doctor] what brings you in
[patient] i keep getting short of breath walking up hills
[doctor] any heart trouble in the family
[patient] my mum has a heart thing, she takes water tablets for it
[doctor] that sounds like heart failure, that's quite common at her age
[doctor] so listening to your chest today there's a wheeze on both sides
[doctor] i think this is asthma
[doctor] i'll start you on an inhaler""",
    )
    assert "heart failure" not in " ".join(problems(draft))
    assert "asthma" in named_problems(draft)


def test_a_condition_called_by_its_name_or_these_being_it_is_the_diagnosis(engine):
    draft = g(
        engine,
        """[doctor] what's brought you in
[patient] i get faint every time i stand up from the sofa
[doctor] your pressure falls a lot when you stand. it's called orthostatic hypotension
[doctor] i'll check your bloods today""",
    )
    assert "orthostatic hypotension" in named_problems(draft)
    assert not any("hypotension" in t.lower() for t in texts(draft, "objective", "exam"))
    draft = g(
        engine,
        """[doctor] what's brought you in
[patient] i keep getting these sudden waves of fear, shaking and sweating
[doctor] the most likely explanation is that these are panic attacks""",
    )
    assert "panic attacks" in named_problems(draft)


# ---------------------------------------------------------------- medicines not taken now


def test_someone_elses_medicine_and_a_question_about_it_are_not_current(engine):
    draft = g(
        engine,
        """[doctor] what can i do for you
[patient] my lower back has been aching for a week
[doctor] have you taken anything for it
[patient] a couple of my brother's diclofenac, he had them left over
[doctor] okay. and you take anything regularly
[patient] just amlodipine for my blood pressure
[patient] can i take diclofenac then, like his""",
    )
    meds = current_meds(draft)
    assert "amlodipine" in meds
    assert "diclofenac" not in meds


def test_a_course_said_for_like_a_year_ended(engine):
    draft = g(
        engine,
        """[doctor] what brings you in
[patient] i've been feeling really low since the spring
[doctor] have you felt like this before
[patient] years back. i was on citalopram for like two years""",
    )
    assert "citalopram" not in current_meds(draft)


# ---------------------------------------------------------------- explanations and advice are no problems


def test_advice_and_a_definition_in_the_impression_are_no_problems(engine):
    draft = g(
        engine,
        """[doctor] what's the problem today
[patient] i've had a sore, swollen ankle since saturday, the joint at the side
[doctor] let me look. the ankle is warm and swollen
[doctor] so i think this is gout
[doctor] urate is the chemical that builds up in the blood, that's what gout is
[doctor] for the beer, i'd cut it right down for a few weeks
[doctor] some things that help while it's sore: rest it, raise it, ice it""",
    )
    probs = " ".join(problems(draft))
    assert "gout" in named_problems(draft)
    assert "urate" not in probs
    assert "beer" not in probs
    assert "things that help" not in probs
    assert "urate" not in " ".join(texts(draft, "objective")).lower()
    plan = " ".join(texts(draft, "plan")).lower()
    assert "beer" in plan


def test_what_a_medicine_can_do_in_general_and_a_normal_feel_are_no_problems(engine):
    draft = g(
        engine,
        """[doctor] what's going on
[patient] burning in my chest after every meal for a few months
[doctor] lie back for me. a little tender at the top of the tummy
[doctor] no lumps, the spleen isn't enlarged
[doctor] so i think this is reflux
[doctor] taken most days, naproxen can irritate the stomach lining
[doctor] i'll start omeprazole twenty milligrams once a day""",
    )
    probs = " ".join(problems(draft))
    assert "irritate" not in probs
    assert "lumps" not in probs
    assert any("lumps" in t.lower() for t in texts(draft, "objective", "exam"))


def test_results_announced_and_a_topic_named_are_no_problems(engine):
    draft = g(
        engine,
        """[doctor] good to see you again. so today is the diabetes review
[patient] yes, i did the bloods last week
[doctor] your blood results are back
[doctor] okay, your results. the a1c is seven point two, a bit better than last time""",
    )
    probs = " ".join(problems(draft))
    assert "results are back" not in probs
    assert "diabetes review" not in probs
    assert "your results." not in probs


# ---------------------------------------------------------------- how much of a medicine is no severity


def test_how_much_of_a_medicine_or_how_much_it_affects_the_day_is_no_severity(engine):
    draft = g(
        engine,
        """[doctor] what brings you in
[patient] a throbbing headache most afternoons for three weeks
[doctor] are you taking anything for it
[patient] paracetamol
[doctor] how much of that are you taking
[patient] two tablets, three or four times a day
[doctor] and how much is it affecting your day
[patient] i leave the office at four most days""",
    )
    hpi = " ".join(texts(draft, "subjective", "hpi")).lower()
    assert "severity" not in hpi


def test_how_much_it_affects_the_day_keeps_the_answer_as_history(engine):
    draft = g(
        engine,
        """[doctor] what's been happening
[patient] i'm exhausted all the time, for about three months
[doctor] how much is it affecting you day to day
[patient] i nap in the car at lunch most days""",
    )
    hpi = " ".join(texts(draft, "subjective", "hpi")).lower()
    assert "in the car at lunch" in hpi
    assert "severity" not in hpi


# ---------------------------------------------------------------- the doctor's words kept in their place


def test_the_doctor_reading_out_the_medicines_is_no_exam_finding(engine):
    draft = g(
        engine,
        """[doctor] what brings you in today
[patient] my knee has been swelling up for a fortnight
[doctor] and what do you take regularly
[patient] a water tablet and something for cholesterol
[doctor] bendroflumethiazide, yes, i can see it on the list, two point five milligrams. and the simvastatin forty
[doctor] let me look at the knee. it's swollen with some fluid at the front""",
    )
    objective = " ".join(texts(draft, "objective")).lower()
    assert "bendroflumethiazide" not in objective
    assert "simvastatin" not in objective
    assert "fluid" in objective
    assert "bendroflumethiazide" in " ".join(texts(draft, "subjective", "medication")).lower()


def test_a_have_you_question_with_have_you_left_out_is_a_question(engine):
    draft = g(
        engine,
        """[doctor] what's the matter
[patient] i've had a cough for three weeks
[doctor] lost any weight without trying
[patient] no, my weight's steady""",
    )
    hpi = " ".join(texts(draft, "subjective")).lower()
    assert "lost any weight without trying." not in hpi


def test_a_medicine_for_allergies_is_no_allergy(engine):
    draft = g(
        engine,
        """[doctor] so what's up
[patient] my eyes are streaming and itchy every morning since april
[doctor] tried anything
[patient] i had a few of my daughter's hay fever tablets, the allergy ones from the chemist""",
    )
    assert texts(draft, "subjective", "allergy") == []
    assert "hay fever" not in " ".join(texts(draft, "subjective", "medication")).lower()


# ---------------------------------------------------------------- a count of tablets before their strength


def test_two_five_hundred_milligram_tablets_is_500_mg_not_700(engine):
    from soapify.nlp.engines.text import digits_en, words_to_number

    assert words_to_number("two five hundred") is None
    assert words_to_number("twenty five hundred") == 2500
    assert words_to_number("one hundred forty two") == 142
    assert digits_en("two five hundred milligram tablets") == "two 500 milligram tablets"
    assert digits_en("zero five percent") == "zero five percent"  # no scale word: left as said
    draft = g(
        engine,
        "[doctor] what brings you in\n[patient] my shoulder aches\n"
        "[doctor] take ibuprofen, two two hundred milligram tablets three times a day with food.",
    )
    (med,) = [it for it in items(draft, "plan") if it["kind"] == "medication"]
    assert med["dose"] in ("200", 200, 200.0) and "ibuprofen" in med["text"].lower()
