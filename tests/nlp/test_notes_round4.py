"""The rules engine on the fourth clinician round's defect patterns (made-up English dialogue)."""

from __future__ import annotations

from tests.nlp.drafting import checked_draft as g
from tests.nlp.drafting import items


def meds(draft, section):
    return items(draft, section, "medication")


# ---------------------------------------------------------------- pattern 3: declines, limits, stops

KNEE_REFERRAL = """[doctor] what brings you in?
[patient] my left knee has been aching for two weeks.
[doctor] this looks like patellofemoral pain. i want to send you to physical therapy for six sessions.
[patient] well, i don't think i can manage that, the sessions cost too much with my insurance. i'd rather just try the stretches on my own.
[doctor] that's fine. i'll print some knee exercises for you."""


def test_a_referral_turned_down_in_everyday_words_is_declined(engine):
    draft = g(engine, KNEE_REFERRAL)
    (ref,) = items(draft, "plan", "referral")
    assert ref["negated"] and ref["text"].startswith("Declined: ")
    # the reason given with the refusal is its evidence, not social history
    assert not any("stretches" in it["text"] for it in items(draft, "subjective"))
    assert any("exercises" in it["text"] for it in items(draft, "plan", "instruction"))


SORE_THROAT_OPTION = """[doctor] what brings you in?
[patient] my throat has been sore for three days.
[doctor] this looks like a viral sore throat. drink plenty of warm fluids. you could also take some ibuprofen if you want, it takes the edge off.
[patient] i'll skip the pills, the warm drinks are enough for me.
[doctor] okay."""


def test_a_declined_option_marks_the_option_not_the_advice_before_it(engine):
    draft = g(engine, SORE_THROAT_OPTION)
    plan = items(draft, "plan")
    fluids = [it for it in plan if "fluids" in it["text"]]
    assert fluids and not any(it["negated"] for it in fluids)
    declined = [it for it in plan if it["negated"]]
    assert len(declined) == 1 and declined[0].get("name") == "ibuprofen"
    assert not any("ibuprofen" in it["text"] for it in items(draft, "assessment"))


LIMIT = """[doctor] how often do you take something for the pain?
[patient] ibuprofen, three tablets most days.
[doctor] i think the ibuprofen is contributing to the rebound headaches. please use the ibuprofen no more than three days a week."""


def test_a_limit_is_the_frequency_and_a_cause_is_no_order(engine):
    draft = g(engine, LIMIT)
    (taken,) = meds(draft, "subjective")
    assert (taken["name"], taken["frequency"]) == ("ibuprofen", "most days")
    (order,) = meds(draft, "plan")
    assert order["frequency"] == "no more than three days a week"


STOP_AFTER_LIST = """[doctor] let me read back your medicines. so losartan fifty milligrams once a day, furosemide forty milligrams in the morning, and atorvastatin twenty milligrams at night.
[patient] that's right.
[doctor] your potassium is low, so i'm going to stop the furosemide. keep the others the same."""


def test_a_stopped_medicine_is_not_also_an_active_order(engine):
    draft = g(engine, STOP_AFTER_LIST)
    furosemide = [it for it in meds(draft, "plan") if it["name"] == "furosemide"]
    assert len(furosemide) == 1 and furosemide[0]["stopped"]
    # the list read back is what the patient takes
    assert [it["name"] for it in meds(draft, "subjective")] == ["losartan", "furosemide", "atorvastatin"]
    assert meds(draft, "subjective")[1]["dose"] == "40"


# ---------------------------------------------------------------- patterns 1 and 4: the medication list

WRIST_ORDER = """[doctor] what happened?
[patient] i fell on my wrist skating on saturday.
[doctor] it's a wrist sprain. i'm going to prescribe ibuprofen six hundred milligrams three times a day with meals.
[doctor] and tramadol fifty milligrams at night for the worst pain, it can make you sleepy."""


def test_a_second_drug_said_after_a_prescription_is_a_plan_medication(engine):
    draft = g(engine, WRIST_ORDER)
    assert meds(draft, "subjective") == []
    assert [(m["name"], m["dose"]) for m in meds(draft, "plan")] == [("ibuprofen", "600"), ("tramadol", "50")]


OTHERS_AND_PAST = """[doctor] did you bring your pill bottles?
[patient] yes, here. lisinopril ten milligrams once a day.
[doctor] and finasteride...
[doctor] is this one yours?
[patient] no, that's my brother's. he left it in my car.
[doctor] any antibiotics before?
[patient] once, years ago. they gave me doxycycline for a chest infection."""


def test_someone_elses_and_past_drugs_are_not_current_medications(engine):
    draft = g(engine, OTHERS_AND_PAST)
    assert [m["name"] for m in meds(draft, "subjective")] == ["lisinopril"]


SPLIT_DOSE = """[doctor] are you still taking the glipizide five milligrams twice a day?
[patient] yes, one with breakfast, one at bedtime."""


