"""The checklist on the ninth round's Persian findings (made-up colloquial dialogue, never the visits' text): a
question for "any other medicine" is no adherence check, an operation told in the everyday verb, a cause argued
against, a return with no time, a door left open with no warning sign, a plan said back and confirmed, a report
read out once it is at hand, short advice lists, the questions of a turn that ask about blood, "does it make a
difference?", and words with a second sense («نه» no/nine, «تیر می‌کشه» shooting, «حس میشه» felt, «کجا بودیم»)."""

from __future__ import annotations

from tests.checklist.evaluating import patterns, result, status


def test_any_other_regular_medicine_asks_what_is_taken_not_whether_it_is_taken(evaluator):
    which = "[doctor] قرص دیگه‌ای هم هر روز مرتب مصرف می‌کنید؟\n[patient] نه، فقط ویتامین."
    assert "adherence_check" not in patterns(which)
    assert status(evaluator, which, "medication_adherence") == "missing"
    kept = "[doctor] قرص تیروئیدتو مرتب می‌خوری؟\n[patient] آره، هر روز ناشتا."
    assert status(evaluator, kept, "medication_adherence") == "covered"


def test_did_you_use_them_after_the_medicines_were_named_checks_adherence(evaluator):
    dialogue = (
        "[doctor] درمونگاه چیزی داد؟\n[patient] آره، یه پماد داد و یه کپسول، سفالکسین.\n"
        "[doctor] مصرف کردید؟\n[patient] کپسولا رو خوردم، پماد رو یادم رفت بزنم."
    )
    assert status(evaluator, dialogue, "medication_adherence") == "covered"
    # "did you take anything?" asks which medicine, whatever came before
    anything = (
        "[doctor] گوشت درد می‌کنه؟\n[patient] آره، از دیروز.\n[doctor] چیزی خوردید؟\n[patient] یه استامینوفن."
    )
    assert "adherence_check" not in patterns(anything)


def test_an_operation_told_or_asked_in_the_everyday_verb_is_surgical_history(evaluator):
    told = "[doctor] مشکل دیگه‌ای نداری؟ آسم، دیابت؟\n[patient] نه. فقط پارسال کیسه صفرامو عمل کردم."
    assert "operation_told" in patterns(told)
    assert status(evaluator, told, "surgical_history") == "covered"
    asked = "[doctor] تا حالا عمل چیزی نشدید؟\n[patient] نه، هیچ عملی نداشتم."
    assert status(evaluator, asked, "surgical_history") == "covered"
    # an operation still to come is the plan, not the history
    planned = "[doctor] این فتق باید عمل بشه.\n[patient] باشه."
    assert "operation_told" not in patterns(planned)


def test_a_cause_argued_against_is_weighed(evaluator):
    dialogue = "[doctor] چون تب نداری و زردی نداری، بعیده سنگ کیسه صفرا باشه."
    assert "weighs_cause" in patterns(dialogue)
    assert status(evaluator, dialogue, "differential") == "covered"


def test_a_return_with_no_time_touches_the_follow_up(evaluator):
    untimed = "[doctor] این قرصا رو بخور، بعداً هم یه سر بزن."
    assert "untimed_return" in patterns(untimed)
    assert status(evaluator, untimed, "follow_up") == "partial"
    timed = "[doctor] دو هفته دیگه یه سر بزن ببینم."
    assert status(evaluator, timed, "follow_up") == "covered"


def test_a_door_left_open_is_half_a_safety_net_and_a_course_told_is_none(evaluator):
    vague = "[doctor] هفته‌ی بعد بیا. اگه چیزی شد تماس بگیرید."
    assert "courtesy_contact" in patterns(vague)
    assert status(evaluator, vague, "safety_net") == "partial"
    named = "[doctor] اگه تب کرد یا ادرارش کم شد زنگ بزنید."
    assert status(evaluator, named, "safety_net") == "covered"
    # "the cough has got worse" reports the course, it advises nothing
    course = "[doctor] سرفه‌تون نسبت به دفعه‌ی قبل بدتر شده، عکس لازمه."
    assert status(evaluator, course, "safety_net") == "missing"


