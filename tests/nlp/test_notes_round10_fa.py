"""The rules engine on the tenth round's Persian findings (made-up colloquial dialogue, worded unlike the
visits the findings came from): borrowed medicines, orders said without their dose, "رو" said as "و",
a number corrected after "نه،", questions about their own subject, the plan said back."""

from __future__ import annotations

from tests.nlp.drafting import items, texts
from tests.nlp.drafting import persian_draft as g


def _current(draft: dict, name: str) -> list[dict]:
    return [
        it
        for it in items(draft, "subjective", "medication")
        if it.get("name") == name and not it["negated"] and not it.get("stopped")
    ]


def _ordered(draft: dict, name: str) -> list[dict]:
    return [
        it
        for it in items(draft, "plan", "medication")
        if it.get("name") == name and not it["negated"] and not it.get("stopped")
    ]


# ------------------------------------------------------------------ medicines borrowed from someone else


def test_a_colleagues_capsule_taken_once_is_not_current(engine):
    draft = g(
        engine,
        "[doctor] برای دردت چیزی خوردی؟\n[patient] همکارم یه کپسول داشت، ناپروکسن، دیروز یکی ازش خوردم.",
    )
    assert not _current(draft, "ناپروکسن")
    assert not any("همکارم" in t for t in texts(draft, "subjective", "medication"))


def test_a_medicine_taken_from_a_friend_is_not_current(engine):
    draft = g(engine, "[doctor] دارویی مصرف کردی؟\n[patient] آره، دیشب یه ستیریزین از دوستم گرفتم خوردم.")
    assert not _current(draft, "ستیریزین")


def test_a_medicine_left_over_from_a_child_is_not_current(engine):
    draft = g(
        engine,
        "[doctor] آنتی‌بیوتیک خوردی؟\n[patient] سفالکسین تو کابینت بود، مال پارسال دخترم بود، یه روز خوردم.",
    )
    assert not _current(draft, "سفالکسین")


def test_a_relatives_medicine_named_without_a_verb_is_not_current(engine):
    draft = g(
        engine,
        "[doctor] دیگه چی خوردی؟\n[patient] یه دونه هم قرص معده‌ی بابام، پنتوپرازول.",
    )
    assert not _current(draft, "پنتوپرازول")


def test_the_patients_own_medicine_stays_current(engine):
    draft = g(engine, "[doctor] دارو چی میخوری؟\n[patient] امپرازول میخورم، صبح ناشتا.")
    assert _current(draft, "امپرازول")


# ------------------------------------------------------------------ orders without their dose


def test_a_medicine_with_how_to_take_it_after_the_first_order_is_ordered(engine):
    draft = g(
        engine,
        "[patient] سه روزه عطسه می‌کنم و آبریزش بینی دارم.\n"
        "[doctor] حساسیت فصلیه. پردنیزولون پنج میلی‌گرم روزی یه دونه تا پنج روز می‌نویسم.\n"
        "[doctor] ستیریزین هم، شبی یه دونه، تا ده روز.",
    )
    assert _ordered(draft, "ستیریزین")
    assert not _current(draft, "ستیریزین")


def test_once_in_the_morning_is_how_to_take_it(engine):
    draft = g(
        engine,
        "[patient] سرم درد می‌کنه.\n[doctor] فشارت بالاست. آملودیپین پنج میلی‌گرم می‌نویسم.\n"
        "[doctor] به جاش آتورواستاتین بیست میلی‌گرم، صبح یه دونه.",
    )
    assert _ordered(draft, "آتورواستاتین")
    assert not _current(draft, "آتورواستاتین")


def test_ro_said_as_vav_still_names_the_medicine_and_its_new_dose(engine):
    draft = g(
        engine,
        "[doctor] چی میخوری؟\n[patient] آتورواستاتین بیست، شبا.\n"
        "[doctor] چربیت هنوز بالاست. آتورواستاتینو می‌کنیم چهل، شبی یه دونه.",
    )
    assert any(it.get("dose") == "40" for it in _ordered(draft, "آتورواستاتین"))


def test_a_stop_said_with_vav_for_ro_is_a_stop(engine):
    draft = g(
        engine,
        "[patient] ناپروکسن میخورم برای کمردرد.\n[doctor] معده‌ت زخمه. ناپروکسنو قطع کنید.",
    )
    assert any(it.get("stopped") for it in items(draft, "plan", "medication") if it.get("name") == "ناپروکسن")


# ------------------------------------------------------------------ "نه،" before a corrected number


def test_no_before_a_corrected_number_denies_nothing(engine):
    draft = g(
        engine,
        "[patient] گوشم درد می‌کنه.\n[doctor] از یک تا ده چقدر درد داری؟\n[patient] هفت. نه، الان پنج.",
    )
    lines = [it for it in items(draft, "subjective") if "الان پنج" in it["text"]]
    assert lines and not any(it["negated"] for it in lines)


