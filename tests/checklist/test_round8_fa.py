"""The checklist on the eighth round's Persian findings (made-up colloquial dialogue, never the visits' text):
understanding checked in the second person singular or by a teach-back, several questions in one turn
sharing their answer, a result read in Persian, another cause weighed, the patient's own reason and a body
part that "feels heavy" as the complaint, and a judged diagnosis beside a finding's word."""

from __future__ import annotations

from soapify.checklist.engines.base import normalize_text
from tests.checklist.evaluating import patterns, result, status


def test_hamza_on_waw_is_normalised_like_the_catalog_spelling():
    assert normalize_text("سؤال") == "سوال"
    assert len(normalize_text("مسؤول")) == len("مسؤول")


def test_understanding_checked_in_the_singular_and_by_teach_back(evaluator):
    singular = (
        "[doctor] قرص رو صبح و شب بخور.\n[doctor] فهمیدی چی گفتم؟ صبح و شب، باشه؟\n[patient] آره، صبح و شب."
    )
    assert "understanding_checked" in patterns(singular)
    assert status(evaluator, singular, "understanding_confirmed") == "covered"
    teach_back = (
        "[doctor] اسپری رو روزی دو بار بزن.\n[doctor] حالا بگو ببینم اسپری رو چطوری میزنی؟\n"
        "[patient] صبح یه پاف، شب یه پاف."
    )
    assert status(evaluator, teach_back, "understanding_confirmed") == "covered"
    # "tell me, what happened?" opens a visit; it checks nothing
    opening = "[doctor] بگو ببینم چی شده؟\n[patient] سرم درد میکنه."
    assert status(evaluator, opening, "understanding_confirmed") == "missing"


def test_a_question_after_the_patients_state_is_no_agreement(evaluator):
    dialogue = "[doctor] اشتهات خوبه؟ خوابت چی؟\n[patient] آره خوبه."
    assert status(evaluator, dialogue, "understanding_confirmed") == "missing"
    agreed = "[doctor] هفته‌ی بعد دوباره بیا، خوبه؟\n[patient] باشه دکتر."
    assert status(evaluator, agreed, "understanding_confirmed") == "covered"


def test_breathlessness_asked_colloquially_among_other_questions_screens_red_flags(evaluator):
    dialogue = "[doctor] نفست تنگ نمیشه؟ تب داری؟ سرت درد میکنه؟\n[patient] نه، هیچکدوم."
    assert "warning_sign_asked" in patterns(dialogue)
    assert status(evaluator, dialogue, "red_flags") == "covered"
    # the patient's own breathlessness is a complaint, not a screen the doctor made
    told = "[doctor] چی شده؟\n[patient] از دیروز سرفه میکنم."
    assert "warning_sign_asked" not in patterns(told)


def test_a_result_read_in_persian_is_reviewed_and_a_result_to_bring_is_not(evaluator):
    read = "[doctor] آزمایش ادرارت رو دیدم، عفونت نشون نمیده، پروتئینش هم منفیه."
    assert "result_read" in patterns(read)
    assert status(evaluator, read, "results_reviewed") == "covered"
    to_bring = "[doctor] پس‌فردا دوباره بیا، جواب آزمایشتم بیار."
    assert status(evaluator, to_bring, "results_reviewed") == "missing"
    ordered = "[doctor] یه آزمایش ادرار می‌نویسم ببینیم قندش بالاست یا نه."
    assert "result_read" not in patterns(ordered)


def test_another_cause_weighed_is_a_differential(evaluator):
    could_be = "[doctor] بیشتر شبیه سرماخوردگیه. ولی آنفولانزا هم میتونه باشه."
    assert status(evaluator, could_be, "differential") == "covered"
    others = "[doctor] اگه بعد از درمان هنوز سرفه داشتی، باید دنبال علت‌های دیگه مثل آسم بگردیم."
    assert status(evaluator, others, "differential") == "covered"
    # a side effect that "could be" is no cause weighed, and "other things like sweets" is diet advice
    side_effect = "[doctor] این قرص ممکنه یه کم دل‌پیچه بده، ولی خوب میشه."
    assert status(evaluator, side_effect, "differential") == "missing"
    advice = "[doctor] چیزای دیگه مثل شیرینی و نوشابه هم نخور."
    assert "weighs_cause" not in patterns(advice)


