"""The rules engine on the fourth clinician round's Persian findings (made-up colloquial dialogue)."""

from __future__ import annotations

from tests.nlp.drafting import items
from tests.nlp.drafting import persian_draft as g


def meds(draft, section):
    return {it.get("name"): it for it in items(draft, section, "medication")}


# ------------------------------------------------------------------ medication orders


def test_half_a_tablet_halves_the_strength_and_a_time_of_day_is_its_schedule(engine):
    draft = g(
        engine,
        "[doctor] چه قرصایی میخورید؟\n[patient] کاپتوپریل بیست و پنج نصف صبح. لووتیروکسین صد صبح یکی.",
    )
    taken = meds(draft, "subjective")
    assert (taken["کاپتوپریل"]["dose"], taken["کاپتوپریل"]["frequency"]) == ("12.5", "صبح")
    assert taken["کاپتوپریل"]["text"] == "کاپتوپریل 12.5 (نصف قرص 25) صبح"
    assert (taken["لووتیروکسین"]["dose"], taken["لووتیروکسین"]["frequency"]) == ("100", "صبح یکی")
    # the medication items say it all: no quote of the same list as history
    assert not items(draft, "subjective", "hpi")


def test_a_small_strength_in_words_before_a_time_of_day(engine):
    draft = g(engine, "[doctor] داروهاتون؟\n[patient] آملودیپین ده صبح یکی، آتنولول پنج شب.")
    taken = meds(draft, "subjective")
    assert (taken["آتنولول"]["dose"], taken["آتنولول"]["frequency"]) == ("5", "شب")


def test_a_tablet_named_by_its_strength_is_no_drug(engine):
    draft = g(engine, "[doctor] گلی‌کلازید رو میکنیم هشتاد میلی‌گرم، یعنی قرص هشتادی، روزی دو بار قبل از غذا.")
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["dose"], med["frequency"]) == ("گلی‌کلازید", "80", "روزی دو بار")
    assert med["text"] == "گلی‌کلازید 80 میلی‌گرم روزی دو بار قبل از غذا"


def test_a_course_in_cc_keeps_its_length(engine):
    draft = g(engine, "[doctor] شربت سفیکسیم هم می‌نویسم، روزی چهار سی سی تا هفت روز.")
    (med,) = items(draft, "plan", "medication")
    assert (med["dose"], med["duration"]) == ("4", "7 days")


def test_a_condition_said_with_the_order_is_kept(engine):
    draft = g(engine, "[doctor] اگه سرفه‌ش زیاد شد شربت دکسترومتورفان، هر هشت ساعت پنج سی سی.")
    (med,) = items(draft, "plan", "medication")
    assert med["frequency"] == "هر هشت ساعت در صورت سرفه"
    draft = g(engine, "[doctor] قرص مفنامیک روزی سه بار بخورید، اگه درد داشتی.")
    (med,) = items(draft, "plan", "medication")
    assert med["frequency"] == "روزی سه بار در صورت درد"


def test_at_an_attack_with_a_daily_limit(engine):
    draft = g(engine, "[doctor] موقع حمله سوماتریپتان پنجاه بخورید، حداکثر سه تا در روز.")
    (med,) = items(draft, "plan", "medication")
    assert med["frequency"] == "حداکثر سه تا در روز در صورت حمله"


def test_a_combination_product_is_one_drug_and_stopping_it_stops_both(engine):
    draft = g(
        engine,
        "[doctor] برای درد چی میخورید؟\n[patient] استامینوفن کدئین، هر روز یکی دو تا.\n"
        "[doctor] استامینوفن کدئین رو دیگه نخورید.",
    )
    (taken,) = items(draft, "subjective", "medication")
    assert (taken["name"], taken["frequency"]) == ("استامینوفن-کدئین", "هر روز یکی دو تا")
    (stop,) = items(draft, "plan", "medication")
    assert stop["text"] == "قطع استامینوفن-کدئین" and stop["stopped"]


