"""What twelve new visits showed (thirteenth session): the history told in the patient's own words (a
Persian opening complaint, the medicine already taken, an illness before, a relative's illness, where and
what it is like, how long ago it began, what makes it worse), the plan in the doctor's (a test or a medicine
changed, a word to the clinic if something happens), and words of another sense («نبض منظم», «حساسیت به
نور», «از خواب پا میشید», "could be pregnant"). Short made-up dialogues; real MiniLM, real artifact."""

from __future__ import annotations

import pytest

from soapify.checklist.engines.topics import pattern_hits
from tests.checklist.evaluating import patterns, result, status

# --- the chief complaint in the patient's opening words ---------------------------------------------


@pytest.mark.parametrize(
    "opening",
    [
        "سلام خانم دکتر. سه روزه گلوم درد می‌کنه.",
        "سلام. از دیشب سرفه دارم، نمی‌تونم بخوابم.",
        "قند خونم این هفته خیلی بالا بوده، نگرانم.",
    ],
)
def test_a_persian_opening_complaint_is_the_chief_complaint(evaluator, opening):
    dialogue = f"[doctor] سلام، خوش اومدید، بفرمایید.\n[patient] {opening}\n[doctor] باشه، معاینه‌تون کنم."
    r = result(evaluator, dialogue, "chief_complaint")
    assert r.status == "covered"
    assert opening.split(".")[-2].strip() in r.evidence_text or opening in r.evidence_text


def test_greetings_and_small_talk_are_no_chief_complaint(evaluator):
    fa = "[doctor] سلام آقای کاظمی.\n[patient] سلام آقای دکتر، ممنون، خسته نباشید.\n[doctor] خب فشارتونو بگیرم."
    assert status(evaluator, fa, "chief_complaint") == "missing"
    assert "stated_complaint" not in patterns("[doctor] hello!\n[patient] windy out there today, isn't it.")


# --- the medicine already taken ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "dialogue",
    [
        "[doctor] what have you tried for it?\n[patient] some ibuprofen, maybe twice a day.",
        "[doctor] any fever?\n[patient] a little. i've been giving him motrin at night and it helps.",
        "[doctor] are you still on the lisinopril?\n[patient] yes, every morning.",
        "[doctor] برای این درد چیزی خوردین؟\n[patient] آره، دیروز دو تا ایبوپروفن خوردم.",
    ],
)
def test_a_medicine_the_patient_takes_is_a_current_medication(evaluator, dialogue):
    assert "medicine_taken" in patterns(dialogue)
    assert status(evaluator, dialogue, "current_medications") == "covered"


@pytest.mark.parametrize(
    "dialogue",
    [
        # an old episode's treatment, told by who gave it
        "[doctor] has he had pneumonia before?\n[patient] once. they gave him azithromycin back then.",
        # a drug named with its reaction is an allergy
        "[doctor] any allergies?\n[patient] i took amoxicillin once and got hives all over.",
        # "no" to "are you still taking …?"
        "[doctor] are you still taking the atorvastatin?\n[patient] no.",
    ],
)
def test_a_past_treatment_an_allergy_or_a_no_is_no_medicine_taken(dialogue):
    assert "medicine_taken" not in patterns(dialogue)


# --- illness before, a relative's illness -------------------------------------------------------------


@pytest.mark.parametrize(
    "dialogue",
    [
        "[doctor] have you ever had kidney stones before?\n[patient] yes, once, about five years ago.",
        "[doctor] how many times have you had this?\n[patient] three or four times, always in winter.",
        "[doctor] قبلا سنگ کلیه داشتین؟\n[patient] آره، دو سال پیش.",
        "[doctor] سابقه بیماری قلبی؟\n[patient] نه.",
        "[doctor] you were admitted to hospital in may for pneumonia, right?\n[patient] yes.",
    ],
)
def test_an_illness_before_is_past_medical_history(evaluator, dialogue):
    assert status(evaluator, dialogue, "past_medical_history") == "covered"


def test_a_relatives_illness_before_is_not_the_patients():
    asked = "[doctor] has anyone in your family had kidney stones before?\n[patient] my uncle, i think."
    assert "past_illness" not in patterns(asked)


