"""What fourteen new visits showed (fourteenth session): specialty items covered from words of another
sense (a cardiology item from "stairs" in a knee injury or «پشت» in a flank question, a diabetes item from
«غذا» in a dosing instruction in a visit with no diabetes at all); the history in the patient's words
(severity as a number or «یه کم ولی نه زیاد», Persian durations, doses missed, work, a modifier beside a
"no", the medicines taken now, the past told unasked, the complaint said colloquially); the plan in the
doctor's (a referral written, a test declined or awaited, self-care advice, a return asked for) and the
assessment said without "this is". Short made-up dialogues, none from the visits; real MiniLM, real artifact."""

from __future__ import annotations

import pytest

from tests.checklist.evaluating import result, status

# --- specialty items need their own topic beside the word -------------------------------------------


@pytest.mark.parametrize(
    ("dialogue", "key"),
    [
        (
            "[doctor] how did you hurt the ankle?\n[patient] I slipped on the stairs at the gym while walking "
            "to the locker room.\n[doctor] let me look at it.",
            "chest_pain_exertional",
        ),
        (
            "[doctor] does the pain go anywhere?\n[patient] it spreads down the back of my thigh to the calf.",
            "chest_pain_radiation",
        ),
        (
            "[doctor] سرفه‌تون با راه رفتن بیشتر میشه؟\n[patient] نه، بیشتر شب‌ها که دراز می‌کشم.",
            "chest_pain_exertional",
        ),
        (
            "[doctor] درد از کجا شروع میشه؟\n[patient] از پشت گردن میاد تا پشت سرم.",
            "chest_pain_radiation",
        ),
        (
            "[doctor] the wrist shows some swelling over the joint but no deformity.",
            "dyspnea_orthopnea",
        ),
    ],
)
def test_a_cardiology_item_needs_chest_pain_or_the_legs_beside_its_word(evaluator, dialogue, key):
    assert status(evaluator, dialogue, key) == "missing"


@pytest.mark.parametrize(
    ("dialogue", "key"),
    [
        (
            "[doctor] any chest pain?\n[patient] only when I climb the stairs to my flat, it eases when I rest.",
            "chest_pain_exertional",
        ),
        (
            "[doctor] درد سینه‌تون جایی هم تیر می‌کشه؟\n[patient] آره، می‌ره تو بازوی چپم و فکم.",
            "chest_pain_radiation",
        ),
        (
            "[doctor] short of breath on the stairs? any swelling in your ankles?\n"
            "[patient] a little winded, and by the evening my socks leave a mark.",
            "dyspnea_orthopnea",
        ),
    ],
)
def test_a_cardiology_item_asked_about_the_chest_or_the_legs_is_covered(evaluator, dialogue, key):
    assert status(evaluator, dialogue, key) == "covered"


def test_ankle_swelling_without_breathlessness_is_the_item_in_part(evaluator):
    # "breathlessness and orthopnoea" with no breathing asked (round 8, ``parts``)
    dialogue = "[doctor] any swelling in your ankles?\n[patient] yes, by the evening my socks leave a mark."
    assert status(evaluator, dialogue, "dyspnea_orthopnea") == "partial"


def test_chest_pain_in_the_doctors_warning_is_no_history_of_it(evaluator):
    dialogue = (
        "[doctor] your knee should settle in a week.\n"
        "[doctor] if you get chest pain at rest or it spreads to your arm, call an ambulance."
    )
    assert status(evaluator, dialogue, "chest_pain_exertional") == "missing"
    assert status(evaluator, dialogue, "chest_pain_radiation") == "missing"


