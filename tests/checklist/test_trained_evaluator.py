"""The default evaluator (keywords + MiniLM + the trained section classifier) on the visits that
fooled the keyword rules: a child brought in by a parent, statements instead of questions, numbers
as answers, a new prescription that is not medication history. Real MiniLM, real artifact."""

from __future__ import annotations

import pytest

from soapify.checklist.engines.rules import RulesEvaluator
from soapify.checklist.engines.topics import ARTIFACT, SECTIONS, load_classifier, pattern_hits, segments
from soapify.checklist.starter import catalog_by_key, item_spec
from soapify.core.transcript import parse_dialogue

EAR_VISIT = """[doctor] hi there , what seems to be the problem with your son today ?
[patient] he has had a fever for two days and he keeps pulling at his ear .
[doctor] how high has the fever been ?
[patient] the highest was thirty nine point five .
[doctor] is he taking any medicines at the moment ?
[patient] just some children's tylenol when the fever goes up .
[doctor] okay , let me take a look . the right ear drum is red and bulging .
[doctor] he has an ear infection . i will prescribe amoxicillin twice a day for ten days .
[doctor] bring him back if the fever lasts more than three more days .
[patient] okay , thank you doctor ."""

NO_MEDS_VISIT = """[doctor] what brings you in today ?
[patient] i have had a sore throat since yesterday .
[doctor] let me look at your throat . your tonsils are swollen with white patches .
[doctor] this looks like strep throat . i will prescribe penicillin for ten days ."""


def evaluate(evaluator: RulesEvaluator, dialogue: str, *keys: str) -> dict:
    catalog = catalog_by_key()
    transcript = parse_dialogue(dialogue)
    results = evaluator.evaluate(transcript, [item_spec(catalog[k]) for k in keys])
    for r in results:  # evidence is always exact transcript text
        if r.anchor_positions:
            a = r.anchor_positions[0]
            assert transcript.text[a["start"] : a["end"]] == r.evidence_text
    return {r.item_id: r for r in results}


def test_the_artifact_is_small_and_knows_every_section():
    assert ARTIFACT.stat().st_size < 100_000
    clf = load_classifier()
    assert clf.sections == SECTIONS
    assert clf.weights.shape == (len(SECTIONS), 384)
    assert clf.meta["holdout_snippet_accuracy"] > 0.5


def test_chief_complaint_asked_about_a_child_is_covered_by_the_parents_answer(evaluator):
    r = evaluate(evaluator, EAR_VISIT, "chief_complaint")["chief_complaint"]
    assert r.status == "covered"
    assert r.evidence_text.startswith("he has had a fever for two days")
    assert r.notes.startswith("Covered")


def test_diagnosis_stated_about_a_third_person_is_covered(evaluator):
    r = evaluate(evaluator, EAR_VISIT, "diagnosis_stated")["diagnosis_stated"]
    assert r.status == "covered"
    assert "ear infection" in r.evidence_text


def test_an_examination_finding_covers_the_exam(evaluator):
    r = evaluate(evaluator, EAR_VISIT, "physical_exam")["physical_exam"]
    assert r.status == "covered"


def test_severity_answered_by_a_number_is_covered(evaluator):
    r = evaluate(evaluator, EAR_VISIT, "severity")["severity"]
    assert r.status == "covered"
    assert "thirty nine point five" in r.evidence_text
    assert "severity" in r.notes


def test_a_conditional_return_is_safety_net_advice(evaluator):
    results = evaluate(evaluator, EAR_VISIT, "safety_net", "follow_up")
    assert results["safety_net"].status == "covered"
    assert "bring him back if" in results["safety_net"].evidence_text
    # a return only "if" something happens is not a scheduled follow-up: touched, not covered
    assert results["follow_up"].status == "partial"


def test_a_new_prescription_is_the_plan_not_the_medication_history(evaluator):
    results = evaluate(evaluator, NO_MEDS_VISIT, "current_medications", "medication_plan")
    assert results["current_medications"].status != "covered"
    assert results["current_medications"].generated_question
    # the plan, though without a dose ("New, changed, continued or stopped medicines with dose"): partial (round 8)
    assert results["medication_plan"].status == "partial"
    assert "the dose" in results["medication_plan"].notes