@pytest.mark.parametrize(
    "said, expected",
    [
        ("my father has high blood pressure and sugar.", True),
        ("برادرم آسم داره، از بچگی.", True),
        ("my mom had it too last week.", False),  # a sick contact
        ("my wife has the flu right now.", False),  # a spouse is no blood relative
        ("با خواهرم اومدم.", False),  # a companion
    ],
)
def test_a_blood_relatives_illness_is_family_history(said, expected):
    dialogue = f"[doctor] anything else?\n[patient] {said}"
    assert ("relative_illness" in patterns(dialogue)) is expected


def test_family_history_told_in_passing_is_covered(evaluator):
    dialogue = "[doctor] any problems with your heart before?\n[patient] not me, but my dad had a heart attack at fifty."
    assert status(evaluator, dialogue, "family_history") == "covered"


# --- where, what it is like, how long, what makes it worse ---------------------------------------------


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # told where, not whether it spreads: "Location and radiation" only in part (round 8)
        ("it hurts right in my left shoulder blade.", "partial"),
        ("the pain goes down the back of my thigh.", "covered"),
        # the same in Persian (one parts mechanism for both languages since the merge)
        ("بالای نافم درد می‌کنه.", "partial"),
    ],
)
def test_where_it_hurts_in_the_patients_words_is_the_location(evaluator, said, expected):
    dialogue = f"[doctor] tell me about the pain.\n[patient] {said}"
    assert status(evaluator, dialogue, "location") == expected


@pytest.mark.parametrize(
    "said",
    [
        "it's a throbbing pain, worst in the morning.",
        "i feel woozy, not like the room is turning.",
        "درد مثل سوزن تو پام می‌زنه.",
        "سرم نبض می‌زنه.",
    ],
)
def test_what_it_feels_like_in_the_patients_words_is_the_character(evaluator, said):
    dialogue = f"[doctor] tell me more.\n[patient] {said}"
    assert status(evaluator, dialogue, "character") == "covered"


def test_the_onset_answer_gives_the_duration_and_a_since_answer_the_onset(evaluator):
    onset = "[doctor] when did the cough start?\n[patient] about five days ago, after a cold."
    assert status(evaluator, onset, "duration") == "covered"
    since = "[doctor] how long have you had the rash?\n[patient] a week or so, since i changed soap."
    assert status(evaluator, since, "onset") == "covered"
    # "when was your last period?" asks when something last happened
    period = "[doctor] when was your last period?\n[patient] about three weeks ago."
    assert "elapsed_since_onset" not in patterns(period)


def test_the_last_few_months_without_for_is_a_duration(evaluator):
    dialogue = "[doctor] any other symptoms?\n[patient] i get heartburn after meals, the past few months."
    assert status(evaluator, dialogue, "duration") == "covered"


@pytest.mark.parametrize(
    "dialogue",
    [
        "[doctor] does anything make it worse?\n[patient] climbing stairs, mostly.",
        "[doctor] tell me more about it.\n[patient] it gets worse when i lie down at night.",
        "[doctor] با غذا خوردن بدتر میشه؟\n[patient] آره، بعد شام.",
    ],
)
def test_what_makes_it_worse_is_the_aggravating_factor(evaluator, dialogue):
    # found, and only half of the item: nothing said about what makes it better (round 8, ``parts``)
    assert status(evaluator, dialogue, "aggravating_relieving") == "partial"
    relieved = dialogue + "\n[patient] resting helps a bit."
    assert status(evaluator, relieved, "aggravating_relieving") == "covered"


def test_feeling_better_is_no_aggravating_factor():
    assert "modifying_factor" not in patterns("[doctor] are you feeling better today?\n[patient] yes, a lot.")


# --- the plan: tests, medicines, safety net ------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "i'll order a chest x-ray and a blood count today.",
        "we'll repeat the thyroid levels in six weeks.",
        "یه سونوگرافی شکم می‌نویسم، تا آخر هفته انجام بدید.",
    ],
)
def test_a_test_the_doctor_orders_is_a_test_ordered(evaluator, said):
    dialogue = f"[patient] okay.\n[doctor] {said}\n[patient] thank you."
    r = result(evaluator, dialogue, "tests_ordered")
    assert r.status == "covered"
    assert r.evidence_text.strip() == said


@pytest.mark.parametrize(
    "said",
    [
        "your x-ray came back normal.",
        "let me check your blood pressure now.",
        "سونوگرافی قبلیتون نرمال بوده.",
    ],
)
def test_a_result_or_a_measurement_is_no_test_planned(said):
    assert "test_planned" not in patterns(f"[doctor] {said}")


