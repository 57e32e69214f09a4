"""The rules engine on the ninth round's Persian findings (made-up colloquial dialogue, worded unlike
the visits the findings came from): medicines taken before and not now."""

from __future__ import annotations

from tests.nlp.drafting import items, texts
from tests.nlp.drafting import persian_draft as g

# ------------------------------------------------------------------ medicines not taken now


def _current(draft: dict, name: str) -> list[dict]:
    return [
        it
        for it in items(draft, "subjective", "medication")
        if it.get("name") == name and not it["negated"] and not it.get("stopped")
    ]


def test_a_medicine_the_patient_used_to_take_is_not_current(engine):
    draft = g(
        engine,
        "[doctor] الان دارو میخوری؟\n[patient] الان نه. پارسال فلوکستین میخوردم، دکتر اعصاب داده بود.\n"
        "[doctor] چرا فلوکستین رو گذاشتی کنار؟\n[patient] حالم بهتر بود.",
    )
    assert not _current(draft, "فلوکستین")
    assert len([it for it in items(draft, "subjective", "medication") if it.get("name") == "فلوکستین"]) <= 1


def test_a_medicine_taken_once_years_back_is_not_current(engine):
    draft = g(
        engine,
        "[doctor] مریضی خاصی داشتی؟\n[patient] سه سال پیش زخم معده داشتم، امپرازول خوردم خوب شد.",
    )
    assert not _current(draft, "امپرازول")


def test_a_medicine_the_patient_says_is_stopped_a_sentence_later_is_not_current(engine):
    draft = g(
        engine,
        "[doctor] برای خواب چیزی خوردی؟\n[patient] آره، یه مدت آلپرازولام میگرفتم.\n"
        "[doctor] هنوزم میخوری؟\n[patient] نه، ده روزه نمیخورم.\n"
        "[doctor] آلپرازولام رو یهو قطع کردی؟\n[patient] آره.",
    )
    assert not _current(draft, "آلپرازولام")
    meds = [it for it in items(draft, "subjective", "medication") if it.get("name") == "آلپرازولام"]
    assert len(meds) == 1 and meds[0]["negated"]


def test_a_medicine_taken_now_stays_current(engine):
    draft = g(
        engine,
        "[doctor] چه دارویی میخوری؟\n[patient] لووتیروکسین میخورم، صبح ناشتا.\n"
        "[doctor] داروی دیگه‌ای چی؟\n[patient] نه، چیز دیگه‌ای نمیخورم.",
    )
    assert _current(draft, "لووتیروکسین")


def test_a_medicine_taken_yesterday_stays_current(engine):
    draft = g(
        engine,
        "[doctor] برای دردت چیزی خوردی؟\n[patient] دیشب یه ایبوپروفن خوردم، یه کم بهتر شد.",
    )
    assert _current(draft, "ایبوپروفن")


# ------------------------------------------------------------------ the chief complaint


def _chief(draft: dict) -> list[str]:
    return [it["text"] for it in items(draft, "subjective", "chief_complaint")]


def test_the_heart_said_to_beat_fast_is_palpitations(engine):
    draft = g(
        engine,
        "[doctor] بفرمایید، چی شده؟\n[patient] چند وقته شبا قلبم تند تند میزنه، بعدشم سرم گیج میره.\n"
        "[doctor] از کی؟\n[patient] یه ماهی میشه.",
    )
    assert _chief(draft) and "تپش قلب" in _chief(draft)[0]


def test_a_part_said_again_with_its_side_before_the_pain_is_the_chief_complaint(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] دستم، این دست چپم، خیلی درد میکنه. دیروز خوردم زمین.\n"
        "[doctor] ورم هم کرده؟\n[patient] آره، عصر ورم کرد.",
    )
    assert _chief(draft) == ["درد دست چپ"]


# ------------------------------------------------------------------ dose changes and orders


def test_a_new_dose_said_as_what_the_medicine_is_made_is_ordered(engine):
    draft = g(
        engine,
        "[doctor] انسولینت چیه؟\n[patient] لانتوس، شبا.\n[doctor] قندت زیادی پایینه.\n"
        "[doctor] خب، لانتوس رو از فردا شب میکنی ۱۸ واحد.",
    )
    plan = items(draft, "plan", "medication")
    assert any(it.get("name") == "لانتوس" and it.get("dose") == "18" for it in plan)
    assert not any(it.get("dose") == "18" for it in items(draft, "subjective", "medication"))