def test_medication_history_answered_by_the_parent_is_covered(evaluator):
    r = evaluate(evaluator, EAR_VISIT, "current_medications")["current_medications"]
    assert r.status == "covered"
    assert "tylenol" in r.evidence_text


def test_topics_never_discussed_stay_missing(evaluator):
    results = evaluate(evaluator, EAR_VISIT, "smoking", "alcohol", "surgical_history", "family_history")
    for key, r in results.items():
        assert r.status == "missing", key
        assert r.notes.startswith("Missing")


KNEE_VISIT = """[doctor] hi there , what brings you in today ?
[patient] my knee has been hurting for two weeks .
[doctor] okay .
[patient] uh- .
[patient] sure .
[doctor] okay with you ?
[patient] and it felt ridiculous .
[doctor] let me take a look . there is some swelling over the right knee .
[doctor] i think this is a sprain . take ibuprofen and rest it ."""


def test_a_sentence_that_says_nothing_never_decides_an_item():
    said = {seg.text: seg.says_something for seg in segments(parse_dialogue(KNEE_VISIT))}
    for filler in ("uh- .", "okay .", "sure ."):
        assert said[filler] is False, filler
    assert said["let me take a look ."] is True  # a statement, if not about any item
    # a question keeps its answer, however short: the question names the topic
    assert said["okay with you ? and it felt ridiculous ."] is True


LAB_VISIT = """[doctor] hi , vincent . how are you ?
[patient] i'm good . how about you ?
[doctor] i'm good . okay .
[doctor] vincent is a 56-year-old male here with abnormal lab findings .
[doctor] so , i've heard you were in the er and they found that you had a low hemoglobin .
[patient] yup .
[doctor] have you noticed bleeding from anywhere ?
[patient] i have not ."""


def test_greetings_say_nothing_and_the_doctor_stating_the_reason_covers_the_chief_complaint(evaluator):
    said = {seg.text: seg.says_something for seg in segments(parse_dialogue(LAB_VISIT))}
    assert said["how are you ? i'm good . how about you ?"] is False
    # the chief complaint is the patient's first complaint, or the reason for the visit as the
    # doctor states it (ambient-scribe visits open that way)
    r = evaluate(evaluator, LAB_VISIT, "chief_complaint")["chief_complaint"]
    assert r.status == "covered"
    assert r.evidence_text == "vincent is a 56-year-old male here with abnormal lab findings ."
    assert "reason_for_visit" in r.details["reason"]


def test_a_sentence_about_something_else_does_not_make_an_item_partial(evaluator):
    # the section classifier gives "okay with you ? and it felt ridiculous ." some probability of past
    # surgery (0.42 with the shipped weights): a guess, below the partial threshold (0.45, calibrated
    # on the training splits); at 0.3 this visit's surgical history was "partial", with that evidence
    r = evaluate(evaluator, KNEE_VISIT, "surgical_history")["surgical_history"]
    assert r.status == "missing"
    assert r.evidence_text == ""


