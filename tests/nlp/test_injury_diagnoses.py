"""Injuries and a few common conditions named by the doctor are the assessment (Persian and English):
a torn meniscus or ligament, a sprain said colloquially, a strain, a bruise; made-up dialogue."""

from __future__ import annotations

import pytest

from soapify.nlp.engines import lexicons as lx
from tests.nlp.drafting import checked_draft, texts
from tests.nlp.drafting import persian_draft as g


def _fa_problems(engine, text: str) -> list[str]:
    return texts(g(engine, text), "assessment", "problem")


def test_a_suspected_meniscus_tear_is_the_assessment(engine):
    problems = _fa_problems(
        engine,
        "[doctor] زانو از کی درد می‌کنه؟\n[patient] از پنجشنبه که فوتبال بازی کردم، پیچ خورد و قفل می‌کنه.\n"
        "[doctor] سمت داخل زانو حساسه و تست مک‌موری مثبته.\n"
        "[doctor] به نظرم منیسک داخلی پاره شده. یه ام آر آی زانو می‌نویسم.",
    )
    assert any("منیسک" in t for t in problems), problems


def test_a_suspected_ligament_injury_is_the_assessment(engine):
    problems = _fa_problems(
        engine,
        "[doctor] مچ پا چطور شد؟\n[patient] از پله افتادم، مچم برگشت و ورم کرد.\n"
        "[doctor] شک دارم رباط خارجی مچ آسیب دیده باشه. یخ بذارید و پا رو بالا نگه دارید.",
    )
    assert any("رباط" in t for t in problems), problems


def test_a_colloquial_sprain_is_the_assessment(engine):
    problems = _fa_problems(
        engine,
        "[doctor] عکس مشکلی نداره، شکستگی نیست.\n[doctor] یه رگ به رگ ساده‌ست، دو هفته‌ای خوب می‌شه.",
    )
    assert any("رگ به رگ" in t for t in problems), problems


@pytest.mark.parametrize(
    "said",
    [
        "کشیدگی عضله‌ی پشت رانه",
        "ضرب‌دیدگی دنده‌ست",
        "پوکی استخوان دارید",
        "سنگ کیسه صفرا دارید",
    ],
)
def test_persian_diagnosis_words(said):
    assert lx.DIAGNOSIS.search(said)


def test_a_pulling_feeling_is_no_diagnosis():
    assert not lx.DIAGNOSIS.search("یه حس کشیدگی توی ساق پام دارم")
    assert not lx.DIAGNOSIS.search("رباط‌هاتون سالمه")


def test_an_english_meniscus_tear_is_the_assessment(engine):
    draft = checked_draft(
        engine,
        "[doctor] What happened to your knee?\n[patient] I twisted it playing soccer on Saturday and it locks.\n"
        "[doctor] There is medial joint line tenderness and a positive McMurray test.\n"
        "[doctor] I think you have a medial meniscus tear. I'll order an MRI of the knee.",
    )
    assert any("menisc" in t.lower() for t in texts(draft, "assessment")), texts(draft, "assessment")


def test_english_diagnosis_words_are_told():
    assert lx.told_diagnosis("it looks like a contusion of the rib")
    assert lx.told_diagnosis("you have osteoporosis")
    assert not lx.told_diagnosis("his father had gallstones")
