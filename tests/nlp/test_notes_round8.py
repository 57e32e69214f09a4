"""The rules engine on general mechanisms of the eighth English round (made-up dialogue, complaints and
wording not taken from the visits the round read). Several dialogues are written without question marks,
as speech recognition and many typed transcripts give them."""

from __future__ import annotations

from tests.nlp.drafting import checked_draft as g
from tests.nlp.drafting import items, texts


def subjective(draft: dict) -> list[str]:
    return texts(draft, "subjective")


def everything(draft: dict) -> list[str]:
    return [t for section in ("subjective", "objective", "assessment", "plan") for t in texts(draft, section)]


# ---------------------------------------------------------------- questions without a question mark


def test_a_question_about_anyone_or_about_the_child_is_no_statement(engine):
    draft = g(
        engine,
        """[doctor] so what's brought you both in today
[patient] she's had a barking cough for two nights, worse at night.
[doctor] anybody at home been poorly
[patient] her big brother had a cold last week.
[doctor] is she drinking alright
[patient] yes, juice and milk, fine.
[doctor] anyone in the family with asthma
[patient] no, nobody.""",
    )
    said = everything(draft)
    assert not any(
        t.lower().startswith(("anybody at home", "anyone in the family", "is she drinking")) for t in said
    )


# ---------------------------------------------------------------- the plan said back

SINUSITIS = """[doctor] what's the trouble
[patient] my face hurts over the cheeks and my nose has been blocked for twelve days.
[doctor] any fever
[patient] a little at the start.
[doctor] okay, let me have a look. your cheeks are tender when i press, and there's thick discharge in the nose.
[doctor] this is a bacterial sinusitis.
[doctor] i'll prescribe cefuroxime two hundred and fifty milligrams twice a day for ten days.
[doctor] use a saline rinse morning and night, and come back if it's not better in a week.
[doctor] is that all clear
[patient] yep, the cefuroxime twice a day, the salt rinse, back in a week if no better."""


def test_the_answer_to_a_check_of_understanding_is_no_history(engine):
    draft = g(engine, SINUSITIS)
    meds = [it for it in items(draft, "subjective") if it["kind"] == "medication"]
    assert not any(it.get("name") == "cefuroxime" for it in meds)  # the new prescription is not taken now
    assert not any("salt rinse" in t for t in subjective(draft))
    assert any("cefuroxime" in t for t in texts(draft, "plan"))


def test_a_new_complaint_in_the_answer_to_a_check_of_understanding_stays(engine):
    draft = g(
        engine,
        SINUSITIS.rsplit("\n", 1)[0] + "\n[patient] yes, but i've also got a rash on my arm since monday.",
    )
    assert any("rash" in t.lower() for t in subjective(draft))


def test_a_short_sentence_of_the_doctors_own_words_after_the_plan_is_no_history(engine):
    draft = g(
        engine,
        """[doctor] what can i do for you
[patient] my knee's been swollen and sore for three weeks, and i've been taking naproxen for it.
[doctor] let me examine it. there's fluid in the right knee, and it's warm.
[doctor] i want to drain it and send the fluid off, and please hold the naproxen until i've seen the results.
[patient] okay. so no naproxen for now
[doctor] that's right.""",
    )
    assert not any("no naproxen" in t.lower() for t in subjective(draft))
    meds = [
        it for it in items(draft, "subjective") if it["kind"] == "medication" and it.get("name") == "naproxen"
    ]
    assert len(meds) == 1 and not meds[0]["negated"]  # the read-back adds no second, "not taken" line


def test_a_medicine_held_for_a_time_is_no_order(engine):
    draft = g(
        engine,
        """[doctor] what can i do for you
[patient] my knee's been swollen and sore for three weeks, and i've been taking naproxen for it.
[doctor] let me examine it. there's fluid in the right knee, and it's warm.
[doctor] i want to drain it and send the fluid off, and please hold the naproxen until i've seen the results.""",
    )
    nap = [it for it in items(draft, "plan", "medication") if it.get("name") == "naproxen"]
    assert nap and all(it.get("stopped") and it["text"].startswith("Hold") for it in nap)


# ---------------------------------------------------------------- medicines not to take again, or as a cause


def test_a_medicine_not_to_be_restarted_is_a_stop_not_an_order(engine):
    draft = g(
        engine,
        """[doctor] how's the blood pressure been
[patient] okay, but i stopped the lisinopril last month, it gave me a dry cough.
[doctor] your pressure today is one thirty eight over eighty six.
[doctor] i'll put you on losartan fifty milligrams once a day instead, and don't restart the lisinopril.""",
    )
    plan = items(draft, "plan")
    lis = [it for it in plan if it["kind"] == "medication" and it.get("name") == "lisinopril"]
    assert lis and all(it.get("stopped") for it in lis)
    assert any(it.get("name") == "losartan" and not it.get("stopped") for it in plan)


def test_a_medicine_named_as_a_cause_is_neither_taken_nor_ordered(engine):
    draft = g(
        engine,
        """[doctor] what's been happening
[patient] i've had black stools for three days and i feel light-headed when i stand.
[doctor] any pain relief you've been using
[patient] just paracetamol.
[doctor] okay. you look pale, your pulse is one hundred and four and your tummy is tender up top.
[doctor] aspirin can irritate the stomach lining and make it bleed.""",
    )
    named = [
        it
        for section in ("subjective", "plan")
        for it in items(draft, section)
        if it["kind"] == "medication" and it.get("name") == "aspirin"
    ]
    assert named == []


# ---------------------------------------------------------------- advice after the exam


def test_advice_said_as_an_instruction_after_the_exam_is_plan(engine):
    draft = g(
        engine,
        """[doctor] what's the problem
[patient] i wake up at night with a burning in my chest and a bitter taste, for about a month now.
[doctor] do you smoke
[patient] no, never.
[doctor] let me feel your tummy. it's soft, a little tender just below the ribs.
[doctor] this looks like reflux.
[doctor] try not to snack after nine at night, smaller portions, and prop your pillows up a bit.
[doctor] try not to have coffee after lunch.""",
    )
    plan = texts(draft, "plan")
    assert any("snack after nine" in t for t in plan)
    assert any("coffee after lunch" in t for t in plan)
    assert not any("snack" in t for t in texts(draft, "assessment"))