def test_a_schedule_split_into_its_doses_keeps_the_asked_frequency(engine):
    draft = g(engine, SPLIT_DOSE)
    (med,) = meds(draft, "subjective")
    assert (med["name"], med["dose"], med["frequency"]) == ("glipizide", "5", "twice a day")


ALIAS = """[doctor] you have strep throat. i'm going to prescribe amoxicillin, that's amoxil, five hundred milligrams twice a day for ten days.
[doctor] you can keep giving ibuprofen for the fever. the ibuprofen would be ten mls every six hours as needed."""


def test_one_line_per_medicine(engine):
    draft = g(engine, ALIAS)
    names = [m["name"] for m in meds(draft, "plan")]
    assert names == ["amoxicillin", "ibuprofen"]
    (ibu,) = [m for m in meds(draft, "plan") if m["name"] == "ibuprofen"]
    assert (ibu["dose"], ibu["unit"]) == ("10", "mL")


# ---------------------------------------------------------------- pattern 2: "no" to a red-flag question

RED_FLAGS = """[doctor] what brings you in?
[patient] i've had neck pain for a week after gardening.
[doctor] any weakness in your arms, or trouble with your balance or walking?
[patient] no, nothing like that.
[doctor] any fever, night sweats, history of cancer?
[patient] no, no and no.
[doctor] does it wake you up at night?
[patient] no.
[doctor] any nausea, blurred vision, dizziness or ringing in your ears?
[patient] no nausea. no.
[doctor] any pain in your chest or your jaw?
[patient] no, just the neck, like a knot back here."""


def test_a_no_to_a_multi_item_red_flag_question_is_a_denial_of_what_was_asked(engine):
    draft = g(engine, RED_FLAGS)
    texts = [it["text"] for it in items(draft, "subjective") if it["negated"]]
    assert "Denies weakness in their arms, or trouble with their balance or walking." in texts
    assert "Denies fever, night sweats, history of cancer." in texts
    assert 'Asked "does it wake you up at night?": no.' in texts
    assert "Denies nausea, blurred vision, dizziness or ringing in their ears." in texts
    assert "Denies pain in their chest or their jaw." in texts
    # nothing garbled ("no and no"), and the partial answer's own words are not a denial
    assert not any("no and no" in t for t in texts)
    assert not any("knot" in t for t in texts)


def test_a_no_to_a_question_about_something_else_is_no_denial(engine):
    draft = g(
        engine,
        "[doctor] did you bring your pill bottles?\n[patient] no.\n[doctor] do you have a ride home?\n[patient] no.",
    )
    assert items(draft, "subjective") == []


# ---------------------------------------------------------------- pattern 9: allergies

ALLERGY = """[doctor] what brings you in?
[patient] i have a cough for five days.
[doctor] have you had antibiotics before?
[patient] i can't recall which one, but i'm allergic to cefalexin. my face swelled up and i got hives.
[doctor] any other allergies?
[patient] only cats.
[doctor] this looks like bronchitis. i'm going to prescribe azithromycin five hundred milligrams once a day for three days.
[patient] is that okay with my allergy?
[doctor] yes, it's a different family, so it's safe with your allergy."""


def test_an_allergy_is_not_denied_by_a_nearby_not_and_keeps_its_reaction(engine):
    draft = g(engine, ALLERGY)
    allergies = items(draft, "subjective", "allergy")
    cef = [it for it in allergies if it.get("name") == "cefalexin"]
    assert len(cef) == 1 and not cef[0]["negated"]
    assert "hives" in cef[0]["text"]
    # the reaction is no current symptom
    assert not any(it.get("name") == "hives" for it in items(draft, "subjective", "ros"))
    assert [it.get("name") for it in allergies] == ["cefalexin", "cats"]
    # the doctor's reassurance is no allergy entry
    assert not any("safe" in it["text"] for it in allergies)


# ---------------------------------------------------------------- pattern 7: whose words, whose sex

GREETED_MAN = """[doctor] good afternoon mr. olsen, what can i do for you?
[patient] my shoulder has been hurting for two weeks.
[doctor] how are you sleeping?
[patient] badly. my wife just had surgery, she's still in a sling and she needs help at night.
[patient] she's doing better though, she can walk now.
[doctor] you have tenderness over the front of your shoulder."""


def test_the_patients_sex_is_not_taken_from_a_third_persons_pronouns(engine):
    draft = g(engine, GREETED_MAN)
    exam = items(draft, "objective", "exam")
    assert exam and exam[0]["text"].startswith("He has tenderness")
    assert not any(" her shoulder" in it["text"] for it in items(draft, "subjective"))


PARENT = """[doctor] hello, who have we got here?
[patient] this is leo, he's six. i'm his dad.
[patient] he's had a cough for four days.
[patient] to be honest i have the same cough now."""


def test_a_parents_own_complaint_is_not_the_childs(engine):
    draft = g(engine, PARENT)
    texts = [it["text"] for it in items(draft, "subjective", "hpi")]
    assert "To be honest the parent has the same cough now." in texts
    assert not any(t.startswith("He has the same cough") for t in texts)