def test_the_patients_own_reason_and_a_heavy_chest_are_the_chief_complaint(evaluator):
    reason = "[doctor] سلام، خوش اومدید.\n[patient] سلام دکتر. اومدم برای فشارم، داروهامم آوردم."
    assert "reason_for_visit" in patterns(reason)
    assert status(evaluator, reason, "chief_complaint") == "covered"
    felt = "[doctor] سلام، بفرمایید.\n[patient] سلام. چند روزه شکمم یه جوری سفت میشه."
    assert status(evaluator, felt, "chief_complaint") == "covered"
    asked = "[doctor] برای چی اومدی؟\n[patient] سلام."
    assert "reason_for_visit" not in patterns(asked)


def test_a_judged_diagnosis_beside_a_findings_word_is_told(evaluator):
    dialogue = "[doctor] گلوت رو ببینم.\n[doctor] به احتمال زیاد یه گلودرد چرکیه."
    r = result(evaluator, dialogue, "diagnosis_stated")
    assert r.status == "covered" and "چرکیه" in r.evidence_text
    # the finding alone, unjudged, is the examination
    assert "told_diagnosis" not in patterns("[doctor] گلو قرمزه، لوزه‌ها چرکی‌ان.")


def test_a_job_asked_by_name_and_answered_yes_is_the_occupation(evaluator):
    dialogue = "[doctor] معلمی؟\n[patient] آره، دبیرستان درس میدم."
    assert "occupation_told" in patterns(dialogue)
    assert status(evaluator, dialogue, "social_occupation") != "missing"
    assert "occupation_told" not in patterns("[doctor] معلمی؟\n[patient] نه.")


# --- what an item's meaning asks for in full (``parts`` of item_topics.json) ------------------------------


def test_smoking_without_an_amount_is_partial_and_a_no_needs_none(evaluator):
    some = "[doctor] سیگار میکشی؟\n[patient] بعضی وقتا، با دوستام."
    r = result(evaluator, some, "smoking")
    assert r.status == "partial" and "how much" in r.notes
    amount = "[doctor] سیگار میکشی؟\n[patient] آره، روزی ده تا."
    assert status(evaluator, amount, "smoking") == "covered"
    never = "[doctor] سیگار میکشی؟\n[patient] نه."
    assert status(evaluator, never, "smoking") == "covered"
    assert status(evaluator, "[doctor] Do you smoke?\n[patient] I don't smoke.", "smoking") == "covered"


def test_only_a_hookah_asked_is_partial_tobacco(evaluator):
    dialogue = "[doctor] قلیون چی، میکشی؟\n[patient] نه."
    assert "hookah_named" in patterns(dialogue)
    r = result(evaluator, dialogue, "smoking")
    assert r.status == "partial" and "cigarettes" in r.notes


def test_work_without_home_is_partial_social_history(evaluator):
    work = "[doctor] کارت چیه؟\n[patient] راننده‌ام، شیفت شب."
    assert status(evaluator, work, "social_occupation") == "partial"
    both = work + "\n[doctor] با کی زندگی میکنی؟\n[patient] با همسرم و دو تا بچه."
    assert status(evaluator, both, "social_occupation") == "covered"


def test_breathlessness_without_lying_flat_and_an_ecg_without_troponin_are_partial(evaluator):
    exertion = (
        "[doctor] چی شده؟\n[patient] موقع راه رفتن قفسه سینه‌م درد میگیره.\n"
        "[doctor] تنگی نفس هم داری؟\n[patient] آره، سربالایی."
    )
    assert status(evaluator, exertion, "dyspnea_orthopnea") == "partial"
    flat = exertion + "\n[doctor] شبا با چند تا بالش میخوابی؟\n[patient] یکی، صاف میخوابم."
    assert status(evaluator, flat, "dyspnea_orthopnea") == "covered"
    ecg = exertion + "\n[doctor] یه نوار قلب بگیریم."
    assert status(evaluator, ecg, "ecg_troponin") == "partial"
    both = ecg + "\n[doctor] آزمایش تروپونین هم می‌نویسم."
    assert status(evaluator, both, "ecg_troponin") == "covered"


