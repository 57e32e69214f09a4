"""The rules engine on the third clinician round's visits (made-up dialogue, English and Persian)."""

from __future__ import annotations

import pytest

from soapify.nlp.engines.style import doctor_to_note, patient_to_third
from tests.nlp.drafting import checked_draft as g
from tests.nlp.drafting import items

ANKLE = """[doctor] what brings you in today?
[patient] i twisted my ankle playing soccer yesterday.
[doctor] on exam there is swelling over the lateral malleolus. the x-ray shows no fracture. you have an ankle sprain.
[doctor] i'd like you to wear a walking boot.
[patient] i don't want the boot.
[doctor] okay, then ice and ibuprofen 400 mg three times a day."""


def test_a_told_diagnosis_after_the_exam_is_the_assessment(engine):
    draft = g(engine, ANKLE)
    assert [it["name"] for it in items(draft, "assessment")] == ["ankle sprain"]
    assert not any("sprain" in it["text"] for it in items(draft, "objective"))
    # the exam and the x-ray stay where they are
    assert [it["kind"] for it in items(draft, "objective")] == ["exam", "result"]


def test_a_dose_and_how_often_is_a_plan_not_an_assessment(engine):
    draft = g(engine, ANKLE)
    assert not any("ibuprofen" in it["text"] for it in items(draft, "assessment"))
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["dose"], med["frequency"]) == ("ibuprofen", "400", "three times a day")


def test_a_declined_request_reads_as_what_the_patient_was_asked_to_do(engine):
    draft = g(engine, ANKLE)
    (declined,) = [it for it in items(draft, "plan") if it["negated"]]
    assert declined["text"] == "Declined: The patient should wear a walking boot."


def test_without_a_gender_the_second_mention_is_their():
    assert patient_to_third("i twisted my ankle") == "The patient twisted their ankle."
    assert patient_to_third("my ankle hurts") == "The patient's ankle hurts."
    assert patient_to_third("my ankle hurts", "female") == "Her ankle hurts."
    assert doctor_to_note("you should rest your ankle") == "The patient should rest their ankle."
    assert doctor_to_note("your ankle is swollen") == "The patient's ankle is swollen."
    assert doctor_to_note("your peak flow is 250, sixty percent of your best") == (
        "The patient's peak flow is 250, sixty percent of their best."
    )


def test_a_persian_refusal_without_ra_declines_the_proposal(engine):
    draft = g(
        engine,
        "[doctor] کم‌آبی دارید. بهتره یه سرم بزنیم.\n[patient] نه، سرم نمی‌خوام.\n"
        "[doctor] باشه، پس او آر اس بخورید، هر بار بعد از اسهال یه لیوان.",
        "fa",
    )
    declined = [it for it in items(draft, "plan") if it["negated"]]
    assert [it["text"] for it in declined] == ["نپذیرفت: بهتره یه سرم بزنیم."]
    assert not any("نمی‌خوام" in it["text"] for it in items(draft, "subjective"))  # not history


@pytest.mark.parametrize(
    ("proposal", "reply"),
    [
        ("i could also put you in a walking boot.", "i'd rather not."),
        ("i could also put you in a walking boot, would you like that?", "i'd rather not."),
        (
            "i could also put you in a walking boot. how do you feel about that?",
            "nah, i think i'll be fine with the wrap.",
        ),
        ("i'd also like to send you to physical therapy.", "i don't really have time for that with work."),
        ("one option is a brace for a few weeks.", "i'd really rather not."),
    ],
)
def test_declined_proposals_in_everyday_words(engine, proposal, reply):
    draft = g(engine, f"[doctor] so this is a lateral ankle sprain.\n[doctor] {proposal}\n[patient] {reply}")
    declined = [it for it in items(draft, "plan") if it["negated"]]
    assert len(declined) == 1 and declined[0]["text"].startswith("Declined: ")
    assert not items(draft, "subjective")  # the refusal is the plan item's evidence, not history


def test_a_declined_medicine_is_not_an_order(engine):
    draft = g(
        engine,
        "[doctor] so you have depression.\n[doctor] one option is sertraline, starting at 50 milligrams once a day.\n"
        "[patient] i'd really rather not take medication.",
    )
    (med,) = items(draft, "plan", "medication")
    assert med["negated"] is True and med["text"].startswith("Declined: sertraline 50 mg")
    assert not items(draft, "subjective", "medication")
    draft = g(
        engine,
        "[doctor] i could start semaglutide weekly. how do you feel about that?\n[patient] i'd rather not do needles right now.",
    )
    (med,) = items(draft, "plan", "medication")
    assert med["negated"] is True


