"""The rules engine on the sixth clinician round's Persian findings (made-up colloquial dialogue, worded
unlike the visits the findings came from)."""

from __future__ import annotations

from tests.nlp.drafting import items, texts
from tests.nlp.drafting import persian_draft as g

# ------------------------------------------------------------------ small talk is no note content


def test_goodbyes_regards_and_blessings_are_no_history(engine):
    draft = g(
        engine,
        "[doctor] گلوتون از کی درد می‌کنه؟\n[patient] از دیروز صبح، قورت دادن سخته.\n"
        "[doctor] آموکسی‌سیلین پونصد، روزی سه بار، ده روز.\n[patient] خب خدا رو شکر. قربون شما.\n"
        "[patient] سلام به خانمتون برسونید. خدانگهدار.\n[patient] مرسی خانم دکتر، خدافظ.\n"
        "[patient] خدا خیرتون بده پدر، ایشالله همیشه سالم باشید.",
    )
    said = " ".join(texts(draft, "subjective") + texts(draft, "plan"))
    for word in ("شکر", "قربون", "خدافظ", "خدانگهدار", "ایشالله"):
        assert word not in said
    assert any("قورت" in t for t in texts(draft, "subjective"))


def test_traffic_lateness_and_thanks_for_the_time_are_no_history(engine):
    draft = g(
        engine,
        "[doctor] بفرمایید، چه مشکلی دارید؟\n[patient] ببخشید دیر رسیدم، جای پارک پیدا نمی‌شد.\n"
        "[patient] دو هفته‌ست زانوی چپم موقع پله اومدن درد می‌گیره.\n"
        "[doctor] زانو یه کم ورم داره. آرتروز زانوئه.\n"
        "[patient] دستتون درد نکنه که اینقدر با حوصله توضیح دادید.",
    )
    said = " ".join(texts(draft, "subjective"))
    assert "پارک" not in said and "حوصله" not in said
    assert "پله" in said


def test_the_answer_to_a_social_question_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] سلام، سفر شمال خوش گذشت؟\n[patient] عالی بود، هوا هم خوب بود.\n"
        "[doctor] خب، چی شده؟\n[patient] از سه روز پیش گوش راستم درد می‌کنه.",
    )
    said = " ".join(texts(draft, "subjective"))
    assert "عالی" not in said
    assert "گوش" in said


def test_agreeing_to_try_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] شب‌ها قبل خواب گوشی رو کنار بذارید.\n[patient] باشه، سعی می‌کنم.\n"
        "[doctor] قرص رو هم عصر بخورید.\n[patient] چشم، هر چی شما صلاح بدونید.",
    )
    assert not items(draft, "subjective", "hpi")


# ------------------------------------------------------------------ the chief complaint said colloquially


def chief(draft) -> str:
    (cc,) = items(draft, "subjective", "chief_complaint")
    return cc["text"]


def test_burning_when_peeing_is_the_chief_complaint(engine):
    draft = g(
        engine,
        "[doctor] بفرمایید، چی شده؟\n[patient] سه روزه جیشم می‌سوزه، زود به زود هم باید برم.",
    )
    assert chief(draft).startswith("سوزش ادرار")


def test_a_caught_back_or_neck_is_its_pain(engine):
    draft = g(engine, "[doctor] چه مشکلی دارید؟\n[patient] دیروز موقع جابجا کردن مبل کمرم گرفت.")
    assert chief(draft).startswith("کمردرد")
    draft = g(engine, "[doctor] چی شده؟\n[patient] از صبح گردنم گرفته، نمی‌تونم سرمو بچرخونم.")
    assert chief(draft).startswith("گردن درد")


def test_breath_gone_tight_is_shortness_of_breath(engine):
    draft = g(engine, "[doctor] سلام، بفرمایید.\n[patient] دو روزه نفسم تنگه، سرفه هم می‌کنم.")
    assert chief(draft).startswith("تنگی نفس")


def test_the_doctors_opening_since_when_names_the_complaint(engine):
    draft = g(
        engine,
        "[doctor] سلام، خوب هستید؟\n[patient] سلام، ممنون.\n[doctor] از کی سرفه می‌کنید؟\n"
        "[patient] یه هفته‌ای می‌شه. شبا بدتره.",
    )
    assert chief(draft).startswith("سرفه (")
    assert "هفته" in chief(draft)


