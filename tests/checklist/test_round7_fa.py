"""The checklist on the seventh round's Persian findings (made-up colloquial dialogue): a return after an
event is a follow-up, an order to take a test reviews no result, and the doctor's colloquial impression
("ممکنه … باشه", "با … جور درمیاد") states the diagnosis."""

from __future__ import annotations

from tests.checklist.evaluating import patterns, result, status


def test_a_return_after_a_test_or_a_specialist_is_a_follow_up(evaluator):
    dialogue = (
        "[doctor] شونه‌تون چند وقته درد می‌کنه؟\n[patient] دو ماهه.\n"
        "[doctor] یه سونوگرافی شونه می‌نویسم. بعد از سونوگرافی و فیزیوتراپی، یه سر بیاید ببینم چی شد."
    )
    assert {"return_interval", "scheduled_return"} <= patterns(dialogue)
    assert status(evaluator, dialogue, "follow_up") == "covered"


def test_advice_after_meals_is_no_return():
    assert "scheduled_return" not in patterns("[doctor] قرص رو بعد از غذا بخورید.")


def test_a_test_to_be_taken_today_reviews_no_result(evaluator):
    dialogue = (
        "[doctor] سرگیجه از کی شروع شده؟\n[patient] از هفته پیش.\n[doctor] یه نوار قلب هم همین الان بگیریم."
    )
    assert status(evaluator, dialogue, "results_reviewed") == "missing"


def test_the_doctors_colloquial_suspicion_states_the_diagnosis(evaluator):
    dialogue = (
        "[doctor] چی شده؟\n[patient] از دیشب پهلوی راستم تیر می‌کشه، تا زیر شکم میاد.\n"
        "[doctor] ادرار یه کم خون داره. ممکنه سنگ کلیه باشه."
    )
    r = result(evaluator, dialogue, "diagnosis_stated")
    assert r.status == "covered" and "سنگ کلیه" in r.evidence_text


def test_watching_cartoons_is_no_occupation_and_water_intake_no_adherence(evaluator):
    dialogue = (
        "[doctor] بچه بی‌حاله؟\n[other] نه، وقتی تبش پایینه بازی می‌کنه، کارتون می‌بینه.\n"
        "[doctor] آب چقدر می‌خوره؟\n[other] کم، روزی دو لیوان."
    )
    assert status(evaluator, dialogue, "social_occupation") == "missing"
    assert status(evaluator, dialogue, "medication_adherence") == "missing"


def test_a_condition_ruled_out_is_no_diagnosis_stated(evaluator):
    ruled_out = (
        "[doctor] مچ دستتون چی شده؟\n[patient] دیروز از دوچرخه افتادم.\n"
        "[doctor] یه کم ورم داره، ولی به نظرم شکستگی نیست."
    )
    assert status(evaluator, ruled_out, "diagnosis_stated") == "missing"
    named = ruled_out + "\n[doctor] ممکنه ضرب‌دیدگی رباط باشه، با آتل خوب می‌شه."
    r = result(evaluator, named, "diagnosis_stated")
    assert r.status == "covered" and "ضرب‌دیدگی" in r.evidence_text
