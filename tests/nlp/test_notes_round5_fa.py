"""The rules engine on the fifth clinician round's Persian findings (made-up colloquial dialogue)."""

from __future__ import annotations

from tests.nlp.drafting import items
from tests.nlp.drafting import persian_draft as g


def meds(draft, section):
    return {it.get("name"): it for it in items(draft, section, "medication")}


def ros(draft) -> dict[str, bool]:
    return {it["name"]: bool(it.get("negated")) for it in items(draft, "subjective", "ros")}


# ------------------------------------------------------------------ "the rest, no"


def test_the_rest_no_denies_the_items_not_named(engine):
    draft = g(
        engine,
        "[doctor] تب، سرفه، تنگی نفس، درد قفسه سینه؟\n[patient] یه کم سرفه دارم، بقیه‌ش نه.",
    )
    found = ros(draft)
    assert found["cough"] is False
    assert found["fever"] is True
    assert found["shortness of breath"] is True
    assert found["chest pain"] is True


def test_head_heaviness_is_a_headache_and_the_rest_are_denied(engine):
    draft = g(engine, "[doctor] سردرد، سرگیجه، تاری دید، تنگی نفس؟\n[patient] صبحا سرم سنگینه، بقیه نه.")
    found = ros(draft)
    assert found["تاری دید"] is True
    assert found["shortness of breath"] is True
    assert found["dizziness"] is True
    assert not any(
        it["text"].endswith(": دارد") and it["name"] != "headache" for it in items(draft, "subjective", "ros")
    )


def test_the_rest_no_after_words_naming_none_of_the_list_records_none_as_present(engine):
    draft = g(engine, "[doctor] تب، لرز، تعریق شبانه؟\n[patient] فقط شبا یه کم اذیت میشم، بقیه نه.")
    assert not [it for it in items(draft, "subjective", "ros") if not it.get("negated")]


# ------------------------------------------------------------------ the doctor's impression, the chief complaint


def problems_named(draft) -> list[str]:
    return [it.get("name") or "" for it in items(draft, "assessment", "problem") if not it.get("negated")]


def test_a_treated_condition_out_of_control_is_an_assessment(engine):
    draft = g(
        engine,
        "[doctor] قندتون رو چک کردید؟\n[patient] آره، صبحا صد و هشتاده.\n"
        "[doctor] قندتون هنوز بالاست. متفورمین رو میکنیم هزار میلی‌گرم، شبی یکی.",
    )
    assert any("قند" in name for name in problems_named(draft))


def test_this_is_a_named_condition_said_with_the_spoken_copula(engine):
    draft = g(
        engine,
        "[patient] آرنج چپم درد میکنه.\n[doctor] معاینه کنم. حرکات آرنج محدوده.\n[doctor] این آرتروز آرنج چپه.",
    )
    assert "آرتروز" in problems_named(draft)
    draft = g(
        engine,
        "[patient] هفت هفته‌مه، صبحا حالم بده.\n[doctor] این تهوع و استفراغ دوران بارداریه. نگران نباشید.",
    )
    assert any("بارداری" in name for name in problems_named(draft))


def test_a_painful_part_with_its_side_is_the_chief_complaint(engine):
    draft = g(
        engine,
        "[doctor] بفرمایید، چه مشکلی دارید؟\n[patient] پای چپم درد میکنه، گاهی هم ورم میکنه.",
    )
    (cc,) = items(draft, "subjective", "chief_complaint")
    assert "درد پای چپ" in cc["text"]


def test_an_opening_about_results_is_their_follow_up_and_the_greeting_is_no_content(engine):
    draft = g(
        engine,
        "[doctor] سلام آقای کریمی، جواب آزمایشتون اومده؟\n[patient] سلام دکتر، بله.\n"
        "[doctor] قندتون صد و بیسته. کمی خسته‌اید؟\n[patient] آره یه کم.",
    )
    (cc,) = items(draft, "subjective", "chief_complaint")
    assert cc["text"] == "پیگیری جواب آزمایش"
    assert not any("سلام" in it["text"] for it in items(draft, "subjective"))


def test_what_an_image_does_not_show_is_part_of_the_result(engine):
    draft = g(
        engine,
        "[patient] مچ دستم درد میکنه.\n[doctor] عکس مچ رو دیدم: بافت نرم یه کم ورم داره. شکستگی نیست.",
    )
    assert not items(draft, "assessment", "problem") or "شکستگی" not in problems_named(draft)
    assert any(it["text"].startswith("شکستگی نیست") for it in items(draft, "objective"))


# ------------------------------------------------------------------ medicines


def test_a_dose_step_up_said_after_the_order_is_kept(engine):
    draft = g(engine, "[doctor] فلوکستین ده میلی‌گرم صبحا، بعد از ده روز بکنیدش بیست.")
    med = meds(draft, "plan")["فلوکستین"]
    assert med["dose"] == "10"
    assert med["text"].endswith("بعد از ده روز 20 میلی‌گرم")
    draft = g(engine, "[doctor] سیتالوپرام ده میلی‌گرم روزی یکی شب، دو هفته، بعد بکنید بیست.")
    med = meds(draft, "plan")["سیتالوپرام"]
    assert med["frequency"] == "روزی یکی شب"
    assert med["text"].endswith("سپس 20 میلی‌گرم")