@pytest.mark.parametrize(
    ("dialogue", "key"),
    [
        ("[doctor] این قرص رو بعد از غذا بخورید، روزی سه بار.\n[patient] چشم.", "diet_exercise_diabetes"),
        (
            "[doctor] is he eating and drinking okay?\n[patient] he's eating less but drinking fine.",
            "diet_exercise_diabetes",
        ),
        ("[doctor] دستاتون لرزش داره؟\n[patient] وقتی استرس دارم آره.", "hypoglycemia"),
        ("[doctor] any numbness in the foot since the sprain?\n[patient] no, just sore.", "diabetic_foot"),
        ("[doctor] صبح که از جاتون پا می‌شید درد بیشتره؟\n[patient] آره، صبح‌ها بدتره.", "diabetic_foot"),
        ("[doctor] your kidney function was fine on the last bloods.", "eye_kidney_screening"),
    ],
)
def test_a_diabetes_item_in_a_visit_that_never_names_diabetes_is_missing(evaluator, dialogue, key):
    assert status(evaluator, dialogue, key) == "missing"


@pytest.mark.parametrize(
    ("dialogue", "key"),
    [
        (
            "[doctor] how is the diabetes diet going?\n[patient] I cut out the bread and I walk after dinner.",
            "diet_exercise_diabetes",
        ),
        (
            "[doctor] قندتون افت هم می‌کنه؟ لرزش، عرق سرد؟\n[patient] یه بار عصر لرزش گرفتم، آبمیوه خوردم خوب شد.",
            "hypoglycemia",
        ),
    ],
)
def test_a_diabetes_item_in_a_diabetes_visit_is_still_covered(evaluator, dialogue, key):
    assert status(evaluator, dialogue, key) == "covered"


def test_a_foot_symptom_in_a_diabetes_visit_is_the_foot_item_in_part(evaluator):
    # the feet asked about, no pulses checked (round 8, ``parts``: sensation, ulcers and pulses)
    dialogue = "[doctor] with the metformin, how are your feet? any tingling?\n[patient] a bit of tingling in my toes at night."
    assert status(evaluator, dialogue, "diabetic_foot") == "partial"
    pulses = dialogue + "\n[doctor] your foot pulses are good and the monofilament is normal."
    assert status(evaluator, pulses, "diabetic_foot") == "covered"


# --- how bad it is: a number on a scale, or a degree beside the complaint ---------------------------


@pytest.mark.parametrize(
    "dialogue",
    [
        "[doctor] از صفر تا ده، سردردتون چنده؟\n[patient] شبا نه. الان حدود پنج.",
        "[doctor] out of ten, where would you put it?\n[patient] on a good day three, at night maybe seven.",
        "[doctor] گلوتون چطوره؟\n[patient] گلوم یه کم می‌سوزه، ولی نه خیلی.",
        "[doctor] از کی سرفه دارید؟\n[patient] ده روزی هست. امونم رو بریده، شبا نمی‌خوابم.",
        "[doctor] and the headache?\n[patient] my head hurts every afternoon, but not too bad.",
    ],
)
def test_severity_told_with_a_number_or_a_degree_is_covered(evaluator, dialogue):
    r = result(evaluator, dialogue, "severity")
    assert r.status == "covered"
    assert dialogue.split("[patient] ")[1].split(".")[0].split(",")[0] in r.evidence_text


@pytest.mark.parametrize(
    "dialogue",
    [
        "[doctor] روزی چقدر چای می‌خورید؟\n[patient] زیاد، شاید شش هفت تا.",
        "[doctor] how much are you smoking these days?\n[patient] about ten a day, sometimes more.",
        "[doctor] تا حالا به خاطر فشار بستری شدید؟\n[patient] نه، هیچ وقت.",
        "[doctor] آب زیاد می‌خورید؟\n[patient] نه زیاد، ولی نه خیلی کم.",
    ],
)
def test_an_amount_or_a_verb_of_becoming_is_no_severity(evaluator, dialogue):
    assert status(evaluator, dialogue, "severity") == "missing"


# --- a referral written, doses missed, work told, a modifier told beside a "no" -----------------------


@pytest.mark.parametrize(
    "statement",
    [
        "یه معرفی‌نامه هم برای متخصص پوست براتون می‌نویسم.",
        "معرفیتون می‌کنم به جراح عروق.",
        "I'm going to refer you to a rheumatologist for the joints.",
    ],
)
def test_a_referral_written_by_the_doctor_is_covered(evaluator, statement):
    dialogue = f"[patient] باشه.\n[doctor] {statement}\n[patient] ممنون."
    r = result(evaluator, dialogue, "referral")
    assert r.status == "covered"
    assert statement in r.evidence_text