def test_a_medicine_changed_is_the_medication_plan_not_the_list_taken(evaluator):
    dialogue = (
        "[doctor] so you take metformin 500 twice a day and lisinopril 10 in the morning.\n"
        "[patient] that's right.\n"
        "[doctor] i'm going to switch the lisinopril to losartan because of the cough.\n"
        "[patient] okay."
    )
    r = result(evaluator, dialogue, "medication_plan")
    assert r.status == "covered"
    assert "switch" in r.evidence_text
    fa = "[doctor] آموکسی‌سیلین رو قطع کنید، سفیکسیم روزی یه دونه شروع می‌کنیم.\n[patient] چشم."
    assert "drug_plan" in patterns(fa)


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("if you pass out or can't catch your breath, call an ambulance.", "urgent_return"),
        ("if you faint again, call nine one one.", "urgent_return"),
        ("if the swelling spreads up your leg, let me know.", "conditional_contact"),
        ("اگه نفسش تنگ شد زود بیاریدش.", "urgent_return"),
        ("اگه قندتون زیر هفتاد اومد به من خبر بدید.", "conditional_contact"),
    ],
)
def test_safety_net_advice_by_its_usual_words(sentence, expected):
    assert expected in pattern_hits(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["اگه سوالی داشتید زنگ بزنید.", "let me know if that works for you.", "if you need a refill, call us."],
)
def test_a_courtesy_or_logistics_is_no_safety_net(sentence):
    found = pattern_hits(sentence)
    assert "conditional_contact" not in found and "urgent_return" not in found


def test_a_persian_safety_net_said_as_let_us_know_is_covered_and_the_urgent_one_is_shown(evaluator):
    dialogue = (
        "[doctor] اگه سرفه‌ش بیشتر شد خبر بدید.\n"
        "[patient] باشه.\n"
        "[doctor] اگه نفسش تنگ شد یا لباش کبود شد فوری ببریدش اورژانس.\n"
        "[patient] چشم."
    )
    r = result(evaluator, dialogue, "safety_net")
    assert r.status == "covered"
    assert "اورژانس" in r.evidence_text


# --- words of another sense ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, dialogue",
    [
        ("medication_adherence", "[doctor] نبضش هشتاد و منظمه.\n[patient] خوبه."),
        ("medication_adherence", "[doctor] خواب منظم داشته باشید، شبا زود بخوابید.\n[patient] چشم."),
        ("allergies", "[doctor] حساسیت به صدا هم دارید؟\n[patient] آره، صدای بلند اذیتم میکنه."),
        ("mood_screen", "[doctor] شبا از خواب بیدار میشید که برید دستشویی؟\n[patient] یه بار."),
        ("vital_signs", "[doctor] سردرد چطوریه؟\n[patient] سرم نبض می‌زنه، سمت راست."),
        ("differential", "[doctor] any chance you might be pregnant?\n[patient] no, i'm on the pill."),
        ("differential", "[doctor] ممکنه اوایل یه کم دلتون درد بگیره، با غذا بخورید.\n[patient] باشه."),
    ],
)
def test_a_word_in_another_sense_covers_nothing(evaluator, key, dialogue):
    assert status(evaluator, dialogue, key) == "missing"


def test_a_test_declined_or_still_to_come_is_no_result_reviewed(evaluator):
    declined = "[doctor] your back exam is reassuring, so we don't need a ct scan today.\n[patient] good."
    assert status(evaluator, declined, "results_reviewed") == "missing"
    later = "[doctor] یه هفته دیگه با جواب سونوگرافی بیاید.\n[patient] چشم."
    assert status(evaluator, later, "results_reviewed") == "missing"


def test_a_persian_finding_over_a_part_the_notes_list_lacks_is_an_exam(evaluator):
    dialogue = "[doctor] روی پهلوی راست حساسیت داره، شکم نرمه.\n[patient] آخ، همونجا درد میکنه."
    assert status(evaluator, dialogue, "physical_exam") == "covered"


def test_blood_pressure_and_weight_are_vital_signs(evaluator):
    dialogue = "[doctor] your blood pressure is 128 over 76.\n[doctor] and you weigh 82 kilos today.\n[patient] okay."
    assert status(evaluator, dialogue, "vital_signs") == "covered"


# --- second pass: blood asked about, a prescription without a verb, a result read out, and more ----------