def test_diet_without_activity_and_temperature_without_pulse_are_partial(evaluator):
    diet = "[doctor] قندت چطوره؟ غذات چی؟\n[patient] قندم بالاست. شیرینی زیاد میخورم."
    assert status(evaluator, diet, "diet_exercise_diabetes") == "partial"
    active = diet + "\n[doctor] ورزش چی؟\n[patient] روزی نیم ساعت پیاده‌روی."
    assert status(evaluator, active, "diet_exercise_diabetes") == "covered"
    temperature = "[doctor] تبش الان سی و هشت و نیمه. وزنش چهارده کیلوئه."
    assert status(evaluator, temperature, "vital_signs") == "partial"
    vitals_reviewed = "[doctor] I reviewed your vitals and everything looks good."
    assert status(evaluator, vitals_reviewed, "vital_signs") == "covered"


def test_relief_asked_without_what_makes_it_worse_is_partial(evaluator):
    relief = "[doctor] سرت درد میکنه؟ چیزی کمکت کرده؟\n[patient] استراحت کنم یه کم بهتر میشه."
    r = result(evaluator, relief, "aggravating_relieving")
    assert r.status == "partial" and "worse" in r.notes
    worse = relief + "\n[doctor] چی بدترش میکنه؟\n[patient] نور زیاد."
    assert status(evaluator, worse, "aggravating_relieving") == "covered"


def test_a_visit_opened_with_chest_pain_gives_the_radiation_question_its_sense(evaluator):
    dialogue = (
        "[doctor] سلام، بفرمایید.\n[patient] سلام. چند روزه قفسه سینه‌م سنگینی میکنه.\n"
        "[doctor] از کی؟\n[patient] سه روزه.\n[doctor] بدتر که میشه؟\n[patient] با راه رفتن.\n"
        "[doctor] دردش به جایی پخش میشه؟ فک؟ کتف؟\n[patient] آره، تا کتف چپم میره."
    )
    assert status(evaluator, dialogue, "chest_pain_radiation") == "covered"
    back_pain = (
        "[doctor] سلام، بفرمایید.\n[patient] سلام. کمرم از دیروز درد میکنه.\n"
        "[doctor] از کی؟\n[patient] از دیروز.\n[doctor] بدتر که میشه؟\n[patient] با خم شدن.\n"
        "[doctor] دردش به جایی پخش میشه؟\n[patient] آره، تا پشت پام."
    )
    assert status(evaluator, back_pain, "chest_pain_radiation") == "missing"


def test_more_everyday_forms_of_the_same_questions(evaluator):
    assert status(evaluator, "[doctor] همه چی روشنه؟\n[patient] بله.", "understanding_confirmed") == "covered"
    # "did you notice when it began?" checks no understanding
    noticed = "[doctor] متوجه شدی کی شروع شد؟\n[patient] دیروز."
    assert status(evaluator, noticed, "understanding_confirmed") == "missing"
    assert status(evaluator, "[doctor] شبا عرق میکنی؟\n[patient] نه.", "red_flags") == "covered"
    ruled_out = "[doctor] باید مطمئن شیم که سنگ کلیه نیست."
    assert status(evaluator, ruled_out, "differential") == "covered"
    troubles = "[doctor] خیلی اذیتت میکنه؟\n[patient] آره، شبا نمیتونم بخوابم."
    assert status(evaluator, troubles, "severity") == "covered"
    bothers = "[doctor] سلام، خوبید؟\n[patient] ممنون. دکتر کمرم خیلی اذیتم میکنه."
    assert status(evaluator, bothers, "chief_complaint") == "covered"
    homemaker = "[doctor] شغلت چیه؟\n[patient] خونه‌دارم، با شوهرم و دخترم زندگی میکنم."
    assert status(evaluator, homemaker, "social_occupation") == "covered"