@pytest.mark.parametrize(
    "dialogue",
    [
        "[doctor] اسپری کورتونی رو هنوز می‌زنید؟\n[patient] نه، یه ماهه تموم شده، دیگه نخریدم.",
        "[doctor] how are the pills going?\n[patient] honestly I skip the evening pills most weekends.",
        "[doctor] قرص فشارتون چطوره؟\n[patient] بعضی وقتا یادم می‌ره بخورم، مخصوصاً شبا.",
    ],
)
def test_doses_missed_in_the_patients_words_are_adherence(evaluator, dialogue):
    assert status(evaluator, dialogue, "medication_adherence") == "covered"


@pytest.mark.parametrize(
    "dialogue",
    [
        "[doctor] ریه‌ها پاکه. ضربان و صدای قلب منظمه، سوفل نمی‌شنوم.",
        "[doctor] I'm starting you on a new tablet today. Side effects can be a dry cough or some dizziness.",
    ],
)
def test_an_exam_or_the_doctors_counselling_is_no_adherence(evaluator, dialogue):
    assert status(evaluator, dialogue, "medication_adherence") == "missing"


@pytest.mark.parametrize(
    "answer",
    [
        "راننده‌ی تاکسی‌ام، روزی ده ساعت پشت فرمونم.",
        "کار کارخونه سنگینه، شیفت شب هم دارم.",
        "روزمزدم، باید برم.",
    ],
)
def test_work_told_in_persian_is_the_social_history(evaluator, answer):
    dialogue = f"[doctor] استراحت کنید چند روز.\n[patient] {answer}\n[doctor] باشه."
    # work without home or support is the item in part (round 8: the item asks for both)
    assert status(evaluator, dialogue, "social_occupation") == "partial"


@pytest.mark.parametrize(
    "dialogue",
    [
        "[doctor] any questions?\n[patient] no.\n[doctor] I'd watch the game too, but my kids take the remote.",
        "[doctor] قلیون چی؟\n[patient] گاهی، آخر هفته‌ها با بچه‌ها.",
        "[doctor] anything for the pain?\n[patient] I took some of my wife's ibuprofen.",
    ],
)
def test_the_doctors_family_or_a_spouses_pills_are_no_social_history(evaluator, dialogue):
    assert status(evaluator, dialogue, "social_occupation") == "missing"


def test_a_modifier_told_beside_a_no_is_covered(evaluator):
    dialogue = (
        "[doctor] سرتون گیج می‌ره یا اتاق دور سرتون می‌چرخه؟\n"
        "[patient] نه، نمی‌چرخه. وقتی بلند می‌شم یه لحظه سیاهی می‌ره."
    )
    r = result(evaluator, dialogue, "aggravating_relieving")
    # what makes it worse without what makes it better is the item in part (round 8)
    assert r.status == "partial"
    assert "وقتی بلند می‌شم" in r.evidence_text


def test_the_doctors_plan_that_helps_is_no_relieving_factor(evaluator):
    dialogue = "[patient] باشه.\n[doctor] ورزش منظم و مشاوره برای این مشکل خیلی کمک می‌کنه."
    assert status(evaluator, dialogue, "aggravating_relieving") == "missing"


# --- a test declined, announced or awaited is no result reviewed -------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "سونوگرافی الان چیزی رو عوض نمی‌کنه، لازم نیست.",
        "We don't need a CT scan at this point.",
    ],
)
def test_a_test_decided_against_is_neither_ordered_nor_reviewed(evaluator, statement):
    dialogue = f"[patient] عکس نمی‌خواد؟\n[doctor] {statement}\n[patient] باشه."
    if statement.startswith("We"):
        dialogue = f"[patient] do I need a scan?\n[doctor] {statement}\n[patient] okay."
    assert status(evaluator, dialogue, "tests_ordered") == "missing"
    assert status(evaluator, dialogue, "results_reviewed") == "missing"


