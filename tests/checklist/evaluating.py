"""Shared by the checklist evaluator's visit tests: one item's result on a dialogue, its evidence checked."""

from __future__ import annotations

from soapify.checklist.engines.rules import RulesEvaluator
from soapify.checklist.engines.topics import segment_patterns, segments
from soapify.checklist.starter import catalog_by_key, item_spec
from soapify.core.transcript import parse_dialogue


def result(evaluator: RulesEvaluator, dialogue: str, key: str):
    """The starter item ``key`` evaluated on a ``[doctor]``/``[patient]`` dialogue; the evidence must be
    the transcript's text at its anchor."""
    transcript = parse_dialogue(dialogue)
    (r,) = evaluator.evaluate(transcript, [item_spec(catalog_by_key()[key])])
    if r.anchor_positions:
        a = r.anchor_positions[0]
        assert transcript.text[a["start"] : a["end"]] == r.evidence_text
    return r


def status(evaluator: RulesEvaluator, dialogue: str, key: str) -> str:
    return result(evaluator, dialogue, key).status


def patterns(dialogue: str) -> set[str]:
    """Every topic pattern the dialogue's segments show."""
    transcript = parse_dialogue(dialogue)
    return set().union(*(segment_patterns(seg) for seg in segments(transcript)))