@pytest.mark.parametrize(
    "said",
    [
        "so this is a lateral ankle sprain.",
        "so she has a left middle ear infection, what we call acute otitis media.",
        "so he has viral gastroenteritis with mild dehydration.",
        "i think this is a muscle strain in your low back.",
        "so you have depression.",
    ],
)
def test_a_diagnosis_told_in_everyday_words_is_the_assessment(engine, said):
    draft = g(engine, f"[doctor] her lungs are clear and the belly is soft.\n[doctor] {said}")
    assert len(items(draft, "assessment")) == 1
    assert [it["kind"] for it in items(draft, "objective")] == ["exam"]


@pytest.mark.parametrize(
    "said",
    [
        "عفونت گوش میانی راست داره، اوتیت مدیا.",
        "شما فشار خون بالا دارید، مرحله دو.",
        "این کمردرد مکانیکیه، به خاطر کشیدگی عضلات.",
        "خب، دیابتتون کنترل نیست.",
    ],
)
def test_a_persian_diagnosis_with_an_afterthought_or_spoken_copula(engine, said):
    draft = g(engine, f"[doctor] {said}", "fa")
    assert len(items(draft, "assessment")) == 1


def test_persian_refusals_of_a_drug_and_of_a_referral(engine):
    draft = g(
        engine,
        "[doctor] من پیشنهاد می‌کنم سرترالین رو شروع کنیم، روزی ۲۵ میلی‌گرم.\n"
        "[patient] نه خانم دکتر، من نمی‌خوام قرص اعصاب بخورم.\n"
        "[doctor] می‌خوام بفرستمتون فیزیوتراپی، ده جلسه.\n"
        "[patient] نه دکتر، وقتش رو ندارم. فیزیوتراپی نمی‌رم.\n"
        "[doctor] ژلوفن رو زیاد نخورید، فشار رو بالا می‌بره.",
        "fa",
    )
    plan = {it["kind"]: it for it in items(draft, "plan") if it["kind"] != "medication"}
    assert plan["referral"]["negated"] is True
    meds = {it["name"]: it for it in items(draft, "plan", "medication")}
    assert meds["سرترالین"]["negated"] is True and meds["سرترالین"]["text"].startswith("نپذیرفت")
    assert meds["ژلوفن"].get("stopped") is True  # "don't take much ibuprofen" is not a prescription
    assert not items(draft, "subjective")


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (
            "any trouble controlling your bladder or bowels?",
            "no, nothing like that.",
            "Denies trouble controlling their bladder or bowels.",
        ),
        (
            "do you ever have thoughts of hurting yourself?",
            "no. no, nothing like that.",
            "Denies thoughts of hurting themselves.",
        ),
        (
            "any contractions, bleeding, or leaking fluid?",
            "no, none of that.",
            "Denies contractions, bleeding, or leaking fluid.",
        ),
        ("any lows, like shaky or sweaty?", "no, never.", "Denies lows, like shaky or sweaty."),
    ],
)
def test_a_denial_the_lexicon_has_no_name_for_is_kept(engine, question, answer, expected):
    draft = g(engine, f"[doctor] {question}\n[patient] {answer}")
    (ros,) = items(draft, "subjective", "ros")
    assert ros["text"] == expected and ros["negated"] is True and len(ros["evidence"]) == 2


def test_persian_denials_without_a_lexicon_name(engine):
    draft = g(
        engine,
        "[doctor] فکر آسیب زدن به خودتون یا خودکشی داشتید؟\n[patient] نه، اصلاً. هیچ وقت.\n"
        "[doctor] مشکل در کنترل ادرار یا مدفوع چی؟\n[patient] نه اصلاً.",
        "fa",
    )
    assert [it["text"] for it in items(draft, "subjective", "ros")] == [
        "فکر آسیب زدن به خودتون یا خودکشی: ندارد",
        "مشکل در کنترل ادرار یا مدفوع: ندارد",
    ]


def test_questions_that_are_not_about_symptoms_give_no_denial(engine):
    draft = g(
        engine,
        "[doctor] any questions for me?\n[patient] no.\n[doctor] does that sound okay?\n[patient] yes.",
    )
    assert not items(draft, "subjective")