def test_a_word_for_painkillers_in_general_is_no_medication(engine):
    draft = g(engine, "[doctor] مصرف زیاد مسکن خودش سردرد میاره.")
    assert not items(draft, "subjective", "medication") and not items(draft, "plan", "medication")


def test_a_name_said_in_two_words_stays_one_name(engine):
    draft = g(engine, "[doctor] آموکسی سیلین پونصد هر هشت ساعت می‌نویسم.")
    (med,) = items(draft, "plan", "medication")
    assert (med["name"], med["dose"]) == ("آموکسی‌سیلین", "500")


def test_half_an_hour_before_food_is_no_half_tablet(engine):
    draft = g(engine, "[doctor] پنتوپرازول چهل نیم ساعت قبل از صبحانه بخورید.")
    (med,) = items(draft, "plan", "medication")
    assert med["dose"] == "40"


# ------------------------------------------------------------------ negation


def ros(draft):
    return {it["name"]: it["negated"] for it in items(draft, "subjective", "ros")}


def test_it_happened_and_stopped_since_is_no_denial(engine):
    draft = g(engine, "[doctor] استفراغ چی؟\n[patient] پریروز سه بار بالا آورد، از دیروز دیگه نه.")
    assert ros(draft)["vomiting"] is False


def test_none_of_them_denies_each_item_asked_even_if_the_advice_names_them_later(engine):
    draft = g(
        engine,
        "[doctor] سرگیجه، تپش قلب، سفتی گردن یا تب؟\n[patient] نه هیچکدوم.\n"
        "[doctor] اگه تب یا سفتی گردن پیدا کرد فوری بیارینش اورژانس.",
    )
    assert ros(draft) == {"dizziness": True, "تپش قلب": True, "neck stiffness": True, "fever": True}


def test_a_no_with_a_few_words_keeps_the_question_it_answers(engine):
    draft = g(engine, "[doctor] مشکلی تو راه رفتن ندارید؟ تعادلتون خوبه؟\n[patient] نه، نه، همه چی خوبه.")
    (hpi,) = items(draft, "subjective", "hpi")
    assert hpi["text"] == "بیمار در پاسخ به «مشکلی تو راه رفتن ندارید؟ تعادلتون خوبه؟»: نه، نه، همه چی خوبه."


def test_a_parent_answering_is_the_parent_with_or_without_the_question(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] دخترم از دیشب سرفه میکنه.\n[doctor] خلط داره؟\n[patient] نه خلط نداره.",
    )
    assert all(it["text"].startswith("والد بیمار") for it in items(draft, "subjective", "hpi"))


def test_fainting_denied_is_a_pertinent_negative(engine):
    draft = g(engine, "[doctor] افتادید؟\n[patient] نزدیک بود بیفتم. غش نکردم.")
    assert ros(draft)["syncope"] is True


# ------------------------------------------------------------------ «حساسیت» that is no allergy


def test_tenderness_on_a_place_is_an_exam_finding_not_an_allergy(engine):
    draft = g(engine, "[doctor] روی کیسه صفرا کمی حساسیت هست، کبد بزرگ نیست.")
    assert not items(draft, "subjective", "allergy")
    assert [it["kind"] for it in items(draft, "objective")] == ["exam"]


def test_sensitivity_to_light_or_noise_is_a_symptom_not_an_allergy(engine):
    draft = g(
        engine,
        "[doctor] با سردرد حساسیت به نور یا صدا هم دارید؟\n[patient] آره، صدای بلند اذیتم میکنه، نور هم همینطور.",
    )
    assert not items(draft, "subjective", "allergy")
    assert ros(draft)["photophobia"] is False


def test_a_drug_left_out_because_of_an_allergy_is_a_plan_decision(engine):
    draft = g(engine, "[doctor] چون حساسیت دارید سفالکسین براتون نمی‌نویسم.")
    assert not items(draft, "subjective", "allergy")
    (plan,) = items(draft, "plan")
    assert plan["kind"] == "instruction" and not plan.get("name")


def test_a_real_allergy_is_still_an_allergy(engine):
    draft = g(engine, "[doctor] به دارویی حساسیت دارید؟\n[patient] آره به سولفا، تاول زدم.")
    assert items(draft, "subjective", "allergy")


