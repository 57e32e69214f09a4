"""The rules engine on the seventh round's Persian findings (made-up colloquial dialogue, worded unlike
the visits the findings came from): the doctor's impression said colloquially, Arabic letter forms,
family history that names no condition, taarof, a relative's advice, the patient's own reason for
coming."""

from __future__ import annotations

from soapify.nlp.engines import lexicons as lx
from soapify.nlp.engines.text import persian_letters
from tests.nlp.drafting import items, texts
from tests.nlp.drafting import persian_draft as g

# ------------------------------------------------------------------ the doctor's impression


def test_a_diagnosis_with_the_spoken_copula_on_its_qualifier_is_the_assessment(engine):
    draft = g(
        engine,
        "[doctor] از کی گلوتون درد می‌کنه؟\n[patient] از پریروز، قورت دادن سخته.\n"
        "[doctor] لوزه‌ها بزرگ و قرمزن، چرک دارن.\n[doctor] عفونت گلوی باکتریاییه، سمت چپ بیشتر.",
    )
    assert any("باکتریاییه" in t for t in texts(draft, "assessment"))


def test_a_suspicion_said_with_mumkene_or_ehtemal_is_the_assessment_even_beside_the_exam(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] دیروز تو باشگاه شونه‌م کشیده شد، بالا نمی‌ره.\n"
        "[doctor] با این معاینه خیلی احتمال داره تاندون شونه پاره شده باشه.\n"
        "[doctor] ممکنه بورسیت هم باشه.",
    )
    said = texts(draft, "assessment")
    assert any("تاندون" in t for t in said)
    assert any("بورسیت" in t for t in said)
    assert not any("تاندون" in t for t in texts(draft, "objective", "exam"))


def test_what_the_picture_fits_and_what_we_call_it_are_the_assessment(engine):
    draft = g(
        engine,
        "[doctor] بفرمایید.\n[patient] یه ماهه شب‌ها خوابم نمی‌بره و دلم شور می‌زنه.\n"
        "[doctor] اینا با اضطراب جور درمیاد.\n"
        "[doctor] بهش می‌گیم سردرد تنشی، از سفتی عضلات گردنه.",
    )
    said = texts(draft, "assessment")
    assert any("اضطراب" in t for t in said)
    assert any("سردرد تنشی" in t for t in said)


def test_a_season_of_colds_and_a_possible_side_effect_are_no_assessment():
    assert not lx.told_diagnosis("فصل آنفولانزاست، مطب شلوغه.")
    assert not lx.told_diagnosis("ممکنه عفونت برگرده، پس دارو رو کامل بخورید.")
    assert lx.told_diagnosis("چیزی که دارید میگرنه.")
    assert lx.suspected_diagnosis("به احتمال زیاد سنگ کلیه باشه.")


# ------------------------------------------------------------------ Arabic letter forms


def test_arabic_yeh_and_kaf_read_as_persian_letters():
    text = "سرم گيج مي‌ره، كمرم هم درد مي‌كنه"
    folded = persian_letters(text)
    assert len(folded) == len(text)
    assert "گیج می‌ره" in folded and "کمرم" in folded


def test_a_complaint_typed_with_arabic_letters_is_the_chief_complaint(engine):
    draft = g(
        engine,
        "[doctor] سلام، چی شده؟\n[patient] از ديروز سرم گيج مي‌ره، وقتي پا مي‌شم بدتره.\n"
        "[doctor] به دارويي حساسيت داريد؟\n[patient] به آسپرين، تنگی نفس مي‌گيرم.",
    )
    cc = texts(draft, "subjective", "chief_complaint")
    assert cc and "سرگیجه" in cc[0]
    assert items(draft, "subjective", "allergy")


# ------------------------------------------------------------------ family history needs a condition


def test_how_is_the_family_answered_with_courtesies_is_no_family_history(engine):
    draft = g(
        engine,
        "[doctor] سلام حاج آقا، خوبین؟ بچه‌ها خوبن؟ خانواده خوبن؟\n"
        "[patient] قربان شما، ای بد نیستیم، شکر.\n"
        "[doctor] چی شده؟\n[patient] یه هفته‌ست سرفه می‌کنم.",
    )
    assert not items(draft, "subjective", "family_history")
    assert "قربان" not in " ".join(texts(draft, "subjective"))