def test_a_childs_visit_in_its_own_words(evaluator):
    signs = "[doctor] نفسش تند نمیشه؟ لب‌هاش کبود نمیشه؟\n[other] نه."
    assert status(evaluator, signs, "red_flags") == "covered"
    cough = "[doctor] سرفه‌ش چطوره؟\n[other] الان یه کم خلط داره."
    assert status(evaluator, cough, "character") == "covered"
    daycare = "[doctor] مهد میره؟\n[other] آره، صبحا."
    # a child's daycare is its occupation, not who is at home: partial, as in English (test_round3)
    r = result(evaluator, daycare, "social_occupation")
    assert r.status == "partial" and "living situation" in r.notes
    # smoke at home is asked by who smokes, not how much
    household = "[doctor] کسی تو خونه سیگار میکشه؟\n[other] باباش، تو بالکن."
    assert status(evaluator, household, "smoking") == "covered"


def test_a_headache_type_is_a_condition_weighed(evaluator):
    dialogue = "[doctor] با این همه مسکن ممکنه سردرد ناشی از مصرف زیاد دارو هم باشه."
    assert status(evaluator, dialogue, "differential") == "covered"


def test_a_chest_pain_told_with_its_night_and_its_length(evaluator):
    told = "[doctor] چی شده؟\n[patient] دیشب یهو قفسه سینه‌م تیر کشید، یه ربع طول کشید."
    assert {"stated_onset", "stated_duration", "stated_location"} <= patterns(told)
    assert status(evaluator, told, "onset") == "covered"
    # an operation years ago is no onset
    assert "stated_onset" not in patterns(
        "[doctor] عمل داشتی؟\n[patient] دو روز پیش نه، پنج سال پیش عمل کردم."
    )
    spread = "[doctor] جایی هم میزد؟\n[patient] به بازوی چپم یه کم میزد."
    assert "stated_location" in patterns(spread)


def test_a_turns_first_question_and_a_colloquial_list_of_illnesses(evaluator):
    effort = "[doctor] با فعالیت بیشتر میشه؟ مثلاً پله؟\n[patient] پله که میرم یه کم اذیت میشم."
    assert "modifying_factor" in patterns(effort)
    illnesses = "[doctor] فشار، قند، چربی داری؟\n[patient] فشار دارم."
    assert status(evaluator, illnesses, "past_medical_history") == "covered"
    # a parent's heart disease asked is family history, not the patient's past
    parents = "[doctor] پدر مادرت بیماری قلبی داشتن؟\n[patient] پدرم سکته کرد."
    assert "past_illness" not in patterns(parents)


def test_an_antiplatelet_given_now_is_the_medication_plan(evaluator):
    dialogue = "[doctor] الان یه آسپرین میجوی، کلوپیدوگرل هم میدیم."
    # the plan, though without a dose (clopidogrel's loading dose untold): partial since the merge with round 8's
    # English parts ("New, changed, continued or stopped medicines with dose")
    r = result(evaluator, dialogue, "medication_plan")
    assert r.status == "partial" and "the dose" in r.notes
    dosed = "[doctor] الان یه آسپرین ۳۰۰ میلی‌گرم میجوی، کلوپیدوگرل ۶۰۰ هم میدیم."
    assert status(evaluator, dosed, "medication_plan") == "covered"


def test_the_diabetic_eye_and_kidney_checks_and_a_foot_exam_after_its_request(evaluator):
    both = (
        "[doctor] قندت چطوره؟\n[patient] بد نیست.\n[doctor] آخرین بار کی ته چشمت رو دیدن؟\n[patient] پارسال.\n"
        "[doctor] کراتینینت طبیعیه."
    )
    assert status(evaluator, both, "eye_kidney_screening") == "covered"
    eyes_only = (
        "[doctor] قندت چطوره؟\n[patient] بد نیست.\n[doctor] آخرین بار کی ته چشمت رو دیدن؟\n[patient] پارسال."
    )
    r = result(evaluator, eyes_only, "eye_kidney_screening")
    assert r.status == "partial" and "kidneys" in r.notes
    feet = (
        "[doctor] قندت چطوره؟\n[patient] بد نیست.\n[doctor] پاهات رو ببینم.\n"
        "[doctor] زخم نداره، حس با نخ طبیعیه، نبض پاها خوبه."
    )
    assert status(evaluator, feet, "diabetic_foot") == "covered"