def test_results_brought_after_small_talk_are_a_results_follow_up(engine):
    draft = g(
        engine,
        "[doctor] سلام، تعطیلات خوش گذشت؟\n[patient] بله، مرسی.\n"
        "[doctor] خب، سونوگرافی‌تون رو آوردید؟\n[patient] بله، بفرمایید.\n"
        "[doctor] کبد یه کم چرب شده. گاهی گزگز دست دارید؟\n[patient] گاهی.",
    )
    assert chief(draft) == "پیگیری جواب سونوگرافی"


# ------------------------------------------------------------------ declined offers


def declined(draft) -> list[dict]:
    return [it for it in items(draft, "plan") if it.get("negated")]


def test_an_offer_declined_with_thanks_is_one_declined_plan_item(engine):
    draft = g(
        engine,
        "[patient] از دیروز آبریزش بینی دارم.\n"
        "[doctor] یه قرص ستیریزین هم بنویسم؟ شبی یکی بخورید راحت‌تر می‌خوابید.\n"
        "[patient] نه، مرسی، اونو نمی‌خوام. همین قطره کافیه.",
    )
    (item,) = declined(draft)
    assert item["text"].startswith("نپذیرفت: ") and "ستیریزین" in item["text"]
    said = " ".join(texts(draft, "subjective") + texts(draft, "plan", "instruction"))
    assert "نمی‌خوام" not in said and "کافیه" not in said and "راحت‌تر" not in said


def test_a_medicine_refused_as_not_that_one_is_declined_not_taken(engine):
    draft = g(
        engine,
        "[doctor] ریتمتون نامنظمه. یه راه اینه که وارفارین شروع کنیم.\n[patient] نه، وارفارین نه. می‌ترسم.",
    )
    (item,) = declined(draft)
    assert "وارفارین" in item["text"]
    assert not items(draft, "subjective", "medication")


def test_sick_leave_refused_as_not_possible_leaves_the_advice_after_it(engine):
    draft = g(
        engine,
        "[doctor] دو روز استعلاجی براتون بنویسم؟ ماسک هم بزنید.\n[patient] نه، نمی‌شه، امتحان دارم.",
    )
    (item,) = declined(draft)
    assert "استعلاجی" in item["text"]
    assert any("ماسک" in t for t in texts(draft, "plan", "instruction") if not t.startswith("نپذیرفت"))


def test_a_relatives_medicine_is_not_the_patients(engine):
    draft = g(engine, "[doctor] کسی تو خانواده قند داره؟\n[patient] پدرم قند داشت، متفورمین می‌خورد.")
    assert not items(draft, "subjective", "medication")


# ------------------------------------------------------------------ which tablet is no medicine's name


def test_which_tablet_is_no_medicine_name(engine):
    draft = g(
        engine,
        "[doctor] پس یه قرص دیگه اضافه می‌کنیم: لوزارتان ۲۵ میلی‌گرم صبح‌ها.\n"
        "[doctor] اگه سرفه کردید قرص تازه رو قطع کنید. قرص قبلی رو مثل قبل بخورید.\n"
        "[doctor] قرص خواهرتون رو هم دیگه نخورید. اول ادرار صبح رو بیارید، قبل از اولین قرص نمونه بدید.",
    )
    names = {it.get("name") for it in items(draft, "plan", "medication")}
    assert "لوزارتان" in names
    assert not names & {"دیگه", "تازه", "قبلی", "خواهرتون", "نمونه"}


# ------------------------------------------------------------------ relatives: said to, spoken for, ill lately


def test_mother_said_to_the_patient_is_no_family_history(engine):
    draft = g(engine, "[doctor] شبا خوب می‌خوابید؟\n[patient] نه پسرم، همه‌ش از کمردرد بیدار می‌شم پدر.")
    assert not items(draft, "subjective", "family_history")