@pytest.mark.parametrize(
    ("question", "answer", "negated"),
    [
        ("and your appetite?", "i am not really hungry.", False),
        ("any changes in your appetite?", "no, my appetite is fine.", True),
    ],
)
def test_a_body_function_said_to_be_off_is_a_change_not_a_denial(engine, question, answer, negated):
    draft = g(engine, f"[doctor] {question}\n[patient] {answer}")
    ros = items(draft, "subjective", "ros")
    assert ros and all(it["negated"] is negated for it in ros)


@pytest.mark.parametrize(
    "said",
    [
        "once the pain settles, start some gentle range of motion exercises.",
        "also try to cut back on salt and aim for thirty minutes of walking most days.",
        "keep checking your blood pressure at home and bring the log next time.",
        "keep moving as much as you can, bed rest actually makes it worse.",
        "i'm also going to give you a pair of crutches for a few days.",
        "if you get a fever or any contractions, go to labor and delivery right away.",
    ],
)
def test_instructions_for_after_the_visit_are_the_plan(engine, said):
    draft = g(engine, f"[doctor] so this is a lateral ankle sprain.\n[doctor] {said}")
    (item,) = items(draft, "plan")
    assert item["kind"] in ("instruction", "follow_up") and not item["text"].startswith("I'm")


@pytest.mark.parametrize(
    "said", ["keep your arm straight for me.", "try to push against my hand.", "take a deep breath."]
)
def test_commands_during_the_exam_are_not_instructions(engine, said):
    draft = g(engine, f"[doctor] {said}")
    assert not items(draft, "plan")


def test_supplements_and_rehydration_are_medicines(engine):
    draft = g(
        engine,
        "[doctor] so he has viral gastroenteritis.\n[doctor] we'll also give zinc, 20 milligrams once a day for ten days.",
    )
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["dose"], med["duration"]) == ("zinc", "20", "10 days")
    assert items(draft, "assessment")[0]["problem"] == "viral gastroenteritis"
    draft = g(engine, "[doctor] قرص زینک هم روزی بیست میلی‌گرم تا ده روز.", "fa")
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["dose"], med["frequency"]) == ("زینک", "20", "روزانه")


@pytest.mark.parametrize(
    "said",
    [
        "ریه‌ها پاکه.",
        "زبونتون یه کم خشکه.",
        "حرکات کمر محدود و دردناکه.",
        "حساسیت زاویه دنده‌ای مهره‌ای ندارید.",
    ],
)
def test_persian_exam_findings_in_everyday_words(engine, said):
    draft = g(engine, f"[doctor] {said}", "fa")
    assert [it["kind"] for it in items(draft, "objective")] == ["exam"]
    assert not items(draft, "subjective")  # "حساسیت" here is tenderness, not an allergy


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("یه آزمایش خون هم بدید، قند و چربی و کراتینین.", "test"),
        ("فعلاً عکس و ام آر آی لازم نیست.", "test"),
        ("روزی سی دقیقه پیاده‌روی کنید و نون و برنج رو کم کنید.", "instruction"),
        ("کیسه آب گرم هم بذارید.", "instruction"),
    ],
)
def test_persian_orders_and_advice_are_the_plan(engine, said, kind):
    draft = g(engine, f"[doctor] {said}", "fa")
    assert [it["kind"] for it in items(draft, "plan")] == [kind]
    assert not items(draft, "objective")


def test_an_exam_command_in_persian_is_not_advice(engine):
    assert not items(g(engine, "[doctor] دهانتون رو باز کنید.", "fa"), "plan")


def test_persian_thanks_and_a_no_but(engine):
    draft = g(
        engine,
        "[patient] خیلی ممنون آقای دکتر، لطف کردید.\n[doctor] ادرارتون کدره؟\n[patient] نه، ولی یه کم کدره و بو میده.",
        "fa",
    )
    (hpi,) = items(draft, "subjective")
    assert "کدره" in hpi["text"] and hpi["negated"] is False


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("which ankle?", "the right one."),
        ("how many doses do you miss?", "maybe twice a week."),
        ("and your fasting sugars at home?", "usually around 150, 160."),
    ],
)
def test_a_short_answer_keeps_its_question(engine, question, answer):
    draft = g(engine, f"[doctor] {question}\n[patient] {answer}")
    (item,) = items(draft, "subjective")
    assert item["text"] == f'Asked "{question}": {answer}'