def test_a_later_question_of_the_turn_still_holds_its_keyword(evaluator):
    # «استرس» is in the turn's first question; the answer follows the second
    dialogue = "[doctor] استرس زیاد داری این روزا؟ حالت چطوره؟\n[patient] آره، خیلی تحت فشارم."
    r = result(evaluator, dialogue, "mood_screen")
    assert r.status == "covered" and "استرس" in r.evidence_text


def test_two_conditions_told_as_alternatives_are_a_differential(evaluator):
    told = "[doctor] به احتمال زیاد گاستریته یا زخم معده‌ست."
    assert status(evaluator, told, "differential") == "covered"
    assert status(evaluator, "[doctor] باید هلیکوباکتر رو هم رد کنیم.", "differential") == "covered"
    assert "weighs_cause" not in patterns("[doctor] چای یا قهوه کمتر بخور.")


def test_the_plan_in_everyday_words(evaluator):
    assert status(evaluator, "[doctor] هفته‌ی بعد یه سر بزن.", "follow_up") == "covered"
    assert status(evaluator, "[doctor] جواب آزمایشا که اومد بیا.", "follow_up") == "covered"
    urgent = "[doctor] اگه تب بالای سی و نه رفت، معطل نکن، بیمارستان."
    assert status(evaluator, urgent, "safety_net") == "covered"
    explained = "[doctor] این بیماری ویروسیه و خودش خوب میشه، آنتی‌بیوتیک لازم نداره."
    assert status(evaluator, explained, "patient_education") == "covered"
    assert status(evaluator, "[doctor] برو پیش چشم‌پزشک.", "referral") == "covered"
    tablets = "[doctor] قرص سرماخوردگی بزرگسالان، هر هشت ساعت یکی."
    assert status(evaluator, tablets, "medication_plan") == "covered"
    skipped = "[doctor] قرصاتو جا نمیندازی؟\n[patient] نه."
    assert status(evaluator, skipped, "medication_adherence") == "covered"
    # a time ahead said by the patient is no return arranged
    asked = "[patient] هفته‌ی بعد بیام؟"
    assert status(evaluator, asked, "follow_up") == "missing"


def test_a_doctors_finding_or_diagnosis_is_not_the_history_and_impact_is_severity(evaluator):
    dialogue = (
        "[doctor] سرفه‌ش از کیه؟\n[other] از دیروز.\n[doctor] تو ریه سمت راست کراکل میشنوم.\n"
        "[doctor] احتمالاً یه ذات‌الریه‌ی خفیفه."
    )
    assert status(evaluator, dialogue, "severity") == "missing"
    assert status(evaluator, dialogue, "location") == "missing"
    impact = "[doctor] شبا چطوره؟\n[other] شبا خیلی سرفه میکنه، نمیذاره بخوابه."
    assert status(evaluator, impact, "severity") == "covered"


def test_who_the_patient_lives_with_and_a_heavy_head(evaluator):
    home = "[doctor] تنها زندگی میکنین؟\n[patient] با پسرم و عروسم زندگی میکنم، خونه‌دارم."
    assert "home_told" in patterns(home)
    assert status(evaluator, home, "social_occupation") == "covered"
    home_only = "[doctor] تنها زندگی میکنین؟\n[patient] نه، با دخترم زندگی میکنم."
    r = result(evaluator, home_only, "social_occupation")
    assert r.status == "partial" and "work" in r.notes
    assert "stated_quality" in patterns("[doctor] چی شده؟\n[patient] این چند وقته سرم سنگینه.")