def test_a_companion_speaking_of_their_own_parent_speaks_of_the_patient(engine):
    draft = g(
        engine,
        "پزشک: چی شده؟\nهمراه: بابام از دیروز سرفه می‌کنه، شبا هم خس‌خس داره.\n"
        "پزشک: تب داشته؟\nهمراه: نه، تب نداشته.",
    )
    assert not items(draft, "subjective", "family_history")


def test_a_relative_ill_last_week_is_a_sick_contact_not_family_history(engine):
    draft = g(
        engine,
        "[patient] از پریروز گلوم درد می‌کنه.\n[doctor] کسی دور و برتون مریض بوده؟\n"
        "[patient] برادرم هفته‌ی قبل همین علامت‌ها رو داشت.",
    )
    assert not items(draft, "subjective", "family_history")
    assert any("برادرم" in t for t in texts(draft, "subjective", "hpi"))


def test_a_relatives_tablets_the_patient_took_are_no_family_history(engine):
    draft = g(engine, "[doctor] چیزی خوردید؟\n[patient] دو شب از قرص خواب بابام خوردم.")
    assert not items(draft, "subjective", "family_history")


# ------------------------------------------------------------------ what an allergy question's answer is


def test_a_past_episode_cured_with_a_drug_is_past_history_not_an_allergy(engine):
    draft = g(
        engine,
        "[doctor] قبلاً هم گلودرد چرکی گرفتید؟ به دارویی حساسیت دارید؟\n"
        "[patient] دو سال پیش یه بار، با پنی‌سیلین خوب شد. حساسیت هم ندارم.",
    )
    allergies = items(draft, "subjective", "allergy")
    assert all(it["negated"] for it in allergies)
    assert not any("پنی‌سیلین" in it["text"] for it in allergies)
    assert any("خوب شد" in t for t in texts(draft, "subjective", "past_history"))


def test_vaccines_and_admissions_under_an_allergy_question_are_past_history(engine):
    draft = g(
        engine,
        "[doctor] به دارویی حساسیت داره؟\n[patient] نه. واکسن‌هاش رو به‌موقع زده. تا حالا هم بستری نشده.",
    )
    assert not any("واکسن" in t or "بستری" in t for t in texts(draft, "subjective", "allergy"))
    past = " ".join(texts(draft, "subjective", "past_history"))
    assert "واکسن" in past and "بستری" in past


def test_thank_god_is_no_medicine(engine):
    draft = g(engine, "[doctor] سابقه‌ی بیماری دارید؟\n[patient] نه، خداروشکر، هیچ مشکلی نداشتم.")
    assert not items(draft, "subjective", "medication")


def test_a_later_sentence_naming_no_allergen_is_no_allergy(engine):
    draft = g(
        engine,
        "[doctor] دارویی مصرف می‌کنید؟ حساسیتی دارید؟\n"
        "[patient] نه، هیچی. یه شب از قرص‌های بابام خوردم، کلونازپام. راحت خوابیدم.",
    )
    assert not any("خوابیدم" in t or "کلونازپام" in t for t in texts(draft, "subjective", "allergy"))
    assert any("کلونازپام" in t for t in texts(draft, "subjective", "hpi"))


def test_a_medicine_named_under_a_medicines_and_allergies_question_is_no_allergy(engine):
    draft = g(
        engine,
        "[doctor] غیر از شربت سرفه چیزی بهش دادید؟ به دارویی حساسیت داره؟\n[patient] نه، فقط ایبوپروفن.",
    )
    assert not any("ایبوپروفن" in t for t in texts(draft, "subjective", "allergy"))


# ------------------------------------------------------------------ the exam and the impression said colloquially


def test_commands_during_the_exam_are_no_advice(engine):
    draft = g(
        engine,
        "[patient] شونه‌ی راستم درد می‌کنه.\n[doctor] با انگشت نشون بدید کجاست.\n[doctor] خب، وایسید.\n"
        "[doctor] به جلو خم شید. حرکات شونه محدوده.\n[doctor] روزی سه بار یخ بذارید.",
    )
    plan = texts(draft, "plan")
    assert not any("نشون" in t or "وایسید" in t for t in plan)
    assert any("یخ" in t for t in plan)