def test_a_relative_named_with_no_condition_is_no_family_history(engine):
    draft = g(
        engine,
        "[doctor] چی کار کردید تا حالا؟\n[patient] خواهرم یه پماد آورد، مالیدم.\n"
        "[doctor] کسی تو خانواده آسم داره؟\n[patient] پدرم.\n"
        "[doctor] دیگه کسی؟\n[patient] داداشم هم قند داره.",
    )
    fam = texts(draft, "subjective", "family_history")
    assert not any("پماد" in t for t in fam)
    assert any("پدرم" in t for t in fam)
    assert any("قند" in t for t in fam)


def test_a_companion_calling_the_patient_mum_and_a_vocative_are_no_family_history(engine):
    draft = g(
        engine,
        "[doctor] سلام، بفرمایید.\n[other] سلام دکتر، من پسرشونم. بابا دیروز تو حموم سُر خورد.\n"
        "[doctor] حاج آقا، سرتون جایی خورد؟\n[patient] نه پسرم، با زانو خوردم زمین.",
    )
    assert not items(draft, "subjective", "family_history")


# ------------------------------------------------------------------ taarof and a relative's advice


def test_taarof_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] بفرمایید.\n[patient] ببخشید مزاحم شدیم.\n[patient] سه روزه دلم درد می‌کنه.\n"
        "[doctor] روزی سه بار بعد غذا بخورید.\n[patient] نه دیگه، قول می‌دم.\n"
        "[patient] ببخشید وقتتون رو گرفتم.\n[patient] ایشالا عروسیتون.",
    )
    said = " ".join(texts(draft, "subjective"))
    for word in ("مزاحم", "قول", "وقتتون", "عروسی"):
        assert word not in said
    assert "دلم" in said


def test_a_relatives_advice_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] چهار روزه گلوم درد می‌کنه.\n"
        "[patient] مادرزنم می‌گه آب نمک غرغره کن، شوهرخواهرم هم می‌گه نخور آنتی‌بیوتیک.",
    )
    said = " ".join(texts(draft, "subjective"))
    assert "غرغره" not in said
    assert "گلو" in said


# ------------------------------------------------------------------ the reason for coming


def test_the_patients_own_reason_wins_over_small_talk(engine):
    draft = g(
        engine,
        "[doctor] سلام، کار و بار چطوره؟\n[patient] ای، خسته‌کننده، مثل همیشه.\n"
        "[patient] ولی امروز بخاطر تپش قلبم اومدم.\n[doctor] از کی؟\n[patient] یه ماهی می‌شه.",
    )
    cc = texts(draft, "subjective", "chief_complaint")
    assert cc and "تپش قلب" in cc[0]
    assert "خستگی" not in " ".join(texts(draft, "subjective"))


def test_sleeplessness_said_plainly_is_a_symptom(engine):
    draft = g(
        engine,
        "[doctor] بفرمایید، چه کمکی از دستم برمیاد؟\n[patient] دو ماهه شبا خواب ندارم.",
    )
    cc = texts(draft, "subjective", "chief_complaint")
    assert cc and "بی‌خوابی" in cc[0]


# ------------------------------------------------------------------ orders


def test_a_new_dose_said_as_what_the_medicine_is_made_is_the_order(engine):
    draft = g(
        engine,
        "[doctor] الان چی می‌خورید؟\n[patient] لوزارتان پنجاه، صبح یکی.\n"
        "[doctor] فشارتون هنوز بالاست. لوزارتان رو می‌کنیم صد، صبح‌ها.\n"
        "[doctor] پروپرانولول رو هم بکنید بیست، روزی دو بار.",
    )
    plan = texts(draft, "plan", "medication")
    assert any("لوزارتان" in t and "100" in t for t in plan)
    assert any("پروپرانولول" in t and "20" in t for t in plan)