@pytest.mark.parametrize(
    "dialogue",
    [
        "[doctor] any blood in the stool?\n[patient] i saw a little on the paper once.",
        "[doctor] تو ادرارش خون دیدین؟\n[patient] نه، ندیدیم.",
        "[doctor] استفراغش خونی بوده؟\n[patient] نه، زرد بود.",
    ],
)
def test_blood_asked_about_is_a_red_flag_shown_with_its_question(evaluator, dialogue):
    r = result(evaluator, dialogue, "red_flags")
    assert r.status == "covered"
    assert r.evidence_text.startswith(dialogue.split("\n")[0].removeprefix("[doctor] "))


def test_a_persian_prescription_without_a_verb_is_the_medication_plan(evaluator):
    dialogue = "[doctor] یه آزمایش خون هم بدید.\n[doctor] سفالکسین پونصد میلی‌گرم روزی چهار بار، هفت روز.\n[patient] چشم."
    r = result(evaluator, dialogue, "medication_plan")
    assert r.status == "covered"
    assert "سفالکسین" in r.evidence_text


def test_a_headache_type_is_a_diagnosis(evaluator):
    dialogue = "[doctor] your neurological exam is normal.\n[doctor] this looks like a cluster headache.\n[patient] okay."
    r = result(evaluator, dialogue, "diagnosis_stated")
    assert r.status == "covered"
    assert "cluster headache" in r.evidence_text


@pytest.mark.parametrize(
    "key, dialogue",
    [
        # how much of a medicine by its name is no severity
        ("severity", "[doctor] how much ibuprofen are you taking?\n[patient] four hundred, three times."),
        # praise is no occupation, a product's name no children
        ("social_occupation", "[doctor] great job, you can sit up now.\n[patient] thanks."),
        ("social_occupation", "[doctor] which syrup did you give?\n[patient] the children's one, five mls."),
        # what is taken is not whether it is taken as prescribed
        ("medication_adherence", "[doctor] what have you been taking for it?\n[patient] just tylenol."),
    ],
)
def test_more_words_in_another_sense_cover_nothing(evaluator, key, dialogue):
    assert status(evaluator, dialogue, key) == "missing"


def test_a_persian_conditional_return_touches_the_follow_up_but_urgent_advice_does_not(evaluator):
    dialogue = "[doctor] اگه تا یه هفته خوب نشد با جواب آزمایش بیاید.\n[patient] چشم."
    assert status(evaluator, dialogue, "follow_up") == "partial"
    urgent = "[doctor] اگه نفستون تنگ شد فوری برید اورژانس.\n[patient] چشم."
    assert status(evaluator, urgent, "follow_up") == "missing"


def test_a_result_read_out_is_a_result_reviewed(evaluator):
    dialogue = "[doctor] the throat swab is positive for strep.\n[patient] oh, okay."
    assert status(evaluator, dialogue, "results_reviewed") == "covered"
    assert "result_read" not in patterns("[doctor] if the culture is positive, i'll call you.")


def test_persian_advice_in_short_is_patient_education(evaluator):
    dialogue = "[doctor] شبا زود بخوابید، خواب منظم، چای و قهوه کمتر.\n[patient] باشه."
    assert status(evaluator, dialogue, "patient_education") == "covered"


def test_what_it_is_like_is_told_even_beside_a_no(evaluator):
    dialogue = "[doctor] was there any blood in it?\n[patient] no blood. it was watery, like water."
    assert status(evaluator, dialogue, "character") == "covered"


def test_a_persian_since_when_answer_is_the_duration_shown_over_a_medicine_list(evaluator):
    dialogue = (
        "[doctor] از کی؟\n[patient] ده روزی میشه.\n"
        "[doctor] چه داروهایی میخورید؟\n[patient] متفورمین روزی دو تا، آسپرین هم یه ماه پیش شروع کردم."
    )
    r = result(evaluator, dialogue, "duration")
    assert r.status == "covered"
    assert "ده روزی" in r.evidence_text


def test_a_medicine_asked_by_name_is_shown_with_its_question(evaluator):
    dialogue = "[doctor] لووتیروکسین رو چطوری مصرف می‌کنید؟\n[patient] صبح ناشتا، یه دونه."
    r = result(evaluator, dialogue, "current_medications")
    assert r.status == "covered"
    assert r.evidence_text.startswith("لووتیروکسین")