# ------------------------------------------------------------------ advice said after the first sentence


def test_advice_after_a_decision_is_kept_and_the_decision_is_a_plan(engine):
    draft = g(
        engine,
        "[patient] قطره آنتی بیوتیک لازم نداره؟\n"
        "[doctor] نه، آلرژیکه، آنتی‌بیوتیک لازم نیست. کمپرس سرد بذارید، چشمشو نماله.\n"
        "[doctor] سه روز مهد نبرینش. آب پرتقال و شکلات نه.",
    )
    assert not items(draft, "assessment")
    plan = [it["text"] for it in items(draft, "plan")]
    assert plan == [
        "آلرژیکه، آنتی‌بیوتیک لازم نیست.",
        "کمپرس سرد بذارید، چشمشو نماله.",
        "سه روز مهد نبرینش.",
        "آب پرتقال و شکلات نه.",
    ]


def test_advice_in_the_same_sentence_as_an_order_is_kept(engine):
    draft = g(engine, "[doctor] قرص هیوسین هم روزی سه بار، دهن خشکی میاره، زیاد آب بنوشید.")
    assert [it["kind"] for it in items(draft, "plan")] == ["medication", "instruction"]
    assert items(draft, "plan", "instruction")[0]["text"] == "دهن خشکی میاره، زیاد آب بنوشید."


def test_imperative_advice_is_a_plan(engine):
    draft = g(
        engine,
        "[doctor] شبا سرتونو بالاتر بذارید. قبل خواب چیزی نخورید. یه دفترچه غذایی بنویسید.\n"
        "[doctor] یه برگه رژیم هم بهتون میدم. نگران نباشید.",
    )
    assert len(items(draft, "plan", "instruction")) == 5


# ------------------------------------------------------------------ small talk


def test_greetings_thanks_and_exam_logistics_are_no_content(engine):
    draft = g(
        engine,
        "[doctor] سلام حاج آقا، خوش اومدید، بفرمایید بشینید.\n[patient] سلام آقای دکتر، خسته نباشید، ممنون.\n"
        "[doctor] بذاریدش رو تخت معاینه‌ش کنم. گلوش قرمزه.\n[doctor] آره دو روز استراحت کنید.",
    )
    assert [it["text"] for it in items(draft, "objective")] == ["گلوش قرمزه."]
    assert not items(draft, "subjective")
    assert [it["text"] for it in items(draft, "plan")] == ["دو روز استراحت کنید."]


# ------------------------------------------------------------------ numbers the doctor states


def test_pressures_keep_the_posture_they_were_taken_in(engine):
    draft = g(engine, "[doctor] فشار نشسته صد و چهل روی نود بود، ایستاده شد صد و پانزده روی هفتاد و پنج.")
    vitals = [it["text"] for it in items(draft, "objective", "vital")]
    assert vitals == ["فشار خون (نشسته): 140/90 mmHg", "فشار خون (ایستاده): 115/75 mmHg"]


def test_lab_values_are_results_with_the_previous_value(engine):
    draft = g(
        engine,
        "[doctor] پتاسیم‌تون شده پنج و سه دهم. دو ماه پیش چهار و هشت دهم بود.\n"
        "[doctor] قند ناشتا هم صد و بیست.",
    )
    results = [it["text"] for it in items(draft, "objective", "result")]
    assert results == ["پتاسیم: 5.3 mEq/L (قبلی: 4.8، دو ماه پیش)", "قند ناشتا: 120 mg/dL"]
    assert not items(draft, "objective", "vital")  # a fasting glucose is a lab, not a vital


def test_a_childs_weight_in_kilos(engine):
    draft = g(engine, "[doctor] وزنش یازده کیلوئه.")
    (weight,) = items(draft, "objective", "vital")
    assert (weight["name"], weight["value"]) == ("weight", 11)


def test_a_lab_value_with_a_remark_keeps_the_remark(engine):
    draft = g(engine, "[doctor] تی اس اچ تون چهار و دو دهمه، تیروئیدتون خوبه.")
    (result,) = items(draft, "objective", "result")
    assert result["text"] == "TSH: 4.2 mIU/L؛ تیروئیدتون خوبه"