@pytest.mark.parametrize(
    "statement",
    [
        "If the ultrasound shows a stone, I'll phone you tonight.",
        "ده روز دیگه با جواب آزمایش تیروئید بیاید.",
        "It's all written on the label of the bottle.",
    ],
)
def test_a_result_awaited_or_a_label_is_no_result_reviewed(evaluator, statement):
    dialogue = f"[patient] okay.\n[doctor] {statement}\n[patient] thanks."
    assert status(evaluator, dialogue, "results_reviewed") == "missing"


def test_a_test_asked_for_without_a_verb_is_ordered(evaluator):
    dialogue = (
        "[patient] okay.\n[doctor] I'd also like a CBC and a lipid panel before you go.\n[patient] sure."
    )
    r = result(evaluator, dialogue, "tests_ordered")
    assert r.status == "covered"
    assert "CBC" in r.evidence_text


def test_a_result_read_out_is_still_reviewed(evaluator):
    dialogue = "[patient] did the bloods come back?\n[doctor] yes, your blood count came back normal.\n[patient] good."
    assert status(evaluator, dialogue, "results_reviewed") == "covered"


# --- the medicines taken now, not the new prescription ---------------------------------------------


@pytest.mark.parametrize(
    ("dialogue", "shown"),
    [
        (
            "[doctor] خب، داروهاش چیه؟ همراهتون هست؟\n[patient_guest] بله. لوزارتان ۵۰ صبح، متفورمین ۱۰۰۰ صبح و شب.\n"
            "[doctor] داروی جدید: پردنیزولون می‌نویسم، روزی ۳۰ میلی‌گرم، پنج روز.",
            "لوزارتان",
        ),
        (
            "[doctor] I have amlodipine ten and atorvastatin forty on your list. Is that still right?\n"
            "[patient] Yes, both every morning.\n[doctor] I'm going to start you on metformin five hundred twice a day.",
            "both every morning",
        ),
        (
            "[doctor] Anything else you take?\n[patient] A fish oil capsule. And melatonin, I started it on my own.\n"
            "[doctor] Stop the fish oil a week before surgery.",
            "melatonin",
        ),
        (
            "[doctor] اسپری بکلومتازون دارید؟ هفته‌ای چند بار زدید؟\n[patient] آره، سه چهار بار.\n"
            "[doctor] بکلومتازون رو روزی دو بار بزنید.",
            "سه چهار بار",
        ),
    ],
)
def test_the_medicines_taken_now_are_the_evidence_not_the_new_prescription(evaluator, dialogue, shown):
    r = result(evaluator, dialogue, "current_medications")
    assert r.status == "covered"
    assert shown in r.evidence_text
    assert "می‌نویسم" not in r.evidence_text and "start you" not in r.evidence_text


# --- when it began and how long: in the patient's words, not in a result or a prescription ------------


@pytest.mark.parametrize(
    "answer",
    ["سه روز است که گلوم درد می‌کنه.", "از پریروز سرم گیج می‌ره.", "یه هفته‌ای میشه که سرفه می‌کنم."],
)
def test_persian_durations_and_onsets_are_covered(evaluator, answer):
    dialogue = f"[doctor] خب، چی شده؟\n[patient] {answer}\n[doctor] باشه."
    for key in ("onset", "duration"):
        r = result(evaluator, dialogue, key)
        assert r.status == "covered", key
        assert answer.rstrip(".") in r.evidence_text


def test_a_bare_duration_answered_to_when_it_started_is_the_duration(evaluator):
    dialogue = (
        "[doctor] When did the cough begin?\n[patient] Monday. So five days now.\n"
        "[doctor] Since you're within a week of it starting, we'll wait on antibiotics."
    )
    r = result(evaluator, dialogue, "duration")
    assert r.status == "covered"
    assert "five days" in r.evidence_text