def test_an_answer_with_its_own_words_stands_alone(engine):
    draft = g(
        engine,
        "[doctor] any fever?\n[patient] no fever and no weakness.\n[doctor] where?\n[patient] it hurts on the right.",
    )
    assert not any(it["text"].startswith("Asked") for it in items(draft, "subjective"))


def test_a_persian_short_answer_keeps_its_question(engine):
    draft = g(engine, "[doctor] بچه چند سالشه؟\n[patient] سه سال و نیمشه.", "fa")
    (item,) = items(draft, "subjective")
    assert item["text"] == "بیمار در پاسخ به «بچه چند سالشه؟»: سه سال و نیمشه."


@pytest.mark.parametrize(
    "said",
    [
        "if it's not better in four to six weeks, come back and see me.",
        "if you ever have thoughts of harming yourself, call 988.",
    ],
)
def test_conditional_returns_and_crisis_lines_are_follow_up(engine, said):
    draft = g(engine, f"[doctor] so you have a muscle strain.\n[doctor] {said}")
    assert [it["kind"] for it in items(draft, "plan")] == ["follow_up"]


def test_a_recheck_in_weeks_and_a_repeat_test(engine):
    draft = g(
        engine,
        "[doctor] so she has an ear infection.\n[doctor] and we'll recheck her ears in about three weeks.\n"
        "[doctor] we'll repeat the a1c in three months.",
    )
    plan = {it["kind"]: it for it in items(draft, "plan")}
    assert plan["follow_up"]["interval"] == "3 weeks" and "test" in plan


@pytest.mark.parametrize(
    ("said", "cc"),
    [("my lower back's been killing me.", "lower back pain"), ("my knee's been really sore.", "knee pain")],
)
def test_a_contracted_has_been_still_names_the_complaint(engine, said, cc):
    draft = g(engine, f"[doctor] what brings you in?\n[patient] {said}")
    assert items(draft, "subjective", "chief_complaint")[0]["name"] == cc


def test_third_person_rewrites():
    assert patient_to_third("i got laid off in june") == "The patient got laid off in june."
    assert patient_to_third("my back has been killing me") == "The patient's back has been killing them."
    assert doctor_to_note("if you ever have thoughts of harming yourself, call 988.", "female") == (
        "If she ever has thoughts of harming herself, call 988."
    )
    assert doctor_to_note("after you finish the antibiotics, come back.") == (
        "After the patient finishes the antibiotics, come back."
    )


@pytest.mark.parametrize(
    "said",
    [
        "oh no, poor thing.",
        "i'm sorry to hear that.",
        "hi, congratulations on the pregnancy.",
        "let me check your feet.",
        "okay, let me take a look at your ears.",
    ],
)
def test_sympathy_congratulations_and_exam_announcements_are_not_content(engine, said):
    draft = g(engine, f"[doctor] {said}")
    assert not any(draft["sections"][s]["items"] for s in draft["sections"])


def test_the_answer_gives_the_dose_of_a_drug_named_in_the_question(engine):
    draft = g(
        engine,
        "[doctor] are you taking the metformin every day?\n[patient] yeah, 500 twice a day, most days.",
    )
    (med,) = items(draft, "subjective", "medication")
    assert (med["dose"], med["frequency"]) == ("500", "twice a day") and len(med["evidence"]) == 2


def test_a_medicine_run_out_is_not_taken(engine):
    draft = g(
        engine,
        "[doctor] what about the fluticasone?\n[patient] i was on the fluticasone but i ran out a couple months ago.",
    )
    (med,) = items(draft, "subjective", "medication")
    assert med["negated"] is True


@pytest.mark.parametrize(
    ("dialogue", "cc"),
    [
        (
            "[doctor] how have you been?\n[patient] pretty good, doc. just here for my diabetes check.",
            "Diabetes check.",
        ),
        (
            "[doctor] what is going on?\n[patient] i have just been feeling really down lately. and anxious, like all the time.",
            "Low mood.",
        ),
        (
            "[patient] this is maya, she is four. she has been pulling at her ear and crying a lot at night.\n"
            "[doctor] any runny nose?\n[patient] she had a cold last week, runny nose, it is mostly better now.",
            "Ear pulling.",
        ),
        (
            "[doctor] so last time your blood pressure was high and i asked you to check it at home. how did that go?\n"
            "[patient] it is mostly like 150 over 95.\n[doctor] any headaches?\n[patient] some headaches in the morning.",
            "Blood pressure follow-up.",
        ),
    ],
)
def test_the_chief_complaint_is_why_they_came(engine, dialogue, cc):
    draft = g(engine, dialogue)
    assert items(draft, "subjective", "chief_complaint")[0]["text"] == cc


