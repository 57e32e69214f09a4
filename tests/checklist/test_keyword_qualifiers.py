"""The ``partial`` and ``limited`` keyword groups of the rules evaluator."""

from __future__ import annotations

import pytest

from soapify.checklist.engines.base import ItemSpec, validate_keywords
from soapify.checklist.engines.rules import RulesEvaluator
from soapify.core.transcript import parse_dialogue

ALLERGIES = ItemSpec(
    id="a",
    title="Allergies",
    keywords={"any": ["allerg*"], "limited": ["seasonal", "pollen"]},
    question_template={"en": "Any allergies?", "fa": "حساسیت دارید؟"},
)
SAFETY = ItemSpec(
    id="s",
    title="Safety net",
    keywords={"any": ["gets worse", "call me if"], "limited": ["need anything"]},
    question_template="Call us if it gets worse.",
)
FOLLOW = ItemSpec(id="f", title="Follow-up", keywords={"any": ["come back"], "partial": ["come on back"]})


@pytest.fixture(scope="module")
def rules() -> RulesEvaluator:
    return RulesEvaluator(semantic=False)


def status(rules, dialogue: str, item: ItemSpec):
    transcript = parse_dialogue(dialogue)
    (result,) = rules.evaluate(transcript, [item])
    if result.anchor_positions:
        (a,) = result.anchor_positions
        assert transcript.text[a["start"] : a["end"]] == result.evidence_text
    return result.status


def test_a_limited_mention_is_only_partial(rules):
    assert (
        status(rules, "[doctor] any seasonal allergies ?\n[patient] yes , in the spring .", ALLERGIES)
        == "partial"
    )


def test_the_answer_to_a_limited_question_is_partial_too(rules):
    dialogue = "[doctor] do you get seasonal problems ?\n[patient] no , never had allergies ."
    assert status(rules, dialogue, ALLERGIES) == "partial"


def test_an_unqualified_mention_elsewhere_still_covers(rules):
    dialogue = "[doctor] pollen bothers you ?\n[patient] yes .\n[doctor] any drug allergies ?\n[patient] no ."
    assert status(rules, dialogue, ALLERGIES) == "covered"


def test_generic_call_me_is_partial_but_specific_advice_covers(rules):
    assert status(rules, "[doctor] call me if you need anything .", SAFETY) == "partial"
    assert status(rules, "[doctor] call me if the pain gets worse .", SAFETY) == "covered"


def test_partial_terms_alone_give_partial(rules):
    assert status(rules, "[doctor] if it's not better , come on back .", FOLLOW) == "partial"
    assert status(rules, "[doctor] come back in two weeks .", FOLLOW) == "covered"
    assert status(rules, "[doctor] take care .", FOLLOW) == "missing"


def test_partial_and_limited_need_a_main_group():
    assert validate_keywords({"partial": ["x"]})
    assert validate_keywords({"limited": ["x"], "any": ["y"]}) == []
    assert validate_keywords({"limited": []})