# ---------------------------------------------------------------- patterns 6 and 10: small talk, history kind

SMALL_TALK = """[doctor] good morning mrs. ferreira, and you brought your son along today.
[patient] hi doctor. so windy out there this morning.
[doctor] it sure is, my umbrella flipped inside out.
[doctor] okay, let's go through your medications first.
[patient] i take metformin five hundred milligrams twice a day.
[doctor] any allergies?
[patient] penicillin.
[doctor] okay, penicillin allergy, good to know."""


def test_small_talk_and_remarks_about_the_visit_are_no_content(engine):
    draft = g(engine, SMALL_TALK)
    texts = [it["text"] for s in draft["sections"].values() for it in s["items"]]
    for said in ("windy", "umbrella", "son along", "go through", "good to know"):
        assert not any(said in t.lower() for t in texts), said
    assert [m["name"] for m in meds(draft, "subjective")] == ["metformin"]
    assert [it.get("name") for it in items(draft, "subjective", "allergy")] == ["penicillin"]


HISTORY_KIND = """[doctor] what happened?
[patient] i was helping my brother carry a sofa up the stairs and i felt a pop in my back.
[doctor] any liver problems or stomach ulcers?
[patient] no.
[doctor] does your father have any heart problems?
[patient] my father had a heart attack at sixty."""


def test_the_patients_own_account_with_a_relative_is_not_family_history(engine):
    draft = g(engine, HISTORY_KIND)
    assert any("sofa" in it["text"] for it in items(draft, "subjective", "hpi"))
    assert not any("sofa" in it["text"] for it in items(draft, "subjective", "family_history"))
    assert any("heart attack" in it["text"] for it in items(draft, "subjective", "family_history"))
    (pmh,) = [it for it in items(draft, "subjective", "past_history") if it["negated"]]
    assert pmh["text"] == "No history of liver problems or stomach ulcers."


# ---------------------------------------------------------------- pattern 1: the doctor's advice is plan

ADVICE = """[doctor] what brings you in?
[patient] my elbow hurts when i grip things, for a month now.
[doctor] you have tenderness over the outer elbow. this looks like tennis elbow.
[doctor] i'm going to prescribe naproxen two hundred twenty milligrams twice a day. take it with food.
[doctor] stay active, but take breaks from the mouse every hour, and do some wrist stretches.
[doctor] cut your gaming down for a couple of weeks.
[patient] can i get a note for my boss?
[doctor] yes, modified duty, no typing over four hours a day for two weeks.
[doctor] if you keep forgetting the evening dose, maybe keep the pills by your phone charger."""


def test_the_doctors_advice_is_in_the_plan(engine):
    draft = g(engine, ADVICE)
    plan = [it["text"] for it in items(draft, "plan")]
    for said in ("with food", "breaks", "gaming", "modified duty", "phone charger"):
        assert any(said in t.lower() for t in plan), said
    others = [it["text"] for s in ("subjective", "objective", "assessment") for it in items(draft, s)]
    for said in ("with food", "breaks", "gaming", "modified duty", "phone charger"):
        assert not any(said in t.lower() for t in others), said


READ_BACK = """[doctor] let me see the bottles. so losartan fifty milligrams once a day, simvastatin twenty milligrams at night, and finasteride...
[doctor] oh, is this one your son's?
[patient] yes, that's his.
[doctor] okay. if you faint or fall, call nine one one."""


def test_a_list_read_back_is_the_medication_list_and_only_the_last_drug_is_someone_elses(engine):
    draft = g(engine, READ_BACK)
    assert [m["name"] for m in meds(draft, "subjective")] == ["losartan", "simvastatin"]
    assert meds(draft, "plan") == []
    (fu,) = items(draft, "plan", "follow_up")
    assert fu["text"].startswith("If the patient faints")


RETRACTED = """[doctor] your ankles are swollen. i'll start furosemide twenty milligrams in the morning.
[doctor] actually, your kidney numbers are borderline, so stop the furosemide and we'll recheck next week."""


def test_an_order_stopped_later_in_the_visit_leaves_only_the_stop(engine):
    draft = g(engine, RETRACTED)
    (med,) = meds(draft, "plan")
    assert med["stopped"] and med["name"] == "furosemide"
    assert meds(draft, "subjective") == []


NO_BUT_HAS = """[doctor] hello mrs. duarte, what brings you in?
[patient] i've had pelvic cramping for two days.
[doctor] is there any chance you could be pregnant?
[patient] no, i had my tubes tied.
[doctor] any pain in your back or your sides?
[patient] no."""


def test_a_no_that_says_what_there_is_is_kept_and_a_denial_uses_the_patients_pronouns(engine):
    draft = g(engine, NO_BUT_HAS)
    texts = [it["text"] for it in items(draft, "subjective")]
    assert any("tubes tied" in t for t in texts)
    assert "Denies pain in her back or her sides." in texts