def test_colloquial_persian_symptoms(engine):
    draft = g(
        engine,
        "[doctor] چه مشکلی دارید؟\n[patient] موقع ادرار کردن می‌سوزه، سه روزه.\n[doctor] خواب چطوره؟\n[patient] خوابم نمی‌بره، استرس دارم.",
        "fa",
    )
    assert items(draft, "subjective", "chief_complaint")[0]["name"] == "سوزش ادرار"
    assert {it["name"] for it in items(draft, "subjective", "ros")} == {
        "painful urination",
        "insomnia",
        "anxiety",
    }


def test_a_verbless_persian_order_with_a_one_word_frequency(engine):
    draft = g(
        engine,
        "[doctor] به جاش ناپروکسن ۲۵۰ روزی دوبار بعد از غذا، یک هفته، با امپرازول بیست میلی‌گرم صبح ناشتا.",
        "fa",
    )
    meds = {it["name"]: it for it in items(draft, "plan", "medication")}
    assert (meds["ناپروکسن"]["dose"], meds["ناپروکسن"]["frequency"]) == ("250", "روزی دوبار")
    assert meds["امپرازول"]["frequency"] == "صبح ناشتا"
    assert not items(draft, "subjective")


def test_an_allergy_clause_does_not_hide_the_new_prescription(engine):
    draft = g(
        engine,
        "[doctor] چون به سفالکسین حساسیت دارید، براتون نیتروفورانتوئین صد میلی‌گرم هر دوازده ساعت به مدت پنج روز می‌نویسم.",
        "fa",
    )
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["dose"], med["duration"]) == ("نیتروفورانتوئین", "100", "5 days")


def test_spoken_compound_numbers_in_a_duration(engine):
    draft = g(engine, "[doctor] معاینه کنیم.\n[patient] بیست و چهار هفته‌مه.", "fa")
    (hpi,) = items(draft, "subjective")  # "معاینه کنیم" announces the exam, it is no finding
    assert hpi["duration"] == "24 weeks"
    draft = g(engine, "[patient] i've had a fever for twenty four hours.")
    assert items(draft, "subjective", "hpi")[0]["duration"] == "24 hours"


def test_weeks_of_pregnancy_and_screening_scores_are_kept(engine):
    draft = g(
        engine,
        "[doctor] how far along are you?\n[patient] i'm 22 weeks.\n[doctor] your phq-9 score is 16 and your gad-7 is 12.",
    )
    (hpi,) = items(draft, "subjective", "hpi")
    assert hpi["duration"] == "22 weeks"
    assert [it["kind"] for it in items(draft, "objective")] == ["result"]


def test_persian_items_leave_out_fillers_and_speak_of_the_patient(engine):
    draft = g(
        engine,
        "[doctor] دلتون کجا درد می‌کنه؟\n[patient] راستش دلم پیچ می‌زنه، دور ناف.\n"
        "[doctor] خب ببینید، شما گاستروانتریت حاد دارید.",
        "fa",
    )
    texts = [it["text"] for s in ("subjective", "assessment") for it in items(draft, s)]
    assert "بیمار گزارش می‌دهد: دلم پیچ می‌زنه، دور ناف." in texts
    assert "بیمار گاستروانتریت حاد دارد." in texts


def test_a_leading_no_is_kept_in_a_persian_quote():
    from soapify.nlp.engines.style import fa_patient_quote

    assert fa_patient_quote("نه، تب ندارم.") == "نه، تب ندارم."
    assert fa_patient_quote("آره، دو روزه.") == "آره، دو روزه."
    assert fa_patient_quote("آقای دکتر، سرم درد می‌کنه.") == "سرم درد می‌کنه."


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("there's swelling and bruising over the outside of the ankle.", "exam"),
        ("your urine dip is positive for leukocytes and nitrites.", "result"),
        ("after the neb your peak flow went up to 350.", "result"),
    ],
)
def test_findings_and_results_in_their_place(engine, said, kind):
    draft = g(engine, f"[doctor] {said}")
    assert [it["kind"] for it in items(draft, "objective")] == [kind]