def test_a_dosage_form_said_not_needed_is_no_medicine(engine):
    draft = g(
        engine,
        "[doctor] قرص لازم نیست، با استراحت خوب می‌شه.\n[doctor] شربت هم فایده نداره.",
    )
    assert not any(it["text"].startswith(("لازم", "فایده")) for it in items(draft, "plan", "medication"))
    assert not items(draft, "plan", "medication")


# ------------------------------------------------------------------ moves asked for during the exam


def test_moves_asked_for_during_the_exam_are_no_plan(engine):
    draft = g(
        engine,
        "[doctor] کجاتون درد می‌کنه؟\n[patient] مچ دست چپم.\n"
        "[doctor] آستین رو بزنید بالا لطفاً.\n[doctor] حالا مچ رو خم کنید.\n[doctor] خب، شل کنید.\n"
        "[doctor] بذارید دستتون رو ببینم، ساعت رو دربیارید.\n"
        "[doctor] مچ یه کم ورم داره، حساسه.\n[doctor] روزی سه بار یخ بذارید، بیست دقیقه.",
    )
    plan = " ".join(texts(draft, "plan"))
    for word in ("آستین", "خم کنید", "شل کنید", "دربیارید"):
        assert word not in plan
    assert "یخ" in plan


def test_a_dose_read_from_the_bag_then_changed_is_the_current_dose(engine):
    draft = g(
        engine,
        "[doctor] داروهاتون رو آوردید؟\n[patient] بله، اینجاست.\n"
        "[doctor] آملودیپین ده، روزی یکی. آتنولول صد، صبح و شب.\n"
        "[doctor] فشارتون موقع پا شدن افت می‌کنه. آتنولول رو کنید پنجاه، صبح و شب.",
    )
    plan = [t for t in texts(draft, "plan", "medication") if "آتنولول" in t]
    assert plan and all("50" in t for t in plan)
    assert any("آتنولول" in t and "100" in t for t in texts(draft, "subjective", "medication"))


def test_an_offer_turned_down_with_x_na_doctor_is_declined(engine):
    draft = g(
        engine,
        "[doctor] کمرتون باید استراحت کنه. براتون سه روز استراحت پزشکی می‌نویسم.\n"
        "[patient] استراحت نه آقای دکتر، مغازه رو کسی نیست بچرخونه.",
    )
    written = [t for t in texts(draft, "plan") if "می‌نویسم" in t]
    assert written and all(t.startswith("نپذیرفت") for t in written)


# ------------------------------------------------------------------ talk after the doctor's statement


def test_the_answer_to_how_the_family_or_work_is_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] سلام، بچه‌ها خوبن؟\n[patient] خوبن، پسرم کنکور داره، همه درگیریم.\n"
        "[doctor] کار و بار چطوره؟\n[patient] ای، می‌گذره.\n"
        "[doctor] خب، چی شده؟\n[patient] سه روزه گلوم می‌سوزه.",
    )
    said = " ".join(texts(draft, "subjective"))
    assert "کنکور" not in said and "می‌گذره" not in said
    assert "گلو" in said


def test_a_remark_with_nothing_clinical_after_the_doctors_statement_is_no_history(engine):
    draft = g(
        engine,
        "[doctor] سلام، بفرمایید.\n[patient] چه هوای خوبی امروز.\n[patient] دو هفته‌ست کمرم درد می‌کنه.\n"
        "[doctor] یه قرص شل‌کننده عضله می‌نویسم، شب‌ها یکی.\n[patient] عالیه، ممنون از لطفتون.\n"
        "[doctor] یه هفته دیگه بیاید.\n[patient] شب‌ها از درد تا صبح بیدارم.",
    )
    said = " ".join(texts(draft, "subjective"))
    assert "هوای" not in said and "عالیه" not in said
    assert "کمر" in said and "بیدارم" in said


# ------------------------------------------------------------------ the exam