def test_a_b_vitamin_keeps_its_number_and_cetirizine_in_its_persian_spelling(engine):
    draft = g(engine, "[doctor] ویتامین ب دوازده، پونصد میکروگرم، روزی یکی. سیتریزین ده میلی‌گرم شبی یکی.")
    ordered = meds(draft, "plan")
    assert ordered["ویتامین B12"]["dose"] == "500"
    assert ordered["سیتریزین"]["frequency"] == "شبی یکی"


def test_a_medicine_the_patient_is_told_not_to_take_is_no_order(engine):
    draft = g(
        engine,
        "[doctor] قرصی خوردید؟\n[patient] دیازپام دوستم داد، دو شب خوردم.\n"
        "[doctor] دیازپام رو سرخود نخورید، وابستگی میاره.",
    )
    assert all(it.get("stopped") for it in items(draft, "plan", "medication"))
    draft = g(
        engine,
        "[doctor] برای دردتون چی میخورید؟\n[patient] ناپروکسن هر وقت درد داشتم.\n"
        "[doctor] ناپروکسن خوراکی رو با معده‌تون زیاد نخورید. ژل دیکلوفناک روزی دو بار بمالید.",
    )
    texts = [it["text"] for it in items(draft, "plan", "medication")]
    assert "قطع ناپروکسن خوراکی" in texts
    assert not any(t.startswith("ناپروکسن") for t in texts)


def test_a_medicine_kept_for_no_improvement_is_no_order(engine):
    draft = g(engine, "[doctor] اگه با این قرصا خوب نشدید خبر بدید، متوکلوپرامید براتون می‌نویسم.")
    assert not items(draft, "plan", "medication")
    assert any("متوکلوپرامید" in it["text"] for it in items(draft, "plan"))
    draft = g(engine, "[doctor] اگه تهوع داشتید متوکلوپرامید ده میلی‌گرم بخورید.")
    assert "متوکلوپرامید" in meds(draft, "plan")


def test_the_answer_names_which_of_the_asked_medicines_is_taken(engine):
    draft = g(engine, "[doctor] آسپرین یا کلوپیدوگرل میخورید؟\n[patient] آره، آسپرین میخورم.")
    assert set(meds(draft, "subjective")) == {"آسپرین"}


def test_how_to_take_a_medicine_already_taken_is_an_instruction(engine):
    draft = g(
        engine,
        "[doctor] داروهاتون؟\n[patient] قرص آهن میخورم.\n[doctor] آهن رو ببرید عصر، با آب پرتقال.",
    )
    assert not items(draft, "plan", "medication")
    assert any(it["text"].startswith("آهن رو ببرید عصر") for it in items(draft, "plan"))


# ------------------------------------------------------------------ no repeats


def test_a_short_no_restating_denials_is_not_quoted_again(engine):
    draft = g(engine, "[doctor] تنگی نفس، خس خس، درد قفسه سینه؟\n[patient] نه، نفسم راحته.")
    assert ros(draft) == {"shortness of breath": True, "خس خس": True, "chest pain": True}
    assert not items(draft, "subjective", "hpi")


def test_bare_symptom_questions_in_a_row_share_the_answer(engine):
    draft = g(engine, "[doctor] لرز؟ سرفه؟\n[patient] نه.")
    assert ros(draft) == {"لرز": True, "cough": True}


def test_a_medicine_a_relative_handed_over_is_the_patients_own_account(engine):
    draft = g(engine, "[doctor] دارویی خوردید؟\n[patient] مادرم لورازپام داد، دو سه شب خوردم.")
    assert not items(draft, "subjective", "family_history")
    assert not items(draft, "subjective", "medication")
    assert any("لورازپام" in it["text"] for it in items(draft, "subjective", "hpi"))


def test_the_doctor_about_to_look_is_no_content(engine):
    draft = g(
        engine, "[patient] جواب سونو رو آوردم.\n[doctor] خب، بدید ببینم.\n[doctor] بذارید یه نگاه بکنم."
    )
    assert not any("ببینم" in it["text"] or "نگاه" in it["text"] for it in items(draft, "plan"))


def test_safety_advice_stays_addressed_to_the_patient(engine):
    draft = g(engine, "[doctor] اگه تب دارید یا نمیتونید غذا بخورید، همون روز بیاید.")
    (advice,) = items(draft, "plan")
    assert "تب دارید" in advice["text"] and "دارد" not in advice["text"].split()


# ------------------------------------------------------------------ advice


def test_an_offer_said_after_the_advice_and_declined(engine):
    draft = g(
        engine,
        "[doctor] قلیون رو باید بذارید کنار، میخواید براتون مشاوره ترک بنویسم؟\n[patient] حالا فعلا نه، خودم کمش میکنم.",
    )
    (declined,) = [it for it in items(draft, "plan") if it.get("negated")]
    assert declined["text"].startswith("نپذیرفت: ")
    assert not items(draft, "subjective")


