"""The rules engine on the fourth clinician round's remaining patterns (made-up English dialogue)."""

from __future__ import annotations

import pytest

from soapify.core.draft_schema import check_evidence
from soapify.core.transcript import parse_dialogue
from soapify.nlp.engines.rules import RulesEngine


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine()


def g(engine: RulesEngine, text: str, language: str | None = None) -> dict:
    tv = parse_dialogue(text)
    draft = engine.generate(tv, language=language).draft
    assert check_evidence(draft, tv.text) == []
    return draft


def items(draft, section, kind=None):
    return [it for it in draft["sections"][section]["items"] if kind is None or it["kind"] == kind]


def texts(draft, section, kind=None):
    return [it["text"] for it in items(draft, section, kind)]


# ---------------------------------------------------------------- pattern 8: numbers keep their context

FAINT_ORTHOSTATIC = """[doctor] what brings you in today?
[patient] i nearly passed out getting out of bed this week.
[doctor] let me check your pressure sitting and then standing. sitting it's one thirty eight over eighty two, pulse seventy. standing after three minutes it's one twelve over seventy, pulse ninety four.
[patient] i feel woozy right now.
[doctor] your pressure drops when you stand up."""


def test_a_position_said_with_a_pressure_or_pulse_stays_with_it(engine):
    vitals = texts(g(engine, FAINT_ORTHOSTATIC), "objective", "vital")
    assert vitals == [
        "Blood pressure (sitting): 138/82 mmHg",
        "Heart rate (sitting): 70 /min",
        "Blood pressure (standing, 3 min): 112/70 mmHg",
        "Heart rate (standing, 3 min): 94 /min",
    ]


def test_a_symptoms_trigger_is_no_position(engine):
    draft = g(
        engine,
        """[doctor] what brings you in?
[patient] i get a headache every afternoon.
[doctor] you said you feel dizzy when standing, so let me check. your blood pressure is one twenty over eighty.""",
    )
    assert texts(draft, "objective", "vital") == ["Blood pressure: 120/80 mmHg"]