def test_an_allergy_and_its_reaction_are_one_item(engine):
    draft = g(
        engine, "[doctor] any allergies to medications?\n[patient] yeah, i'm allergic to sulfa. i get a rash."
    )
    (allergy,) = items(draft, "subjective", "allergy")
    assert allergy["name"] == "sulfa" and "rash" in allergy["text"] and len(allergy["evidence"]) == 2
    assert not items(draft, "subjective", "ros")  # the rash is the reaction, not a symptom now


def test_a_drug_avoided_or_only_discussed_is_no_order_and_a_switch_stops_the_old_one(engine):
    draft = g(
        engine,
        "[doctor] so this is a gout flare.\n"
        "[doctor] i'd rather avoid colchicine because of the diarrhea you had with it last time.\n"
        "[doctor] once this settles we can talk about allopurinol if it keeps happening.\n"
        "[doctor] i'm going to switch your hydrochlorothiazide to losartan 50 milligrams daily.",
    )
    meds = {it["name"]: it for it in items(draft, "plan", "medication")}
    assert set(meds) == {"hydrochlorothiazide", "losartan"}
    assert meds["hydrochlorothiazide"].get("stopped") is True and not meds["losartan"].get("stopped")


def test_an_allergen_named_alone_in_answer(engine):
    draft = g(engine, "[doctor] any allergies to medications?\n[patient] sulfa. i get a rash.")
    (allergy,) = items(draft, "subjective", "allergy")
    assert allergy["name"] == "sulfa" and allergy["text"] == "Allergic to sulfa (reaction: rash)."
    assert not items(draft, "subjective", "ros")


@pytest.mark.parametrize(
    "said",
    ["هموگلوبین‌تون ۹.۲ه، MCV هفتاد و یکه، فریتین ۶.", "TSH شما ۸.۴ است.", "فریتین ۶ هست."],
)
def test_persian_lab_values_are_results(engine, said):
    draft = g(engine, f"[doctor] {said}", "fa")
    assert [it["kind"] for it in items(draft, "objective")] == ["result"]


def test_english_lab_names_are_results(engine):
    draft = g(engine, "[doctor] your tsh is 8.4 and free t4 is low normal.")
    assert [it["kind"] for it in items(draft, "objective")] == ["result"]


@pytest.mark.parametrize(
    ("said", "lang", "name", "dose", "unit"),
    [
        ("دوز لووتیروکسین رو به ۷۵ میکروگرم افزایش میدیم.", "fa", "لووتیروکسین", "75", "ug"),
        ("دوز آملودیپین رو به ده میلی‌گرم افزایش میدیم.", "fa", "آملودیپین", "10", "mg"),
        ("let's increase your lisinopril to 20 mg daily.", "en", "lisinopril", "20", "mg"),
    ],
)
def test_a_dose_change_is_a_plan_with_the_new_dose(engine, said, lang, name, dose, unit):
    draft = g(engine, f"[doctor] {said}", lang)
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["dose"], med["unit"]) == (name, dose, unit)
    assert not items(draft, "subjective")


def test_persian_forms_of_address_and_relatives(engine):
    draft = g(
        engine,
        "[doctor] سلام مادر جان، بفرمایید بشینید.\n[patient] خدا خیرت بده پسرم.\n"
        "[patient] مامانم هم سردردای شدید داره.",
        "fa",
    )
    (fh,) = items(draft, "subjective")
    assert fh["kind"] == "family_history" and "مامانم" in fh["text"]


def test_short_vitals_and_exam_fragments(engine):
    draft = g(engine, "[doctor] oxygen is 99 percent.\n[doctor] bmi is 26.\n[doctor] lungs clear.")
    got = [(it["kind"], it.get("name")) for it in items(draft, "objective")]
    assert got == [("vital", "spo2"), ("vital", "bmi"), ("exam", None)]


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("this is strep throat.", "problem"),
        ("we will check a uric acid level and kidney function today.", "test"),
        ("we'll get you a mammogram.", "test"),
        ("since you're over 65, we'll get a bone density scan.", "test"),
    ],
)
def test_diagnoses_and_orders_in_everyday_words(engine, said, kind):
    draft = g(engine, f"[doctor] {said}")
    assert [it["kind"] for s in ("objective", "assessment", "plan") for it in items(draft, s)] == [kind]


