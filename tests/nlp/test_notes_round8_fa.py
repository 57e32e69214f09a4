"""The rules engine on the eighth round's Persian findings (made-up colloquial dialogue, worded unlike
the visits the findings came from): what the doctor says of the body during the exam, the history
question that decides an answer's kind, tenths said after digits, tests ordered and the plan said back,
symptom verbs however typed, past episodes, commands after the order, schedules and switches."""

from __future__ import annotations

from soapify.nlp.engines.text import number_view
from tests.nlp.drafting import items, texts
from tests.nlp.drafting import persian_draft as g

# ------------------------------------------------------------------ the exam


def test_what_the_doctor_says_of_the_body_during_the_exam_is_a_finding(engine):
    draft = g(
        engine,
        "[doctor] از کی سرفه می‌کنی؟\n[patient] یه هفته‌ست.\n"
        "[doctor] فشارت ۱۲۰ روی ۸۰ئه.\n[doctor] حلقت یه کم قرمزه.\n"
        "[doctor] ریه‌ها سمت چپ یه کم خشنن.\n[doctor] کبدش زیر دنده لمس نمیشه.\n"
        "[doctor] نوار قلبت که گرفتیم ریتمش سینوسی نشون میده.\n"
        "[doctor] این یه برونشیت حاده.",
    )
    exam = texts(draft, "objective", "exam")
    assert any("ریه‌ها" in t for t in exam)
    assert any("کبدش" in t for t in exam)
    assert any("نوار قلبت" in t for t in texts(draft, "objective", "result"))


def test_the_doctors_moves_hedges_and_talk_after_the_impression_are_no_finding(engine):
    draft = g(
        engine,
        "[doctor] فشارت ۱۳۰ روی ۸۰ئه.\n[doctor] زانوتو خم میکنم...\n[doctor] ممکنه مفصلت آب آورده باشه.\n"
        "[doctor] این آرتروز زانوئه.\n[doctor] زانوت باید استراحت کنه، ورزش سنگین نکن.\n"
        "[doctor] زانو رو با یخ خنک نگه دار.",
    )
    exam = " ".join(texts(draft, "objective", "exam"))
    assert "خم میکنم" not in exam
    assert "آب آورده" not in exam
    assert "یخ" not in exam


def test_a_move_said_before_the_question_makes_the_answer_an_exam_finding(engine):
    draft = g(
        engine,
        "[doctor] تبت ۳۸ه.\n[doctor] زیر دنده‌ها رو فشار میدم... درد نداره؟\n[patient] نه.\n"
        "[doctor] با این سوزن ته پاتو میزنم، حس میکنی؟\n[patient] یه کم.",
    )
    exam = items(draft, "objective", "exam")
    assert any("فشار میدم" in it["text"] and it["negated"] for it in exam)
    assert any("سوزن" in it["text"] for it in exam)
    assert not any(it["kind"] == "ros" and "درد" in it["text"] for it in items(draft, "subjective"))


# ------------------------------------------------------------------ numbers


def test_tenths_said_after_digits_are_read():
    assert "38.4" in number_view("تبش ۳۸ و ۴ دهمه.").text
    assert "9.5" in number_view("هموگلوبینش ۹ و ۵ دهم بود").text
    assert "38.4" not in number_view("۳۸ و ۴ تا").text


def test_a_temperature_with_tenths_after_digits_is_the_vital(engine):
    draft = g(engine, "[doctor] خب، تبش الان ۳۸ و ۶ دهمه، نبضش ۱۱۰ تاست.")
    temp = [it for it in items(draft, "objective", "vital") if it["name"] == "temperature"]
    assert temp and temp[0]["value"] == 38.6


# ------------------------------------------------------------------ the history question decides the kind


def test_an_answer_to_a_disease_or_surgery_question_is_past_history(engine):
    draft = g(
        engine,
        "[doctor] چه مشکلی دارین؟\n[patient] سرم درد میکنه.\n"
        "[doctor] قبلاً بیماری خاصی داشتی؟\n[patient] دیابت دارم، پنج ساله.\n"
        "[doctor] عمل جراحی چی؟\n[patient] کیسه صفرا.",
    )
    past = " ".join(texts(draft, "subjective", "past_history"))
    assert "دیابت" in past
    assert "کیسه صفرا" in past


def test_a_bare_answer_to_a_habit_or_work_question_is_social_history(engine):
    draft = g(
        engine,
        "[doctor] چه مشکلی دارین؟\n[patient] کمرم درد میکنه.\n"
        "[doctor] قلیون چی؟\n[patient] هفته‌ای یه بار.\n"
        "[doctor] کارت چیه؟\n[patient] راننده تاکسی‌ام.",
    )
    social = " ".join(texts(draft, "subjective", "social_history"))
    assert "هفته‌ای یه بار" in social
    assert "راننده" in social