def test_the_answer_to_a_press_during_the_exam_is_an_exam_finding_not_history(engine):
    draft = g(
        engine,
        "[doctor] از کی دلتون درد می‌کنه؟\n[patient] از دیروز.\n"
        "[doctor] شکم نرمه. سمت راست پایین رو فشار میدم، درد داره؟\n[patient] نه، اونجا نه.\n"
        "[doctor] اینجا بالای ناف چی، درد داره؟\n[patient] آره، همین‌جا.",
    )
    exam = items(draft, "objective", "exam")
    assert any("فشار میدم" in it["text"] and it["negated"] for it in exam)
    assert any("بالای ناف" in it["text"] and not it["negated"] for it in exam)
    said = " ".join(texts(draft, "subjective"))
    assert "اونجا نه" not in said and "همین‌جا" not in said


def test_advice_said_among_the_findings_is_plan(engine):
    draft = g(
        engine,
        "[doctor] پوست دستا خشکه، ترک داره. روزی چند بار کرم بزنید، با آب داغ نشورید، دستکش بپوشید.",
    )
    assert not any("کرم بزنید" in t for t in texts(draft, "objective"))
    assert any("کرم بزنید" in t for t in texts(draft, "plan"))


def test_the_exam_announced_in_one_word_is_no_finding(engine):
    draft = g(engine, "[doctor] خب، معاینه.\n[doctor] گلو قرمزه، لوزه‌ها بزرگن.")
    assert "معاینه." not in texts(draft, "objective")


# ------------------------------------------------------------------ more of the history


def test_a_part_that_feels_off_is_the_chief_complaint(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] والا چند روزه معده‌م یه جوری میشه، بعد غذا بدتره.\n"
        "[doctor] چربی؟\n[patient] چربیم پارسال بالا بود.",
    )
    (cc,) = texts(draft, "subjective", "chief_complaint")
    assert cc.startswith("ناراحتی معده")


def test_a_verb_after_a_dosage_form_is_no_medicine(engine):
    draft = g(engine, "[doctor] برای چربی باید قرص بخورید، رزوواستاتین ده، شب‌ها.")
    names = [it.get("name") for it in items(draft, "plan", "medication")]
    assert "بخورید" not in names


def test_since_when_takes_its_time_from_the_first_sentence_of_the_answer(engine):
    draft = g(
        engine,
        "[patient] شبا خواب ندارم.\n[doctor] از کی شروع شده؟\n"
        "[patient] از بهار، از وقتی بازنشسته شدم. سی سال معلم بودم.",
    )
    assert not any("سی سال" in t and "(از کی" in t for t in texts(draft, "subjective", "hpi"))


def test_a_medicine_the_patient_asks_about_or_refuses_is_not_taken(engine):
    draft = g(
        engine,
        "[doctor] قندتون هنوز بالاست.\n[patient] انسولین که شروع نمی‌کنید؟ تو رو خدا انسولین نه.\n"
        "[doctor] نه، فعلاً متفورمین رو بیشتر می‌کنیم.\n[patient] گلی‌بن‌کلامید هم می‌خورم.",
    )
    current = " ".join(texts(draft, "subjective", "medication"))
    assert "انسولین" not in current
    assert "متفورمین" not in current
    assert any("متفورمین" in t for t in texts(draft, "plan", "medication"))
    assert "گلی‌بن‌کلامید" in current


def test_the_doctors_reasoning_naming_a_parent_among_the_risks_is_the_assessment(engine):
    draft = g(
        engine,
        "[doctor] کسی تو خانواده مشکل قلبی داشته؟\n[patient] مادرم پنجاه سالگی سکته کرد.\n"
        "[doctor] با این فشار بالا و سیگار و سابقه‌ی مادرتون، به احتمال زیاد قلبیه، یعنی آنژین.",
    )
    assert any("آنژین" in t for t in texts(draft, "assessment"))
    fam = texts(draft, "subjective", "family_history")
    assert any("مادرم" in t for t in fam) and not any("آنژین" in t for t in fam)


def test_a_relatives_possible_condition_is_no_assessment():
    assert not lx.suspected_diagnosis("پدرتون ممکنه سرطان داشته باشه.")