@pytest.mark.parametrize(
    "said",
    [
        "hi mr. alvarez, nice to see you again.",
        "that's a relief.",
        "sounds good, thanks doctor.",
        "that wasn't bad.",
    ],
)
def test_relief_agreement_and_named_greetings_are_not_content(engine, said):
    draft = g(engine, f"[patient] {said}")
    assert not any(draft["sections"][s]["items"] for s in draft["sections"])


def test_a_persian_temperature_with_its_tenths_said_without_dahom(engine):
    draft = g(engine, "[doctor] دمای بدنتون الان سی و هفت و هشته.", "fa")
    (vital,) = items(draft, "objective", "vital")
    assert vital["value"] == 37.8


@pytest.mark.parametrize(
    "said",
    [
        "سینوس پیشونی و گونه‌تون موقع فشار دادن حساسه.",
        "زانوی چپ یه کم ورم داره، خرچ خرچ میده، خم کردنش محدوده.",
        "رنگتون پریده‌ست، ملتحمه هم رنگ پریده‌ست.",
        "سوفل خفیفی شنیده میشه.",
    ],
)
def test_more_persian_exam_findings(engine, said):
    draft = g(engine, f"[doctor] {said}", "fa")
    assert [it["kind"] for it in items(draft, "objective")] == ["exam"]


def test_a_persian_topical_drug_by_name(engine):
    draft = g(engine, "[doctor] ژل آداپالن شب‌ها روی صورت بزنید.", "fa")
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["route"]) == ("آداپالن", "topical")


@pytest.mark.parametrize(
    ("said", "lang", "name", "dose"),
    [
        (
            "let's reduce the amlodipine from ten milligrams to five milligrams once a day.",
            "en",
            "amlodipine",
            "5",
        ),
        ("فوروزماید رو از چهل کنیم بیست میلی‌گرم.", "fa", "فوروزماید", "20"),
        ("i'm starting ferrous sulfate, 325 milligrams, every other day.", "en", "ferrous sulfate", "325"),
    ],
)
def test_the_new_dose_of_a_change_and_a_started_salt(engine, said, lang, name, dose):
    draft = g(engine, f"[doctor] {said}", lang)
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["dose"]) == (name, dose)


def test_the_drug_after_with_is_not_the_one_stopped(engine):
    draft = g(engine, "[doctor] لوراتادین رو دیگه با ستیریزین نخورید.", "fa")
    meds = {it["name"]: bool(it.get("stopped")) for it in items(draft, "plan", "medication")}
    assert meds["لوراتادین"] is True and meds.get("ستیریزین") is not True


def test_a_drug_kept_for_if_it_is_needed_is_no_order(engine):
    draft = g(engine, "[doctor] if that isn't enough, let me know and we can add gabapentin.")
    assert not items(draft, "plan", "medication")


def test_a_spoken_emergency_number_and_oxygen_without_is(engine):
    draft = g(
        engine, "[doctor] oxygen ninety-seven percent.\n[doctor] if you have chest pain, call nine one one."
    )
    assert items(draft, "objective", "vital")[0]["value"] == 97.0
    (fu,) = items(draft, "plan", "follow_up")
    assert fu["text"].endswith("call nine one one.")


@pytest.mark.parametrize("said", ["ورم ملتحمه‌ست.", "سنگ حالبه.", "افت فشار وضعیتی دارن.", "ریفلاکس معده‌ست."])
def test_persian_diagnoses_with_the_copula_attached(engine, said):
    draft = g(engine, f"[doctor] {said}", "fa")
    assert len(items(draft, "assessment")) == 1


def test_persian_spoken_saturation_and_a_standing_pressure(engine):
    draft = g(
        engine,
        "[doctor] اشباع اکسیژن نود و هشت درصد.\n[doctor] ایستاده بعد سه دقیقه صد و ده روی هفتاد.",
        "fa",
    )
    assert [(it["name"], it["value"]) for it in items(draft, "objective", "vital")] == [
        ("spo2", 98.0),
        ("bp", "110/70"),
    ]


def test_a_function_that_fails_is_a_problem_and_a_companion_introduction_is_not_content(engine):
    draft = g(
        engine,
        "[doctor] how are you sleeping?\n[patient] i can't sleep without it.\n[patient] i'm his wife, by the way.",
    )
    ros = items(draft, "subjective", "ros")
    assert [(it["name"], it["negated"]) for it in ros] == [("sleep problems", False)]
    assert not any("wife" in it["text"] for it in items(draft, "subjective"))