def test_a_dose_lowered_and_said_at_two_times_of_day_is_twice_a_day(engine):
    draft = g(
        engine,
        "[doctor] متفورمین چقدر میخوری؟\n[patient] هزار، صبح و شب.\n"
        "[doctor] متفورمین رو به خاطر معده‌ت کم میکنم، ۲۵۰ صبح، ۲۵۰ شب.",
    )
    plan = [it for it in items(draft, "plan", "medication") if it.get("name") == "متفورمین"]
    assert plan and plan[0].get("dose") == "250"
    assert "صبح" in plan[0].get("frequency", "") and "شب" in plan[0].get("frequency", "")


def test_the_doctor_explaining_a_medicine_just_ordered_lists_no_current_medicine(engine):
    draft = g(
        engine,
        "[doctor] حال و حوصله‌ت چطوره؟\n[patient] خیلی دلم گرفته‌ست.\n"
        "[doctor] یه قرص برات مینویسم، سرترالین. هم برای خلقت خوبه هم اضطرابت.\n[patient] اعتیاد نمیاره؟\n"
        "[doctor] نه، سرترالین اعتیادآور نیست.",
    )
    assert any(it.get("name") == "سرترالین" for it in items(draft, "plan", "medication"))
    assert not any(it.get("name") == "سرترالین" for it in items(draft, "subjective", "medication"))


# ------------------------------------------------------------------ explanations, values, diagnoses, cutting down


def test_what_a_result_means_and_how_the_body_works_are_no_findings(engine):
    draft = g(
        engine,
        "[doctor] فشارتو بگیرم. ۱۲۰ روی ۸۰.\n"
        "[doctor] آزمایشاتو آوردی؟ خب، قند ناشتات ۱۸۰ شده، دفعه‌ی قبل ۱۴۰ بود. برای تو زیادی بالاست، "
        "یعنی قند بیشتر وقتا بالا بوده.\n"
        "[doctor] وقتی وزن بالا میره، انسولین بدن کمتر اثر میکنه و قند بالا میمونه. اینم یه دلیل بالا رفتن قنده.\n"
        "[patient] خطرناکه؟",
    )
    assert not texts(draft, "objective", "exam")
    assert texts(draft, "objective", "result")


def test_a_previous_value_said_with_a_decimal_point_is_not_split(engine):
    draft = g(engine, "[doctor] آزمایشت رو دیدم. کراتینینت ۱.۴ شده، پارسال ۰.۹ بود.")
    result = " ".join(texts(draft, "objective", "result"))
    assert "۰.۹" in result or "0.9" in result
    assert "۰، ۹" not in result


def test_a_diagnosis_named_by_the_doctor_for_overused_painkillers_is_in_the_assessment(engine):
    draft = g(
        engine,
        "[doctor] چند وقته سرت درد میکنه؟\n[patient] شش ماه. هر روز مسکن میخورم.\n"
        "[doctor] معاینه‌ت طبیعیه.\n[doctor] این سردرد ناشی از مصرف زیاد مسکنه.",
    )
    assert any("مسکن" in it["text"] for it in items(draft, "assessment", "problem"))


def test_a_medicine_to_take_less_of_is_a_reduction_with_its_limit(engine):
    draft = g(
        engine,
        "[doctor] برای سردرد چی میخوری؟\n[patient] استامینوفن، تقریباً هر روز.\n[doctor] این سردرد تنشیه.\n"
        "[doctor] استامینوفن رو تا میتونی کم کن، هفته‌ای سه روز بیشتر نه.",
    )
    plan = texts(draft, "plan", "medication")
    assert any(t.startswith("کاهش مصرف استامینوفن") and "سه روز" in t for t in plan)
    assert "استامینوفن" not in plan


def test_a_no_answering_the_patients_question_denies_no_finding(engine):
    draft = g(
        engine,
        "[doctor] عصب بینایی صافه.\n[patient] عکس لازم نیست دکتر؟ خواهرم گفت بگیر.\n"
        "[doctor] نه، معاینه‌ت کاملاً طبیعیه، الان عکس لازم نیست.",
    )
    exam = [it for it in items(draft, "objective", "exam") if "معاینه‌ت" in it["text"]]
    assert exam and not exam[0]["negated"]