@pytest.mark.parametrize(
    ("dialogue", "key"),
    [
        ("[doctor] کلسترول ۲۴۰ بود؛ شش ماه پیش ۲۰۰ بود.\n[patient] زیاد شده؟", "onset"),
        ("[doctor] Your creatinine is 1.4, two months ago it was 1.1.\n[patient] Is that bad?", "duration"),
        (
            "[doctor] So: continue the amlodipine, start losartan fifty every morning.\n[patient] Okay.",
            "onset",
        ),
        ("[patient_guest] Three tablets twice a day for five days, got it.\n[doctor] Yes.", "duration"),
    ],
)
def test_a_result_or_a_prescription_is_no_onset_or_duration(evaluator, dialogue, key):
    assert status(evaluator, dialogue, key) == "missing"


def test_a_medicine_stopped_months_ago_is_no_duration_of_the_complaint(evaluator):
    dialogue = "[doctor] قرص چربی رو می‌خورید؟\n[patient] نه، سه ماهی هست قطعش کردم."
    assert status(evaluator, dialogue, "duration") == "missing"


# --- a sign on examination is the exam, the condition named is the diagnosis ------------------------


def test_a_sign_heard_is_the_exam_and_the_condition_named_is_the_diagnosis(evaluator):
    dialogue = (
        "[doctor] خب، گوش بدم. پایین ریه‌ی راست رال می‌شنوم، سیانوز ندارید.\n"
        "[doctor] یه برونشیته که بعد از سرماخوردگی اومده، خفیفه.\n[patient] خطرناکه؟"
    )
    exam = result(evaluator, dialogue, "physical_exam")
    assert exam.status == "covered" and "رال" in exam.evidence_text
    diagnosis = result(evaluator, dialogue, "diagnosis_stated")
    assert diagnosis.status == "covered" and "برونشیته" in diagnosis.evidence_text


def test_a_persian_condition_with_its_copula_mid_sentence_is_the_diagnosis(evaluator):
    dialogue = "[patient] چی شده دکتر؟\n[doctor] یه میگرنه که با بی‌خوابی بدتر شده.\n[patient] باشه."
    r = result(evaluator, dialogue, "diagnosis_stated")
    assert r.status == "covered" and "میگرنه" in r.evidence_text


# --- the chief complaint said colloquially or named in the doctor's question --------------------------


@pytest.mark.parametrize(
    ("dialogue", "shown"),
    [
        (
            "[doctor] سلام، بفرمایید. هوا چقدر سرد شده.\n[patient] آره والا. منم سرم گیج می‌ره از دیروز.",
            "سرم گیج",
        ),
        ("[doctor] سلام، خوش اومدید.\n[patient] سلام دکتر. نفسم تنگه، شبا بدتره.", "نفسم تنگه"),
        ("[doctor] از کی سوزش معده دارید؟\n[patient] ده روزی هست.\n[doctor] باشه.", "ده روزی هست"),
    ],
)
def test_a_persian_complaint_said_colloquially_or_named_in_the_question_is_the_chief_complaint(
    evaluator, dialogue, shown
):
    r = result(evaluator, dialogue, "chief_complaint")
    assert r.status == "covered"
    assert shown in r.evidence_text


def test_going_back_to_an_old_dose_is_no_follow_up(evaluator):
    dialogue = "[patient] باشه.\n[doctor] قرص جدید رو قطع کنید و برگردید به همون قرص قبلی.\n[patient] چشم."
    assert status(evaluator, dialogue, "follow_up") == "missing"


def test_an_interval_answered_to_when_to_come_back_is_the_follow_up(evaluator):
    dialogue = "[doctor] قرص رو ادامه بدید.\n[patient] کی دوباره بیام؟\n[doctor] ده روز دیگه، با جواب کشت."
    r = result(evaluator, dialogue, "follow_up")
    assert r.status == "covered"
    assert "ده روز دیگه" in r.evidence_text


# --- a Persian keyword with its written ezafe -------------------------------------------------------