def test_advice_said_without_a_verb_is_a_plan_item(engine):
    draft = g(engine, "[doctor] شکر کم، هفته‌ای پنج روز چهل دقیقه پیاده روی.")
    assert [it["kind"] for it in items(draft, "plan")] == ["instruction"]


# ------------------------------------------------------------------ exam


def exam(draft) -> list[str]:
    return [it["text"] for it in items(draft, "objective", "exam")]


def test_a_sign_looked_for_and_not_found_is_an_exam_finding(engine):
    draft = g(
        engine,
        "[doctor] بذارید معاینه کنم. ادم اندام تحتانی ندارید. توده‌ای لمس نمیشه.\n"
        "[doctor] لب و مخاط دهان مرطوبه.",
    )
    assert exam(draft) == ["ادم اندام تحتانی ندارید.", "توده‌ای لمس نمیشه.", "لب و مخاط دهان مرطوبه."]


def test_a_finding_said_in_the_vitals_sentence_is_kept(engine):
    draft = g(engine, "[doctor] فشار ۱۲۰ روی ۸۰، نبض ۷۶، گلو قرمزه.")
    assert exam(draft) == ["گلو قرمزه."]
    assert {it["name"] for it in items(draft, "objective", "vital")} == {"bp", "hr"}


def test_readings_from_the_patients_log_are_history_not_vitals(engine):
    draft = g(
        engine,
        "[patient] فشارامو تو خونه گرفتم.\n[doctor] شبا حدود صد و سی و پنج روی هشتاد و پنجه.\n"
        "[doctor] فشارتون اینجا ۱۴۲ روی ۹۰.",
    )
    (vital,) = items(draft, "objective", "vital")
    assert (vital["systolic"], vital["diastolic"]) == (142, 90)
    assert any(it["text"].startswith("فشار خون در منزل (شبا): 135/85") for it in items(draft, "subjective"))
    assert not items(draft, "objective", "exam")  # the sentence read out is not quoted as an exam


def test_an_allergy_the_doctor_puts_on_file_names_the_substance(engine):
    draft = g(engine, "[doctor] حساسیت به سفالکسین رو تو پرونده‌تون ثبت میکنم.")
    (allergy,) = items(draft, "subjective", "allergy")
    assert allergy["text"] == "حساسیت به سفالکسین"


def test_vomiting_said_as_a_verb_is_named_in_the_chief_complaint(engine):
    draft = g(engine, "[doctor] چی شده؟\n[patient] از دیروز بالا میارم.")
    (cc,) = items(draft, "subjective", "chief_complaint")
    assert cc["text"].startswith("استفراغ")


def test_an_opening_with_the_patients_own_readings_is_their_follow_up(engine):
    draft = g(
        engine,
        "[doctor] سلام، حالتون چطوره؟\n[patient] خوبم، قندامو تو دفترچه نوشتم آوردم.\n"
        "[doctor] صبحا حدود صد و چهل. گاهی هم سرتون درد میکنه؟\n[patient] گاهی سرم درد میکنه.",
    )
    (cc,) = items(draft, "subjective", "chief_complaint")
    assert cc["text"] == "پیگیری قند خون"


# ------------------------------------------------------------------ numbers


def test_lab_values_in_words_and_free_t4(engine):
    draft = g(engine, "[doctor] جواب آزمایشتون: TSH شده شش و نیم. T4 آزاد یک. کراتینین یک، پتاسیم چهار.")
    texts = " ".join(it["text"] for it in items(draft, "objective", "result"))
    assert "TSH: 6.5 mIU/L" in texts and "FT4: 1 ng/dL" in texts
    assert "کراتینین: 1 mg/dL" in texts and "پتاسیم: 4 mEq/L" in texts


def test_a_weight_said_without_its_unit(engine):
    draft = g(engine, "[doctor] نبض هفتاد و دو. وزن هشتاد و یک.")
    weight = [it for it in items(draft, "objective", "vital") if it["name"] == "weight"]
    assert weight and weight[0]["value"] == 81 and weight[0]["unit"] == "kg"


def test_swelling_of_the_lips_keeps_where_it_is(engine):
    draft = g(engine, "[doctor] ورم لب و زبون یا خارش؟\n[patient] نه.")
    texts = [it["text"] for it in items(draft, "subjective", "ros")]
    assert "ورم لب و زبان: ندارد" in texts


def test_a_neighbours_story_behind_the_patients_question_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] فیزیوتراپی هم برید.\n[patient] طب سوزنی چطوره؟ همکارم رفته خیلی راضی بوده.\n"
        "[doctor] فعلا نه.",
    )
    assert not items(draft, "subjective")


def test_a_count_in_persian_is_listed_with_a_persian_comma(engine):
    draft = g(
        engine, "[patient] اسهال دارم.\n[doctor] روزی چند بار اسهال دارید؟\n[patient] روزی چهار پنج بار."
    )
    counted = [it for it in items(draft, "subjective", "hpi") if it.get("name") == "diarrhea"]
    assert counted and "، " in counted[0]["text"] and ", " not in counted[0]["text"]