def test_how_a_medicine_asked_about_is_taken_comes_from_the_answer(engine):
    draft = g(
        engine,
        "[doctor] گلی‌بن‌کلامید رو الان چطوری میخورید؟\n[patient] روزی سه تا، قبل هر غذا یکی. پنجی.\n"
        "[doctor] لووتیروکسین صد هم صبحا میخورید؟\n[patient] بله اونم میخورم.",
    )
    taken = meds(draft, "subjective")
    assert (taken["گلی‌بن‌کلامید"]["dose"], taken["گلی‌بن‌کلامید"]["frequency"]) == ("5", "روزی سه تا")
    assert (taken["لووتیروکسین"]["dose"], taken["لووتیروکسین"]["frequency"]) == ("100", "صبحا")
    assert not items(draft, "subjective", "hpi")  # the answers are in the medication items


def test_a_drug_named_with_is_and_its_strength_between_commas(engine):
    draft = g(
        engine, "[patient] یه قرص فشار هم اضافه کردن.\n[doctor] این قرص فشارتون والسارتانه، هشتاد، شبا."
    )
    med = meds(draft, "subjective")["والسارتان"]
    assert (med["dose"], med["frequency"]) == ("80", "شبا")


# ------------------------------------------------------------------ chief complaint


def test_a_reading_out_of_range_is_the_reason_for_a_follow_up(engine):
    draft = g(engine, "[doctor] سلام، بفرمایید.\n[patient] سلام. دکتر فشارم این دو هفته همش بالا بوده.")
    (cc,) = items(draft, "subjective", "chief_complaint")
    assert cc["text"] == "فشار خون بالا (دو هفته)"


def test_burning_when_going_to_the_toilet_is_painful_urination(engine):
    draft = g(engine, "[patient] دو روزه سوزش موقع دستشویی دارم.")
    (cc,) = items(draft, "subjective", "chief_complaint")
    assert cc["text"].startswith("سوزش ادرار")


def test_a_count_is_no_answer_to_since_when(engine):
    draft = g(
        engine, "[patient] کمرم درد میکنه.\n[doctor] از کی؟\n[patient] چند هفته‌ست، روزی دو سه بار تیر میکشه."
    )
    assert not any("(از کی؟): " in it["text"] for it in items(draft, "subjective", "hpi"))
    draft = g(engine, "[patient] سرم گیج میره.\n[doctor] از کی؟\n[patient] سه روزه.")
    assert "سرگیجه (از کی؟): سه روز" in [it["text"] for it in items(draft, "subjective", "hpi")]


def test_not_much_is_a_little_not_a_denial(engine):
    draft = g(engine, "[doctor] میوه و سبزی میخورید؟\n[patient] نه زیاد، چون دندونام درد میکنه کم میخورم.")
    (hpi,) = items(draft, "subjective", "hpi")
    assert hpi["negated"] is False


def test_a_later_no_in_the_answer_keeps_the_questions(engine):
    draft = g(engine, "[doctor] چند سالتونه؟ سیگار میکشید؟\n[patient] چهل و پنج. نه، نمیکشم.")
    (smoking,) = [it for it in items(draft, "subjective", "social_history") if it["negated"]]
    assert smoking["text"] == "سیگار میکشید؟ خیر"
    draft = g(
        engine, "[doctor] چند سالتونه؟ سیگار میکشید؟\n[patient] چهل و پنج. نه، سیگار نمیکشم، قلیون هم نه."
    )
    texts = [it["text"] for it in items(draft, "subjective")]
    assert "بیمار در پاسخ به «چند سالتونه؟ سیگار میکشید؟»: نه، سیگار نمیکشم، قلیون هم نه." in texts


def test_a_short_answer_without_a_subject_keeps_its_question(engine):
    draft = g(engine, "[doctor] رنگ ادرارتون تغییر کرده؟\n[patient] پریروز یه کم تیره بود.")
    (hpi,) = items(draft, "subjective", "hpi")
    assert hpi["text"] == "بیمار در پاسخ به «رنگ ادرارتون تغییر کرده؟»: پریروز یه کم تیره بود."


