"""Shared by the rules engine's visit tests: a draft whose evidence spans are checked, and its items."""

from __future__ import annotations

from soapify.core.draft_schema import check_evidence
from soapify.core.transcript import parse_dialogue
from soapify.nlp.engines.rules import RulesEngine


def checked_draft(engine: RulesEngine, text: str, language: str | None = None) -> dict:
    """The draft of a ``[doctor]``/``[patient]`` dialogue; every evidence span must match the transcript."""
    tv = parse_dialogue(text)
    draft = engine.generate(tv, language=language).draft
    assert check_evidence(draft, tv.text) == []
    return draft


def persian_draft(engine: RulesEngine, text: str) -> dict:
    return checked_draft(engine, text, "fa")


def items(draft: dict, section: str, kind: str | None = None) -> list[dict]:
    return [it for it in draft["sections"][section]["items"] if kind is None or it["kind"] == kind]


def texts(draft: dict, section: str, kind: str | None = None) -> list[str]:
    return [it["text"] for it in items(draft, section, kind)]