def test_a_custom_item_gets_a_profile_from_its_own_text(evaluator):
    spec = item_spec(catalog_by_key()["allergies"])
    custom = type(spec)(
        id="custom",
        title="Immunisations",
        description="Childhood vaccines up to date.",
        keywords={"any": ["vaccin*", "immuni*", "shots"]},
        question_template="Are his vaccines up to date?",
    )
    transcript = parse_dialogue(
        EAR_VISIT + "\n[doctor] are his shots up to date ?\n[patient] yes , all of them ."
    )
    (r,) = evaluator.evaluate(transcript, [custom])
    assert r.status == "covered"
    assert r.details["topic_profile"]["source"] == "classified"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("bring him back if the fever lasts more than three more days .", {"conditional_return"}),
        ("come back in two weeks .", {"return_interval", "scheduled_return"}),
        ("call me if you need anything .", set()),
        ("اگر تب ۳ روز دیگر ادامه داشت فوراً مراجعه کنید", {"conditional_return", "urgent_return"}),
        ("if your blood sugar is above 300 , call us .", {"conditional_return", "urgent_return"}),
        ("دو هفته دیگر مراجعه کنید", {"return_interval", "scheduled_return"}),
        ("vincent is a 56-year-old male here with abnormal lab findings .", {"reason_for_visit"}),
        ("she presents today for follow up of her diabetes .", {"reason_for_visit"}),
        ("برای سردرد اومدید", {"reason_for_visit"}),
        ("my wife is here with me today .", set()),
        ("i'm here with my husband .", set()),
        ("we will see you here for a follow-up in two weeks .", {"return_interval", "scheduled_return"}),
        # an interval and a word of returning, but no return arranged
        ("it should get better in the next week or so .", {"return_interval"}),
        ("برای آزمایش خون به آزمایشگاه مراجعه کنید", set()),
    ],
)
def test_return_advice_patterns(sentence, expected):
    assert pattern_hits(sentence) == expected


FA_VISIT = """پزشک: سلام، چه مشکلی دارید؟
بیمار: از دیروز سرم خیلی درد می‌کنه و تب دارم.
پزشک: به دارویی حساسیت دارید؟
بیمار: نه.
پزشک: عفونت ویروسی است. استامینوفن هر ۸ ساعت بخورید. اگر تب سه روز دیگر ادامه داشت فوراً مراجعه کنید."""

EN_VISIT = """[doctor] what brings you in today ?
[patient] i have had a headache and a fever since yesterday .
[doctor] are you allergic to any medications ?
[patient] no .
[doctor] i think this is a viral infection . take tylenol every eight hours .
[doctor] if the fever lasts three more days , come back right away ."""


@pytest.mark.parametrize("dialogue", [FA_VISIT, EN_VISIT])
def test_a_told_diagnosis_safety_net_advice_and_an_allergy_question_in_both_languages(evaluator, dialogue):
    # the section classifier reads English only: in Persian the told diagnosis ("عفونت ویروسی است")
    # and the keywords ("... فوراً مراجعه کنید", tanween and all) are what decide
    r = evaluate(evaluator, dialogue, "diagnosis_stated", "safety_net", "current_medications", "allergies")
    assert r["diagnosis_stated"].status == "covered"
    assert "ویروسی" in r["diagnosis_stated"].evidence_text or "viral" in r["diagnosis_stated"].evidence_text
    # Persian: "فوراً مراجعه" is the keyword "فورا مراجعه". English: the return pattern is a hint and
    # the section classifier decides between covered and partial; never missing
    if dialogue is FA_VISIT:
        assert r["safety_net"].status == "covered"
    else:
        assert r["safety_net"].status in ("covered", "partial")
    assert r["allergies"].status == "covered"
    # "are you allergic to any medications?" asks about allergies, not the medicines taken
    assert r["current_medications"].status == "missing"


@pytest.mark.parametrize("text", ["فوراً مراجعه کنید", "فورًا مراجعه کنید"])  # tanween after or before the alef
def test_tanween_is_normalised_without_moving_offsets(text):
    from soapify.checklist.engines.base import normalize_text

    assert len(normalize_text(text)) == len(text)
    assert normalize_text(text).startswith("فورا ")


def test_a_diagnosis_is_the_doctors_statement_and_allergies_void_only_the_words_beside_them(evaluator):
    # a family member's condition, told by the patient, is no diagnosis of this visit
    r = evaluate(evaluator, "پزشک: سابقه خانوادگی؟\nبیمار: مادرم دیابت دارد.", "diagnosis_stated")
    assert r["diagnosis_stated"].status == "missing"
    # the medications asked about beside, not inside, an allergy question still count
    both = "[doctor] what medications are you taking , and any allergies ?\n[patient] lisinopril , no allergies ."
    assert evaluate(evaluator, both, "current_medications")["current_medications"].status == "covered"
    only = "[doctor] are you allergic to any medications ?\n[patient] no ."
    assert evaluate(evaluator, only, "current_medications")["current_medications"].status == "missing"