def test_wheeze_that_is_there_and_retractions_that_are_not_are_exam_findings(engine):
    draft = g(
        engine,
        "[patient] نفسم تنگه.\n[doctor] ریه‌ها رو گوش بدم. سمت چپ خس‌خس داره، توکشیدگی نداره.",
    )
    assert any("خس‌خس" in t for t in texts(draft, "objective", "exam"))


def test_a_condition_named_with_its_trigger_is_the_impression(engine):
    draft = g(
        engine,
        "[patient] دو روزه سرفه می‌کنم و نفسم تنگه.\n[doctor] خب، یه حمله‌ی خفیف آسمه که گرده‌ی گل راش انداخته.",
    )
    assert any("آسم" in t for t in texts(draft, "assessment", "problem"))


def test_a_test_for_later_is_no_result_and_a_verbless_return_is_a_follow_up(engine):
    draft = g(
        engine,
        "[doctor] پس بریم سراغ جواب‌ها ببینیم چی شده.\n[doctor] قند ناشتا ۱۲۰ه.\n"
        "[doctor] تیروئید رو تو آزمایش بعدی چک می‌کنیم.\n[patient] کی بیام؟\n"
        "[doctor] دو ماه دیگه، با آزمایش جدید.",
    )
    results = texts(draft, "objective", "result")
    assert not any("بعدی" in t or "بریم" in t for t in results)
    assert any("دو ماه دیگه" in t for t in texts(draft, "plan", "follow_up"))


# ------------------------------------------------------------------ a no after a lead-in


def test_a_no_after_a_lead_in_says_the_medicine_is_not_taken(engine):
    draft = g(
        engine,
        "[doctor] قرص تیروئیدتون، لووتیروکسین، رو مرتب می‌خورید؟\n[patient] والا نه، یه ماهه تموم شده، نگرفتم.",
    )
    (med,) = items(draft, "subjective", "medication")
    assert med["name"] == "لووتیروکسین" and med["negated"] is True
    assert "مصرف نمی‌کند" in med["text"]  # the section reads "داروها: لووتیروکسین (مصرف نمی‌کند)"


# ------------------------------------------------------------------ a referral letter


def test_a_referral_letter_is_a_referral(engine):
    draft = g(
        engine,
        "[patient] چند وقته تار می‌بینم.\n[doctor] یه معرفی‌نامه هم برای دندون‌پزشک.\n"
        "[doctor] معرفی‌نامه می‌دم برای متخصص چشم، حتماً این ماه برید.",
    )
    assert len(items(draft, "plan", "referral")) == 2


# ------------------------------------------------------------------ medicines by the names Iranian patients use


def test_brand_and_combination_names_in_persian_are_medicines(engine):
    draft = g(
        engine,
        "[doctor] سیمبیکورت رو شروع کنید، روزی دو بار، هر بار یه پاف.\n"
        "[doctor] لوزارتان‌اچ رو قطع کنید، جاش آملودیپین پنج میلی‌گرم صبح‌ها بخورید.",
    )
    plan = {it.get("name"): it for it in items(draft, "plan", "medication")}
    assert "سیمبیکورت" in plan
    assert plan["لوزارتان‌اچ"].get("stopped") is True


# ------------------------------------------------------------------ one of a list picked out by a synonym


def test_tingling_told_in_other_words_does_not_confirm_numbness(engine):
    draft = g(
        engine,
        "[doctor] دستاتون گزگز یا بی‌حسی داره؟\n[patient] گاهی سر انگشتام سوزن‌سوزن می‌شه.",
    )
    present = [it["text"] for it in items(draft, "subjective", "ros") if not it["negated"]]
    assert not any("بی‌حسی" in t for t in present)
    assert any("گزگز" in t for t in present)


# ------------------------------------------------------------------ one no to questions asked together


def test_one_no_to_stacked_questions_denies_the_allergy_asked_first(engine):
    draft = g(
        engine,
        "[doctor] به چیزی آلرژی دارید؟ قرص خاصی می‌خورید؟\n[patient] نه، هیچی. فقط گاهی قلیون می‌کشم.",
    )
    (allergy,) = items(draft, "subjective", "allergy")
    assert allergy["negated"] is True
    meds = items(draft, "subjective", "medication")
    assert meds and all(it["negated"] for it in meds)


