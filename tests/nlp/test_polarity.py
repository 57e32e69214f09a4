"""Polarity of review-of-systems statements: what the patient reports, denies, or never said."""

from __future__ import annotations

import pytest

from soapify.core.transcript import parse_dialogue
from soapify.nlp.dialogue import analyse
from soapify.nlp.engines.rules import RulesEngine


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine(use_embeddings=False)


def ros(engine, dialogue: str) -> dict[str, bool]:
    draft = engine.generate(parse_dialogue(dialogue)).draft
    return {
        it["name"]: it["negated"] for it in draft["sections"]["subjective"]["items"] if it["kind"] == "ros"
    }


def test_general_explanation_is_not_a_report(engine):
    # the doctor explains a condition in general, even when the transcript labels the turn wrongly
    for speaker in ("doctor", "patient"):
        found = ros(
            engine,
            "[doctor] so your iga is a little bit low .\n"
            f"[{speaker}] now some people may find that they tend to get frequent sinus infections but this "
            "does n't seem to be the case for you\n"
            "[doctor] high blood pressure can cause headaches over time .",
        )
        assert "sinus problems" not in found and "headache" not in found


def test_first_person_report_with_people_is_kept(engine):
    assert ros(engine, "[patient] people tell me i get dizzy when i stand up .") == {"dizziness": False}


def test_partial_answer_settles_only_what_it_names(engine):
    found = ros(
        engine,
        "[doctor] alright have you noticed any nausea vomiting fever chills\n"
        "[patient] i have n't thrown up but i felt a little bit nauseated",
    )
    assert found == {"vomiting": True, "nausea": False}  # fever and chills stay unsettled


def test_spaced_negative_answer_is_no():
    d = analyse(parse_dialogue("[doctor] any chest pain ?\n[patient] i have n't had any of that ."))
    assert d.units[0].polarity == "no"
    d = analyse(parse_dialogue("[doctor] any chest pain ?\n[patient] i have , on and off ."))
    assert d.units[0].polarity == "yes"


def test_body_function_alone_is_no_symptom(engine):
    found = ros(
        engine,
        "[patient] me and my friends just hit the balls back and forth i do sleep well though\n"
        "[patient] is that what i'm hearing\n"
        "[patient] i have had trouble with my sleep and my appetite is decreased .",
    )
    assert found == {"sleep problems": False, "appetite changes": False}


def test_wish_is_not_a_report(engine):
    found = ros(engine, "[patient] slightly decreased appetite , but i wish i had some weight loss .")
    assert "weight loss" not in found and found.get("appetite changes") is False
