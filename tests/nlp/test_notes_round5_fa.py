"""The rules engine on the fifth clinician round's Persian findings (made-up colloquial dialogue)."""

from __future__ import annotations

import pytest

from soapify.core.draft_schema import check_evidence
from soapify.core.transcript import parse_dialogue
from soapify.nlp.engines.rules import RulesEngine


@pytest.fixture(scope="module")
def engine() -> RulesEngine:
    return RulesEngine()


def g(engine: RulesEngine, text: str) -> dict:
    tv = parse_dialogue(text)
    draft = engine.generate(tv, language="fa").draft
    assert check_evidence(draft, tv.text) == []
    return draft


def items(draft, section, kind=None):
    return [it for it in draft["sections"][section]["items"] if kind is None or it["kind"] == kind]


def meds(draft, section):
    return {it.get("name"): it for it in items(draft, section, "medication")}


def ros(draft) -> dict[str, bool]:
    return {it["name"]: bool(it.get("negated")) for it in items(draft, "subjective", "ros")}


# ------------------------------------------------------------------ "the rest, no"


def test_the_rest_no_denies_the_items_not_named(engine):
    draft = g(
        engine,
        "[doctor] تب، سرفه، تنگی نفس، درد قفسه سینه؟\n[patient] یه کم سرفه دارم، بقیه‌ش نه.",
    )
    found = ros(draft)
    assert found["cough"] is False
    assert found["fever"] is True
    assert found["shortness of breath"] is True
    assert found["chest pain"] is True


def test_head_heaviness_is_a_headache_and_the_rest_are_denied(engine):
    draft = g(engine, "[doctor] سردرد، سرگیجه، تاری دید، تنگی نفس؟\n[patient] صبحا سرم سنگینه، بقیه نه.")
    found = ros(draft)
    assert found["تاری دید"] is True
    assert found["shortness of breath"] is True
    assert found["dizziness"] is True
    assert not any(
        it["text"].endswith(": دارد") and it["name"] != "headache" for it in items(draft, "subjective", "ros")
    )


def test_the_rest_no_after_words_naming_none_of_the_list_records_none_as_present(engine):
    draft = g(engine, "[doctor] تب، لرز، تعریق شبانه؟\n[patient] فقط شبا یه کم اذیت میشم، بقیه نه.")
    assert not [it for it in items(draft, "subjective", "ros") if not it.get("negated")]