def test_a_symptom_told_later_in_the_answer_to_a_social_question_is_the_illness(engine):
    draft = g(
        engine,
        "[doctor] بچه چی شده؟\n[patient] از دیشب استفراغ می‌کنه.\n"
        "[doctor] مهدکودک میره؟\n[patient] آره، هر روز. دختر همسایه‌مون هم اسهال گرفته بود.",
    )
    assert not any("اسهال" in t for t in texts(draft, "subjective", "social_history"))
    assert any("هر روز" in t for t in texts(draft, "subjective", "social_history"))


# ------------------------------------------------------------------ tests ordered, the plan said back


def test_a_test_ordered_or_its_result_asked_for_is_plan_not_a_result(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] یه هفته‌ست سرفه می‌کنم.\n"
        "[doctor] یه عکس ریه هم برو بگیر، جوابشو بیار.\n"
        "[doctor] یه کشت خلط هم می‌نویسم.",
    )
    assert not texts(draft, "objective", "result")
    plan = " ".join(texts(draft, "plan", "test"))
    assert "عکس ریه" in plan
    assert "کشت خلط" in plan


def test_results_handed_over_to_look_at_are_no_order():
    from soapify.nlp.engines.rules import _FA_ORDERS_IT

    assert not _FA_ORDERS_IT.search("آزمایشاتو بده ببینم")
    assert _FA_ORDERS_IT.search("یه آزمایش خون هم بده")


def test_after_the_order_what_the_patient_says_without_a_symptom_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] سه روزه گوشم درد میکنه.\n"
        "[doctor] پرده گوش قرمزه و برآمده.\n[doctor] عفونت گوش میانیه.\n"
        "[doctor] آموکسی‌سیلین ۵۰۰ هر هشت ساعت، یه هفته.\n"
        "[patient] یه برگه هم برای اداره بدید لطفاً.\n[patient] راستی از دیشب سرگیجه هم دارم.\n"
        "[doctor] بگو ببینم آنتی‌بیوتیکو چطوری میخوری؟\n[patient] هر هشت ساعت یکی، تا یه هفته.",
    )
    said = " ".join(texts(draft, "subjective"))
    assert "اداره" not in said
    assert "هر هشت ساعت یکی" not in said
    assert "سرگیجه" in said


# ------------------------------------------------------------------ spelling of a symptom said with a verb


def test_a_symptom_verb_typed_joined_or_with_an_intensifier_is_the_symptom(engine):
    from soapify.nlp.engines import lexicons as lx

    for said in ("موقع جیش میسوزه", "موقع جیش می سوزه", "موقع جیش یه کم می‌سوزه"):
        m = lx.SYMPTOM_RE.search(said)
        assert m is not None and lx.fa_symptom_name(m.group(0)) == "سوزش ادرار"
    draft = g(engine, "[doctor] چه مشکلی دارین؟\n[patient] سلام. موقع جیش خیلی میسوزه، از دیروز.")
    assert texts(draft, "subjective", "chief_complaint") == ["سوزش ادرار"]


# ------------------------------------------------------------------ a past episode


def test_a_medicine_others_gave_once_in_the_past_is_neither_taken_nor_why_the_patient_came(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] سلام.\n[doctor] بفرمایید.\n[patient] راستش یه مشکلی دارم.\n"
        "[doctor] قبلاً هم همینو داشتی؟\n"
        "[patient] آره، سال پیش. یه بار برام سفالکسین نوشتن، صورتم ورم کرد.\n"
        "[doctor] پس سفالکسین رو هیچوقت نخور.",
    )
    assert not any(it["name"] == "سفالکسین" for it in items(draft, "subjective", "medication"))
    assert not any(it["name"] == "سفالکسین" for it in items(draft, "plan", "medication"))
    assert not any("ورم" in t for t in texts(draft, "subjective", "chief_complaint"))
    assert not any(it["kind"] == "ros" and not it.get("negated") for it in items(draft, "subjective"))


# ------------------------------------------------------------------ advice after the order


def test_informal_commands_after_the_impression_are_the_plan(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] دخترم از دیشب اسهال داره.\n"
        "[doctor] شکمش نرمه.\n[doctor] این یه اسهال ویروسیه.\n"
        "[doctor] سرم خوراکی رو کم‌کم بهش بده.\n[doctor] لبنیات فعلاً نده.",
    )
    plan = " ".join(texts(draft, "plan"))
    assert "سرم خوراکی" in plan
    assert "لبنیات" in plan


def test_a_warning_that_names_the_mouth_not_opening_is_the_plan_not_an_exam_command(engine):
    draft = g(
        engine,
        "[doctor] گلوت چرک داره.\n[doctor] عفونت لوزه‌ست.\n"
        "[doctor] اگه دهنت باز نشد یا نفست بند اومد، فوری برو اورژانس.",
    )
    assert any("اورژانس" in t for t in texts(draft, "plan"))