def test_what_is_not_needed_is_a_plan_item_not_to_do(engine):
    draft = g(
        engine, "[patient] سی تی اسکن نمیخواد؟\n[doctor] نه، الان علامت خطری ندارید، سی تی کمکی نمیکنه."
    )
    (plan,) = items(draft, "plan")
    assert plan["negated"] and plan["text"] == "الان علامت خطری ندارید، سی تی کمکی نمیکنه."
    assert not items(draft, "subjective")


def test_a_condition_ruled_out_is_a_negated_assessment_and_the_patient_agreeing_is_no_content(engine):
    draft = g(
        engine,
        "[doctor] خدا رو شکر کم آبی نداره. صداهای روده کمی زیاده.\n[doctor] سرم لازم نیست.\n[patient] باشه، پس نمیخواد.",
    )
    (problem,) = items(draft, "assessment")
    assert problem["negated"] and problem["text"] == "کم آبی نداره." and not problem.get("name")
    assert [it["text"] for it in items(draft, "objective", "exam")] == ["صداهای روده کمی زیاده."]
    assert not items(draft, "subjective")


# ------------------------------------------------------------------ guards


def test_a_condition_belongs_to_the_drug_it_is_said_with(engine):
    draft = g(engine, "[doctor] ایبوپروفن چهارصد روزی سه بار، اگه سرفه کرد شربت دکسترومتورفان هر هشت ساعت.")
    plan = meds(draft, "plan")
    assert plan["ایبوپروفن"]["frequency"] == "روزی سه بار"
    assert plan["دکسترومتورفان"]["frequency"] == "هر هشت ساعت در صورت سرفه"


def test_a_lab_checked_again_later_is_no_value(engine):
    draft = g(engine, "[doctor] کراتینین رو دو هفته دیگه دوباره چک کنید.")
    assert not items(draft, "objective")
    assert items(draft, "plan")


def test_commands_during_the_exam_are_no_advice(engine):
    draft = g(engine, "[doctor] رو تخت دراز بکشید. نفس عمیق بکشید. دستمو فشار بدید.")
    assert not items(draft, "plan")


def test_it_stopped_since_in_the_patients_own_words(engine):
    draft = g(engine, "[doctor] تب داره؟\n[patient] تا دیروز تب داشت، امروز دیگه نداره.")
    assert ros(draft)["fever"] is False


def test_a_new_dose_of_a_medicine_taken_says_the_change(engine):
    draft = g(
        engine,
        "[doctor] لوزارتان رو چطوری میخورید؟\n[patient] روزی یکی، صبحا. پنجاهی.\n"
        "[doctor] لوزارتان رو میکنیم صد میلی‌گرم، روزی یه بار.",
    )
    (order,) = items(draft, "plan", "medication")
    assert order["text"] == "لوزارتان 100 میلی‌گرم روزی یه بار (افزایش دوز از 50)"


def test_a_tubal_ligation_is_past_history(engine):
    draft = g(engine, "[doctor] احتمال بارداری هست؟\n[patient] نه، سال‌ها پیش لوله‌هامو بستم.")
    assert [it["kind"] for it in items(draft, "subjective")] == ["past_history"]


def test_how_to_take_it_names_the_medicine_ordered_last(engine):
    draft = g(
        engine,
        "[doctor] سفیکسیم چهارصد روزی یه بار، هفت روز.\n[patient] قبل غذا یا بعدش؟\n[doctor] آره بعد از شام بخورید.",
    )
    assert items(draft, "plan", "instruction")[0]["text"] == "سفیکسیم: بعد از شام بخورید."


def test_a_greeting_saying_who_came_along_keeps_only_the_companion(engine):
    draft = g(engine, "[doctor] سلام، با کی اومدین؟\n[patient] سلام خانم دکتر، با پسرم اومدم.")
    assert [it["text"] for it in items(draft, "subjective")] == ["همراه بیمار: پسر"]
