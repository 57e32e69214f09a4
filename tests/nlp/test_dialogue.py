"""Dialogue understanding: roles, question→answer units, negation scope, numbers (English and Persian)."""

from __future__ import annotations

from pathlib import Path

import pytest

from soapify.core.transcript import build_transcript, parse_dialogue
from soapify.nlp.dialogue import analyse, fa_words_to_number, is_negated, quantities

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dialogues"

EAR = """[doctor] What seems to be the problem with your son?
[patient] He has had a fever for two days.
[doctor] How high?
[patient] The highest was thirty nine point five.
[doctor] Any rash?
[patient] No.
[doctor] Any vomiting or diarrhea?
[patient] He threw up once but no diarrhea.
[doctor] He has an ear infection. Bring him back if the fever lasts more than three more days."""


def by_name(mentions):
    return {(m.name, m.source): m for m in mentions}


def test_question_and_answer_are_one_unit():
    d = analyse(parse_dialogue(EAR))
    severity = next(u for u in d.units if u.attribute == "severity")
    assert severity.polarity == "value" and severity.values[0].value == 39.5
    assert [t.name for t in severity.topics] == ["fever"]  # "How high?" is about the fever
    rash = next(u for u in d.units if "rash" in d.sentences[u.question].text)
    assert rash.polarity == "no" and rash.topics[0].negated is True
    m = by_name(d.mentions)
    assert m[("vomiting", "said")].negated is False and m[("diarrhea", "said")].negated is True
    assert d.text[rash.topics[0].start : rash.topics[0].end] == "rash"  # offsets into the transcript
    assert d.unit_for(rash.answer[0]) is rash


def test_conditional_advice_is_not_a_reported_symptom():
    d = analyse(parse_dialogue(EAR))
    last = [m for m in d.mentions if m.speaker == "doctor"]
    assert last and all(m.uncertain for m in last)


@pytest.mark.parametrize(
    ("text", "term", "negated"),
    [
        ("i have a cough but no chest pain", "cough", False),
        ("i have a cough but no chest pain", "chest pain", True),
        ("no fever, chills, or night sweats", "night sweats", True),
        ("no, i have a cough", "cough", False),
        ("she denies shortness of breath", "shortness of breath", True),
        ("کمی حالت تهوع دارم ولی استفراغ نکردم", "حالت تهوع", False),
        ("کمی حالت تهوع دارم ولی استفراغ نکردم", "استفراغ", True),
        ("سردرد دارم و تب ندارم", "سردرد", False),
        ("سردرد دارم و تب ندارم", "تب", True),
        ("تب و لرز ندارم", "تب", True),
    ],
)
def test_negation_scope_is_clause_bounded(text, term, negated):
    i = text.index(term)
    assert is_negated(text, i, i + len(term)) is negated


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("the highest was thirty nine point five", 39.5, None),
        ("it was 38.5", 38.5, None),
        ("تب ۳۸٫۵ درجه بود", 38.5, "Cel"),
        ("دمای بدن ۳۸/۵ درجه", 38.5, "Cel"),
        ("سی و هشت و نیم درجه تب داشتم", 38.5, "Cel"),
        ("take 500 mg twice a day", 500, "mg"),
        ("pain is seven out of ten", 7, "/10"),
    ],
)
def test_numbers_and_units(text, value, unit):
    q = quantities(text, 10)[0]
    assert (q.value, q.unit) == (value, unit)
    assert text[q.start - 10 : q.end - 10] == q.text


def test_blood_pressure_keeps_both_values():
    q = quantities("فشار خون ۱۳۰/۸۵ است")[0]
    assert (q.value, q.value2) == (130, 85)
    assert fa_words_to_number("صد و بیست") == 120 and fa_words_to_number("دو و سه") is None


def test_persian_visit_units_and_partial_symptoms():
    text = (FIXTURES / "persian_headache.txt").read_text(encoding="utf-8") + (
        "پزشک: تب چقدر بود؟\nبیمار: ۳۸٫۵ درجه. کمی حالت تهوع دارم ولی استفراغ نکردم.\n"
    )
    d = analyse(parse_dialogue(text))
    assert d.language == "fa"
    asked = next(u for u in d.units if "حالت تهوع" in d.sentences[u.question].text)
    assert asked.polarity == "no" and {t.name for t in asked.topics if t.negated} == {"nausea", "vomiting"}
    fever = next(u for u in d.units if u.attribute == "severity")
    assert fever.values[0].value == 38.5
    said = [m for m in d.mentions if m.source == "said" and m.sentence == len(d.sentences) - 1]
    assert {(m.name, m.negated) for m in said} == {("nausea", False), ("vomiting", True)}


def test_diarized_labels_become_roles_the_questioner_is_the_doctor():
    tv = build_transcript([
        {"text": "Hi, what brings you in today?", "speaker": "spk_a"},
        {"text": "I have had a headache for three days.", "speaker": "spk_b"},
        {"text": "Any fever?", "speaker": "spk_a"},
        {"text": "No.", "speaker": "spk_b"},
    ])  # fmt: skip
    d = analyse(tv)
    assert [s.speaker for s in d.sentences] == ["doctor", "patient", "doctor", "patient"]
    assert d.roles_inferred and d.turns[0].label == "spk_a"
    assert by_name(d.mentions)[("fever", "answer")].negated is True


def test_family_members_answer_like_the_patient():
    d = analyse(parse_dialogue("[doctor] any cough ?\n[patient_guest] yes , at night ."))
    assert d.sentences[1].speaker == "other"
    assert by_name(d.mentions)[("cough", "answer")].negated is False


def test_unlabelled_speech_gets_inferred_roles():
    tv = build_transcript([{"text": "do you have any chest pain"}, {"text": "no i don't"}])
    d = analyse(tv)
    assert d.roles_inferred and [s.speaker for s in d.sentences] == ["doctor", "patient"]
    assert by_name(d.mentions)[("chest pain", "answer")].negated is True


def test_empty_transcript():
    d = analyse(build_transcript([]))
    assert d.sentences == [] and d.units == [] and d.mentions == []


@pytest.mark.parametrize(
    ("text", "term", "negated"),
    [
        ("یه کم سرفه دارم ولی تنگی نفس نه.", "تنگی نفس", True),
        ("یه کم سرفه دارم ولی تنگی نفس نه.", "سرفه", False),
        ("تب هم نه، فقط سردرد.", "تب", True),
        ("تب هم نه، فقط سردرد.", "سردرد", False),
        ("نه، سرفه دارم.", "سرفه", False),
    ],
)
def test_a_persian_no_after_the_term_negates_it(text, term, negated):
    from soapify.nlp.dialogue.scope import is_negated

    start = text.index(term)
    assert is_negated(text, start, start + len(term)) is negated