def test_an_answer_to_two_questions_in_one_breath_quotes_both(engine):
    draft = g(engine, "[doctor] خونریزیت زیاده؟ لخته داره؟\n[patient] نه، زیاد نیست.", "fa")
    (item,) = items(draft, "subjective")
    assert item["text"] == "بیمار در پاسخ به «خونریزیت زیاده؟ لخته داره؟»: نه، زیاد نیست."
    draft = g(engine, "[doctor] when did it start?\n[patient] um, tuesday morning.")
    assert items(draft, "subjective")[0]["text"] == 'Asked "when did it start?": tuesday morning.'


@pytest.mark.parametrize(
    ("said", "cc"),
    [("از دیروز چشمم قرمز شده و ترشح چشم دارم.", "red eye"), ("شبا سوزش پشت جناغ دارم.", "heartburn")],
)
def test_persian_eye_and_heartburn_complaints(engine, said, cc):
    draft = g(engine, f"[doctor] چی شده؟\n[patient] {said}", "fa")
    (item,) = items(draft, "subjective", "chief_complaint")
    assert item["name"] == cc and "چشمم" not in item["text"]


def test_a_drug_the_patient_may_use_if_needed_is_still_a_medicine(engine):
    draft = g(engine, "[doctor] if the pain is bad, you can use ibuprofen 400 mg every 8 hours.")
    (med,) = items(draft, "plan", "medication")
    assert med["name"] == "ibuprofen"


@pytest.mark.parametrize(
    ("said", "lang"),
    [
        ("i injected 40 milligrams of triamcinolone with lidocaine into the right knee.", "en"),
        ("we gave him one dose of dexamethasone here, seven milligrams.", "en"),
        ("یه آمپول دیکلوفناک ۷۵ براتون زدیم.", "fa"),
    ],
)
def test_a_medicine_given_in_the_room_is_not_a_home_medicine(engine, said, lang):
    draft = g(engine, f"[doctor] {said}", lang)
    assert not items(draft, "subjective", "medication")
    meds = items(draft, "plan", "medication")  # "triamcinolone with lidocaine": both given, both listed
    assert meds and all(m["text"].endswith(("(given in clinic)", "(در مطب تزریق/داده شد)")) for m in meds)


def test_a_question_about_its_own_subject_takes_no_symptom_from_before(engine):
    draft = g(
        engine,
        "[patient] صبح که پا میشم سرم گیج میره.\n[doctor] دیازپام رو از کی می‌خورن؟\n[patient] شیش ماه.\n"
        "[doctor] شبا چند بار برای دستشویی بیدار میشین؟\n[patient] سه چهار بار.",
        "fa",
    )
    assert not any(it["text"].startswith("گیج میره (") for it in items(draft, "subjective"))


def test_a_companion_saying_who_they_are_in_persian_and_a_bare_dose_change(engine):
    draft = g(engine, "[patient] دکتر من دخترشونم.\n[doctor] فوروزماید رو از چهل کنیم بیست.", "fa")
    assert not items(draft, "subjective")
    (med,) = items(draft, "plan", "medication")
    assert med["dose"] == "20"


def test_wont_and_story_prompts_and_long_exam_announcements(engine):
    assert patient_to_third("i'm worried i won't sleep", "female") == "She is worried she won't sleep."
    draft = g(
        engine,
        "[doctor] mrs. kowalski, tell me about the falls.\n[doctor] let me check her blood pressure lying and standing.",
    )
    assert not any(draft["sections"][s]["items"] for s in draft["sections"])


def test_it_for_the_medicine_just_named(engine):
    draft = g(
        engine,
        "[doctor] second, the zolpidem.\n[doctor] we'll cut it to five milligrams at bedtime for two weeks, and then stop.",
    )
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["dose"], med["frequency"], med["duration"]) == (
        "zolpidem",
        "5",
        "at bedtime",
        "2 weeks",
    )
    assert not items(draft, "objective")  # "Second, the zolpidem." is a heading, not a finding
    draft = g(engine, "[doctor] i'm prescribing amoxicillin.\n[doctor] take it twice a day for ten days.")
    (med,) = items(draft, "plan")
    assert med["frequency"] == "twice a day" and len(med["evidence"]) == 2