def test_no_before_a_time_and_a_negative_verb_still_denies(engine):
    draft = g(engine, "[doctor] قبلاً همچین دردی داشتی؟\n[patient] نه، سه سال پیش هم نداشتم.")
    lines = [it for it in items(draft, "subjective") if "سه سال پیش" in it["text"]]
    assert lines and all(it["negated"] for it in lines)


# ------------------------------------------------------------------ a question about its own subject


def _durations(draft: dict) -> list[str]:
    return [t for t in texts(draft, "subjective", "hpi") if t.startswith("سرفه (")]


def test_how_long_a_medicine_was_taken_is_not_the_symptoms_duration(engine):
    draft = g(
        engine,
        "[patient] سرفه دارم، شبا بدتره.\n[doctor] چیزی خوردی براش؟\n[patient] شربت دیفن‌هیدرامین.\n"
        "[doctor] چند وقته می‌خوری؟\n[patient] ده روزه.",
    )
    assert not _durations(draft)


def test_since_when_a_known_condition_is_not_the_symptoms_duration(engine):
    draft = g(
        engine,
        "[patient] سرفه دارم.\n[doctor] از کی قند داری؟\n[patient] پنج سال.",
    )
    assert not _durations(draft)


# ------------------------------------------------------------------ the plan said back


def test_the_plan_said_back_after_did_you_understand_is_no_history(engine):
    draft = g(
        engine,
        "[patient] سه روزه گلوم درد می‌کنه.\n[doctor] گلوت عفونت کرده. سفالکسین پونصد، هر شش ساعت یه دونه، "
        "تا ده روز. ایبوپروفن رو دیگه نخور.\n[doctor] همه‌چی رو فهمیدی؟\n"
        "[patient] آره، سفالکسین هر شش ساعت، ایبوپروفن نه.",
    )
    assert not _current(draft, "سفالکسین")
    assert not any("ایبوپروفن نه" in t for t in texts(draft, "subjective"))


def test_the_plan_said_back_when_asked_in_a_sentence_after_the_question(engine):
    draft = g(
        engine,
        "[patient] کمرم درد می‌کنه.\n[doctor] کشیدگی عضله‌ست. ناپروکسن دویست و پنجاه، روزی دو بار، تا یه هفته.\n"
        "[doctor] سوالی نداری؟ یه بار بگو ببینم چی کار می‌کنی.\n"
        "[patient] کیسه آب گرم. ناپروکسنو روزی دو بار، یه هفته.",
    )
    assert not _current(draft, "ناپروکسن")
    assert not any("کیسه آب گرم" in t for t in texts(draft, "subjective"))


# ------------------------------------------------------------------ a cause the doctor thinks unlikely


def test_a_cause_called_unlikely_is_no_problem_and_takes_no_plan(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] از دیروز سوزش ادرار دارم.\n"
        "[doctor] به احتمال زیاد یه التهاب مثانه داری.\n"
        "[doctor] چون خون تو ادرارت نیست، بعیده میکروبی باشه که آنتی‌بیوتیک لازم داشته باشه.\n"
        "[doctor] آب زیاد بخور.",
    )
    problems = items(draft, "assessment", "problem")
    unlikely = [p for p in problems if "بعیده" in p["text"]]
    assert unlikely and all(p["negated"] for p in unlikely)
    assert not any(p.get("problem") == "میکروبی" for p in items(draft, "plan"))


def test_unlikely_beside_the_likely_cause_keeps_the_sentence_a_problem(engine):
    draft = g(
        engine,
        "[doctor] چی شده؟\n[patient] از دیروز اسهال دارم.\n"
        "[doctor] به احتمال زیاد گاستروانتریت ویروسیه، بعیده میکروبی باشه.\n[doctor] مایعات زیاد بخور.",
    )
    assert any(not p["negated"] for p in items(draft, "assessment", "problem"))


def test_tell_me_what_happened_opens_the_history_even_after_please_sit(engine):
    draft = g(
        engine,
        "[doctor] سلام، بفرمایید بنشینید. خب بگید ببینم چی شده؟\n"
        "[patient] یه جوشایی زده پشت گردنم، از پریروز، خیلی هم می‌خاره.\n"
        "[doctor] تب هم داشتید؟\n[patient] نه.",
    )
    assert any("جوش" in t for t in texts(draft, "subjective"))


def test_how_a_medicine_is_taken_asked_in_the_history_keeps_the_answer(engine):
    draft = g(
        engine,
        "[doctor] سلام، بفرمایید بنشینید. چی شده؟\n[patient] معده‌م می‌سوزه.\n"
        "[doctor] رانیتیدین رو چطوری می‌خورید؟ هر شب؟\n[patient] نه، فقط وقتی می‌سوزه، هفته‌ای یکی دو تا.",
    )
    assert any("هفته‌ای" in t for t in texts(draft, "subjective"))