@pytest.mark.parametrize(
    ("dialogue", "expected"),
    [
        # "you have" in the doctor's questions states no diagnosis
        ("[doctor] do you have children ?\n[patient] yes , two boys .\n[doctor] do you have your food diary ?\n"
         "[patient] yes , here it is .", "missing"),
        # a statement with a question tag is a statement
        ("[doctor] you have an ear infection , okay ?\n[patient] okay .", "covered"),
        # a doctor's statement between a question and its answer is not part of the question
        ("[doctor] any questions ? so i think you have a sprained ankle .\n[patient] no questions .", "covered"),
    ],
)  # fmt: skip
def test_a_diagnosis_is_said_not_asked(evaluator, dialogue, expected):
    assert evaluate(evaluator, dialogue, "diagnosis_stated")["diagnosis_stated"].status == expected


@pytest.mark.parametrize(
    ("dialogue", "expected"),
    [
        # an answer about when today's problem began is not an operation, whatever the classifier guesses
        ("[doctor] when did this happen ?\n[patient] uh , it was saturday , so about four , five days ago .",
         "missing"),
        # a surgery the doctor proposes is the plan, not the patient's history
        ("[doctor] from what i'm seeing on your x-ray you're most likely going to need surgery of that foot .\n"
         "[patient] okay .", "missing"),
        ("پزشک: احتمالاً باید عمل جراحی بشید.\nبیمار: باشه.", "missing"),
        # the patient's own operations, with or without the word "surgery" in the answer
        ("[doctor] have you had any surgeries ?\n[patient] yes , i had my appendix out when i was twelve .",
         "covered"),
        ("[patient] i actually had surgery about ten years ago on my lower back .", "covered"),
        ("پزشک: سابقه جراحی دارید؟\nبیمار: بله، پنج سال پیش کیسه صفرا رو عمل کردم.", "covered"),
    ],
)  # fmt: skip
def test_surgical_history_is_the_patients_past_operations(evaluator, dialogue, expected):
    assert evaluate(evaluator, dialogue, "surgical_history")["surgical_history"].status == expected


@pytest.mark.parametrize(
    "remark",
    ["that's fine .", "you did good .", "my name is doctor x and i will be taking care of you today ."],
)
def test_a_doctors_passing_remark_is_not_an_examination(evaluator, remark):
    dialogue = f"[doctor] what brings you in today ?\n[patient] my knee hurts .\n[doctor] {remark}"
    r = evaluate(evaluator, dialogue, "physical_exam")["physical_exam"]
    assert r.status == "missing", r.notes


def test_the_classifier_alone_threshold_is_read_from_the_map():
    from soapify.checklist.engines.topics import starter_profiles

    profiles = starter_profiles()
    assert profiles["physical_exam"].unhinted_min == 0.8
    assert profiles["chief_complaint"].unhinted_min == 0.0


FA_THROAT = """پزشک: سلام، بفرمایید. چه مشکلی دارید؟
بیمار: سلام آقای دکتر. از سه روز پیش تب و گلودرد دارم.
پزشک: دارویی مصرف می‌کنید؟
بیمار: فقط استامینوفن خوردم.
پزشک: به نظرم فارنژیت باکتریال است. آزیترومایسین ۵۰۰ میلی‌گرم روزی یک بار به مدت سه روز تجویز می‌کنم."""


def test_a_persian_visit_onset_diagnosis_and_the_answer_after_a_greeting(evaluator):
    r = evaluate(evaluator, FA_THROAT, "chief_complaint", "onset", "duration", "diagnosis_stated")
    # the answer to "what is the problem?" is the complaint, not the greeting before it
    assert r["chief_complaint"].status == "covered"
    assert r["chief_complaint"].evidence_text.endswith("از سه روز پیش تب و گلودرد دارم.")
    assert r["onset"].status == "covered" and "سه روز پیش" in r["onset"].evidence_text
    # the course of the prescription ("به مدت سه روز") is not how long the symptom has lasted
    assert "تجویز" not in r["duration"].evidence_text
    assert r["diagnosis_stated"].status == "covered" and "فارنژیت" in r["diagnosis_stated"].evidence_text