# ------------------------------------------------------------------ the reason for coming, medicines


def test_came_for_a_known_condition_is_its_follow_up_not_a_later_symptom(engine):
    draft = g(
        engine,
        "[doctor] سلام، بفرمایید.\n[patient] سلام. اومدم برای فشارم، دفترچه‌مم آوردم.\n"
        "[doctor] خب، چه خبر؟\n[patient] این روزا سرم یه کم سنگینه.",
    )
    assert texts(draft, "subjective", "chief_complaint") == ["پیگیری فشار"]


def test_a_medicine_named_as_the_questions_exception_is_not_denied(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] کمرم درد میکنه، از دیروز.\n"
        "[doctor] الان به جز ایبوپروفن چیز دیگه‌ای مصرف می‌کنی؟\n[patient] نه، فقط گاهی یه قرص آهن میخورم.",
    )
    taken = [it for it in items(draft, "subjective", "medication") if it.get("name") == "ایبوپروفن"]
    assert taken and not any(it.get("negated") for it in taken)


def test_two_times_each_with_a_tablet_a_one_digit_strength_and_a_whole_course_are_read():
    from soapify.nlp.engines.extract import extract_medications

    (m,) = extract_medications("سفیکسیم ۴۰۰ برات می‌نویسم، صبح یکی شب یکی، هفت روز.", heard=True)
    assert (m.dose, m.frequency, m.duration) == ("400", "صبح یکی شب یکی", "7 days")
    (m,) = extract_medications("گلی‌بن‌کلامید ۵ میخورم، صبح و شب.")
    assert m.dose == "5"
    (m,) = extract_medications("سفالکسین ۵۰۰ هر شش ساعت، هفت روز کامل.", heard=True)
    assert m.duration == "7 days"
    (m,) = extract_medications("سفالکسین ۵۰۰ هر شش ساعت ۲ تا")
    assert m.duration is None


# ------------------------------------------------------------------ forms, conditions, a misheard question


def test_a_route_word_after_the_form_is_no_drug_and_a_form_given_is_ordered(engine):
    draft = g(
        engine,
        "[doctor] فشارت ۱۴۰ روی ۹۰ئه.\n[doctor] این آنژینه.\n"
        "[doctor] یه قرص زیرزبونی نیتروگلیسرین هم میدم، موقع درد یکی بذار زیر زبونت.",
    )
    names = [it.get("name") for it in items(draft, "plan", "medication")]
    assert "زیرزبونی" not in names
    assert "نیتروگلیسرین" in names


def test_a_condition_said_as_what_the_child_is_is_the_assessment(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] از دیروز اسهال داره.\n[doctor] دهنش خشکه.\n"
        "[doctor] این یه اسهال ویروسیه.\n[doctor] یه کم هم کم‌آبه.",
    )
    assert any(it.get("name") == "کم‌آبی" for it in items(draft, "assessment", "problem"))


def test_a_guess_that_names_no_condition_is_no_problem(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] از دیشب سرفه میکنه.\n[patient] داداشش هم سرفه داشت.\n"
        "[doctor] احتمالاً از هم گرفتن.",
    )
    assert not any("گرفتن" in t for t in texts(draft, "assessment"))


def test_an_answer_the_doctor_says_misheard_the_question_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] بچه چی شده؟\n[patient] تب داره.\n[doctor] چند وقتشه؟\n[patient] سه سالشه.\n"
        "[doctor] نه، منظورم اینه تب از کی شروع شد؟\n[patient] از پریشب.",
    )
    said = " ".join(texts(draft, "subjective"))
    assert "سه سال" not in said
    assert "تب داره" in said


def test_a_switch_said_in_the_first_person_orders_the_dosed_form_with_its_meal(engine):
    draft = g(
        engine,
        "[doctor] داروهات چیه؟\n[patient] گاباپنتین ۵۰۰، صبح یکی شب یکی.\n"
        "[doctor] گاباپنتین رو عوض میکنم به نوع آهسته‌رهش، گاباپنتین اکس‌آر ۵۰۰، دو تا با شام.",
    )
    ordered = [it for it in items(draft, "plan", "medication") if it.get("name") == "گاباپنتین"]
    assert ordered and ordered[0]["dose"] == "500" and ordered[0]["frequency"] == "دو تا با شام"


def test_nothing_more_than_what_was_said_to_an_anything_else_question_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] چه دارویی میخوری؟\n[patient] متفورمین، روزی دو تا.\n"
        "[doctor] داروی دیگه‌ای هم هست؟\n[patient] نه، فقط همین.",
    )
    assert not any("فقط همین" in t for t in texts(draft, "subjective"))