def test_the_plan_said_back_and_confirmed_is_understanding(evaluator):
    said_back = (
        "[doctor] سالبوتامول هر وقت نفستون تنگ شد، فلوتیکازون صبح و شب.\n"
        "[patient] پس فلوتیکازون صبح و شب، سالبوتامول فقط موقع تنگی نفس.\n[doctor] دقیقاً، همینه."
    )
    assert status(evaluator, said_back, "understanding_confirmed") == "covered"
    # praise for an answer is no plan confirmed
    praise = "[doctor] سیگار می‌کشی؟\n[patient] نه، دو ساله ترک کردم.\n[doctor] آفرین."
    assert status(evaluator, praise, "understanding_confirmed") == "missing"
    # the patient's own question with «خوبه؟» asks, it agrees to nothing
    asked = "[doctor] پماد رو شبا بزن.\n[patient] وازلین هم خوبه؟\n[doctor] آره، اشکال نداره."
    assert status(evaluator, asked, "understanding_confirmed") == "missing"


def test_a_report_at_hand_read_out_is_a_result_reviewed(evaluator):
    dialogue = (
        "[doctor] جواب عکس ریه رو آوردید؟\n[patient] بله، بفرمایید.\n"
        "[doctor] یه کدورت کوچیک پایین ریه‌ی چپ هست، بقیه‌ش تمیزه."
    )
    r = result(evaluator, dialogue, "results_reviewed")
    assert r.status == "covered"
    assert "کدورت" in r.evidence_text


def test_short_advice_lists_and_an_amount_of_water_are_self_care(evaluator):
    listed = "[doctor] شیرینی کم، سرخ‌کردنی کمتر، نوشابه نه."
    assert "self_care_advice" in patterns(listed)
    assert status(evaluator, listed, "patient_education") == "covered"
    water = "[doctor] روزی دو لیتر آب."
    assert status(evaluator, water, "patient_education") == "covered"
    # the patient's own habit is no advice
    habit = "[patient] من نمک کم می‌خورم."
    assert status(evaluator, habit, "patient_education") == "missing"


def test_blood_asked_earlier_in_the_turn_is_a_red_flag_screen(evaluator):
    dialogue = "[doctor] سرفه‌ت چطوره؟ خون دیدی؟ تب؟\n[patient] یه بار رگه‌ی قرمز داشت."
    assert "bleeding_asked" in patterns(dialogue)
    assert status(evaluator, dialogue, "red_flags") == "covered"


def test_does_it_make_a_difference_asks_both_ways_and_worse_at_a_time_is_a_modifier(evaluator):
    both = (
        "[doctor] با چی بهتر میشه؟ بشینید یا دراز بکشید فرقی می‌کنه؟\n"
        "[patient] نه، هیچ فرقی نداره، همیشه همینه."
    )
    assert status(evaluator, both, "aggravating_relieving") == "covered"
    at_night = "[doctor] چی شده؟\n[patient] خارش دارم، عصرا خارشش بیشتره."
    assert "modifying_factor" in patterns(at_night)
    assert status(evaluator, at_night, "aggravating_relieving") == "partial"


def test_no_is_not_nine_in_a_smokers_amount(evaluator):
    dialogue = "[doctor] سیگار یا قلیون؟\n[patient] سیگار نه. قلیون گاهی، تو مهمونی."
    assert status(evaluator, dialogue, "smoking") == "partial"
    counted = "[doctor] سیگار می‌کشی؟\n[patient] آره، روزی ده تا."
    assert status(evaluator, counted, "smoking") == "covered"


def test_shooting_pain_is_its_kind_not_its_spread(evaluator):
    kind = (
        "[doctor] کجای سرت درد می‌کنه؟\n[patient] شقیقه‌ی راست.\n"
        "[doctor] دردش تیر می‌کشه یا فشاری؟\n[patient] فشاری."
    )
    assert status(evaluator, kind, "location") == "partial"
    spread = "[doctor] کجای گردنت درد می‌کنه؟\n[patient] پشت گردن، تیر می‌کشه به شونه‌ی راستم."
    assert status(evaluator, spread, "location") == "covered"


def test_pulses_felt_are_no_sensation_tested(evaluator):
    pulses = "[doctor] بخاطر دیابت پاهاتونو نگاه کنم. زخم نیست. نبض پشت پا خوب حس میشه."
    assert status(evaluator, pulses, "diabetic_foot") == "partial"
    both = "[doctor] بخاطر دیابت پاهاتونو نگاه کنم. زخم نیست. نبض پشت پا خوبه. حس کف پاها هم طبیعیه."
    assert status(evaluator, both, "diabetic_foot") == "covered"


def test_where_in_a_turn_of_phrase_asks_no_location(evaluator):
    start = "[doctor] بفرمایید.\n[patient] نمی‌دونم از کجا شروع کنم. همش خسته‌م."
    assert status(evaluator, start, "location") == "missing"
    lost = "[doctor] خب، کجا بودیم؟\n[patient] سرفه‌م.\n[doctor] آهان، خلط داره؟\n[patient] نه."
    assert status(evaluator, lost, "location") == "missing"