def test_a_persian_keyword_with_its_written_ezafe_is_found(evaluator):
    dialogue = "[doctor] درد قفسه‌ی سینه یا تنگی نفس داشتید؟\n[patient] نه، هیچ‌کدوم."
    assert status(evaluator, dialogue, "review_of_systems") == "covered"


# --- advice on how to live with it and how to give the medicine -------------------------------------


@pytest.mark.parametrize(
    "advice",
    [
        "روزی هشت لیوان آب بخورید، مخصوصاً صبح‌ها.",
        "صبح‌ها اول دو دقیقه لب تخت بشینید، بعد بلند شید.",
        "Measure it with the dosing cup, and finish the whole course even when he feels better.",
        "I'd really ask you to cut down the energy drinks, they keep you up at night.",
    ],
)
def test_self_care_advice_in_other_words_is_patient_education(evaluator, advice):
    dialogue = f"[patient] okay.\n[doctor] {advice}\n[patient] باشه."
    r = result(evaluator, dialogue, "patient_education")
    assert r.status == "covered"
    assert advice.split("،")[0].split(",")[0] in r.evidence_text


def test_a_test_given_last_week_is_no_onset(evaluator):
    dialogue = "[doctor] جواب آزمایش‌ها رو آوردید؟\n[patient] بله، هفته‌ی پیش دادم، اینجاست."
    assert status(evaluator, dialogue, "onset") == "missing"
    assert status(evaluator, dialogue, "duration") == "missing"


# --- the assessment said without "this is" ----------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "other"),
    [
        (
            "What you're describing sounds like migraine, with the aura before it.",
            "It's something we can treat.",
        ),
        (
            "What I'm most worried about is a kidney stone on the right.",
            "I don't think it's serious, but let's check.",
        ),
        ("Your blood pressure is not at goal yet.", "I'll put in a referral for a diabetic eye exam."),
    ],
)
def test_an_assessment_said_in_other_words_is_the_diagnosis_shown(evaluator, statement, other):
    dialogue = f"[patient] so what is it?\n[doctor] {statement}\n[doctor] {other}\n[patient] okay."
    r = result(evaluator, dialogue, "diagnosis_stated")
    assert r.status == "covered"
    assert statement.split(",")[0] in r.evidence_text


# --- thoughts of self-harm asked are the red flags of a mood visit -----------------------------------


@pytest.mark.parametrize(
    "dialogue",
    [
        "[doctor] Have you had any thoughts of harming yourself lately?\n[patient] No, never. I have my kids.\n"
        "[doctor] It's not a weakness to feel this way.",
        "[doctor] فکر خودکشی هم به سرتون زده؟\n[patient] نه، اصلاً.\n[doctor] ضعف نیست که آدم این‌جوری بشه.",
    ],
)
def test_thoughts_of_self_harm_asked_are_the_red_flags_shown(evaluator, dialogue):
    r = result(evaluator, dialogue, "red_flags")
    assert r.status == "covered"
    assert dialogue.split("\n")[0].removeprefix("[doctor] ") in r.evidence_text


# --- the patient's own past: asked in the sentence before, or told unasked ---------------------------


@pytest.mark.parametrize(
    ("dialogue", "shown"),
    [
        (
            "[doctor] قبلاً هم سنگ کلیه شده بودید؟ دارویی مصرف می‌کنید؟\n[patient] دو سال پیش یه بار، خودش دفع شد.",
            "دو سال پیش یه بار",
        ),
        (
            "[doctor] دارویی بهش دادید؟\n[patient_guest] نه. واکسن‌هاش کامله، تا حالا هم بستری نشده.",
            "واکسن‌هاش کامله",
        ),
        (
            "[doctor] anything else I should know?\n[patient_guest] he's never been in the hospital, shots are up to date.",
            "never",
        ),
    ],
)
def test_the_patients_past_asked_before_or_told_unasked_is_the_past_history(evaluator, dialogue, shown):
    r = result(evaluator, dialogue, "past_medical_history")
    assert r.status == "covered"
    assert shown in r.evidence_text