# ------------------------------------------------------------------ replies to the patient's own questions


def test_not_needed_in_reply_to_the_patients_question_says_what_is_not_needed(engine):
    draft = g(
        engine,
        "[patient] سرم درد می‌کنه. سی‌تی‌اسکن لازم نیست؟ خواهرم گفت حتماً بگیر.\n"
        "[doctor] نه، فعلاً لازم نیست. این سردرد تنشیه.",
    )
    assert any("سی‌تی‌اسکن" in it["text"] and it["negated"] for it in items(draft, "plan"))


def test_trying_without_a_promise_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] سیگار رو باید کنار بذارید.\n[patient] سعی می‌کنم...\n[patient] ولی قول نمی‌دم.",
    )
    assert not items(draft, "subjective", "hpi")


# ------------------------------------------------------------------ an orthostatic pressure


def test_a_pressure_taken_after_standing_up_is_the_standing_pressure(engine):
    draft = g(
        engine,
        "[patient] وقتی پا می‌شم سرم گیج می‌ره.\n"
        "[doctor] فشار نشسته ۱۴۰ روی ۸۵. یه دقیقه بعد از ایستادن ۱۱۵ روی ۷۰.",
    )
    bps = [it["text"] for it in items(draft, "objective", "vital") if it.get("name") == "bp"]
    assert any("(ایستاده)" in t and "115/70" in t for t in bps)


# ------------------------------------------------------------------ labs listed after "I'll write"


def test_labs_listed_after_ill_write_are_an_order(engine):
    draft = g(engine, "[doctor] قندتون بالاست.\n[doctor] برای ماه بعد می‌نویسم: TSH، کراتینین و پتاسیم.")
    assert any("کراتینین" in t for t in texts(draft, "plan", "test"))


# ------------------------------------------------------------------ kept on as before


def test_medicines_kept_as_before_are_continued_in_the_plan(engine):
    draft = g(
        engine,
        "[doctor] فشارتون خوبه. لوزارتان و هیدروکلروتیازید مثل سابق.\n[doctor] سه ماه دیگه بیاید.",
    )
    plan = texts(draft, "plan", "medication")
    assert "ادامه لوزارتان" in plan
    assert not items(draft, "subjective", "medication")


# ------------------------------------------------------------------ the diagnosis said as a suspicion, a fit or a yes


def _problems(text: str, engine) -> list[str]:
    return texts(g(engine, text), "assessment", "problem")


def test_a_diagnosis_said_as_what_the_picture_fits_is_the_assessment(engine):
    problems = _problems(
        "[doctor] از کی صورتتون درد می‌کنه؟\n[patient] یه هفته‌ست، پیشونیم سنگینه و آبریزش بینی دارم.\n"
        "[doctor] خم که می‌شید بدتر می‌شه؟\n[patient] آره، خیلی.\n"
        "[doctor] علائمتون بیشتر به سینوزیت می‌خوره. شستشوی بینی با سرم روزی دو بار.",
        engine,
    )
    assert any("سینوزیت" in t for t in problems), problems


def test_a_diagnosis_said_as_the_doctors_suspicion_is_the_assessment(engine):
    problems = _problems(
        "[doctor] درد از کجا شروع شد؟\n[patient] از پهلوی چپ، تیر می‌کشه می‌ره پایین.\n"
        "[doctor] فکر می‌کنم سنگ کلیه باشه. سونوگرافی کلیه و آزمایش ادرار می‌نویسم.",
        engine,
    )
    assert any("سنگ کلیه" in t for t in problems), problems


def test_a_yes_that_names_the_diagnosis_is_the_assessment(engine):
    problems = _problems(
        "[doctor] پرده‌ی گوش چپ قرمز و برآمده‌ست.\n[patient] یعنی گوشش عفونت کرده دکتر؟\n"
        "[doctor] بله، عفونت گوش میانی سمت چپ. شربت آموکسی‌سیلین روزی دو بار، ده روز.",
        engine,
    )
    assert any("عفونت گوش" in t for t in problems), problems