@pytest.mark.parametrize(
    "said",
    ["سلام آقای دکتر.", "سلام خانم دکتر، خسته نباشید.", "hello doctor smith.", "good morning, doctor."],
)
def test_a_greeting_with_a_title_is_a_pleasantry(said):
    from soapify.nlp.engines.lexicons import is_pleasantry

    assert is_pleasantry(said)
    assert not is_pleasantry("سلام، سرم خیلی درد می‌کنه.")


FA_REFERRAL = """پزشک: سلام خانم احمدی، وقتتون بخیر. چی شده؟
بیمار: سلام دکتر. از دیشب دلم خیلی درد می‌کنه، سمت راست پایین.
پزشک: دردتون از یک تا ده چند است؟
بیمار: حدود هشت.
پزشک: احتمال آپاندیسیت هست. شما را به اورژانس جراحی ارجاع می‌دهم."""


def test_persian_items_are_decided_by_what_was_said_not_by_the_english_classifier(evaluator):
    r = evaluate(evaluator, FA_REFERRAL, "chief_complaint", "location", "severity", "safety_net", "referral")
    # the English-only classifier once picked "حدود هشت." (the pain score) as the chief complaint
    assert "دلم خیلی درد" in r["chief_complaint"].evidence_text
    # where, not whether it spreads: "Location and radiation" in part (round 8's parts, both languages)
    assert r["location"].status == "partial" and "سمت راست" in r["location"].evidence_text
    assert r["severity"].status == "covered"
    # a referral to the emergency department now is the plan, not "come back if ..." advice
    assert r["referral"].status == "covered"
    assert r["safety_net"].status == "missing"


def test_a_plain_no_that_opens_a_longer_answer_is_still_the_answer(evaluator):
    dialogue = (
        "[doctor] do you have any allergies ?\n[patient] no . i'm on lisinopril for blood pressure though .\n"
        "[doctor] do you smoke ?\n[patient] no . i quit ten years ago ."
    )
    r = evaluate(evaluator, dialogue, "allergies", "smoking")
    assert r["allergies"].details["polarity"] == "negated"
    assert r["smoking"].details["polarity"] == "negated"


EN_DIABETES = """[doctor] how have you been since your last visit ?
[patient] pretty good overall . i'm here for my diabetes follow-up .
[doctor] what medications are you taking right now ?
[patient] metformin 1000 mg twice a day and lisinopril 10 mg once a day .
[doctor] on exam , monofilament sensation is decreased in both feet . pedal pulses are present .
[doctor] so your type 2 diabetes is not well controlled , and you have early diabetic peripheral neuropathy .
[doctor] i'm going to add empagliflozin 10 mg once daily . and i'd like to start atorvastatin 40 mg at bedtime .
[doctor] if your blood sugar is above 300 or below 70 , call us ."""


def test_a_follow_up_visit_evidence_is_what_a_physician_would_point_to(evaluator):
    r = evaluate(evaluator, EN_DIABETES, "onset", "diagnosis_stated", "medication_plan", "safety_net")
    assert r["onset"].status == "missing"  # "i'd like to start atorvastatin" is the plan
    assert r["diagnosis_stated"].evidence_text.startswith("so your type 2 diabetes")
    assert "empagliflozin" in r["medication_plan"].evidence_text  # not the medicines taken now
    assert r["safety_net"].status == "covered" and "call us" in r["safety_net"].evidence_text


def test_a_persian_told_diagnosis_and_prescription_by_their_usual_words(evaluator):
    dialogue = (
        "پزشک: به نظرم عفونت گوش میانی راست داره، اوتیت مدیای حاد.\n"
        "پزشک: آزیترومایسین شربت براش می‌نویسم، روزی یک بار پنج میلی‌لیتر."
    )
    r = evaluate(evaluator, dialogue, "diagnosis_stated", "medication_plan")
    assert r["diagnosis_stated"].status == "covered" and "اوتیت" in r["diagnosis_stated"].evidence_text
    assert r["medication_plan"].status == "covered"
