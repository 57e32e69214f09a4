"""The faster embedder changes no checklist verdict: every starter item on the fixture visits gets
the same status, evidence and classifier score from the shared embedder (onnxruntime where the
export exists, else torch in small batches) as from MiniLM computed the way the trained section
classifier's vectors were (sentence-transformers on torch, batches of 64)."""

from __future__ import annotations

from pathlib import Path

import pytest

from soapify.checklist.engines.rules import RulesEvaluator
from soapify.checklist.starter import CATALOG_ITEMS, item_spec
from soapify.core.embeddings import get_embedder
from soapify.core.transcript import parse_dialogue
from tests.checklist.conftest import VISIT
from tests.checklist.test_trained_evaluator import EAR_VISIT, NO_MEDS_VISIT
from tests.embedding_reference import ReferenceEmbedder

DIALOGUES = Path(__file__).resolve().parents[1] / "fixtures" / "dialogues"
VISITS = {
    "cough": VISIT,
    "ear": EAR_VISIT,
    "sore_throat": NO_MEDS_VISIT,
    **{
        name: (DIALOGUES / f"{name}.txt").read_text(encoding="utf-8")
        for name in ("aci_short", "headache_visit", "mts_medications", "persian_headache", "stt_headache")
    },
}


@pytest.fixture(scope="module")
def evaluators() -> tuple[RulesEvaluator, RulesEvaluator]:
    return RulesEvaluator(embedder=ReferenceEmbedder()), RulesEvaluator(embedder=get_embedder("minilm"))


@pytest.mark.parametrize("visit", sorted(VISITS))
def test_every_starter_item_gets_the_same_verdict(evaluators, visit):
    reference, shared = evaluators
    transcript = parse_dialogue(VISITS[visit])
    items = [item_spec(i) for i in CATALOG_ITEMS]
    expected = reference.evaluate(transcript, items)
    got = shared.evaluate(transcript, items)
    assert len(got) == len(items) > 40
    for want, have in zip(expected, got, strict=True):
        assert (have.item_id, have.status, have.evidence_text) == (
            want.item_id,
            want.status,
            want.evidence_text,
        )
        assert have.details.get("topic_section") == want.details.get("topic_section")
        assert have.details.get("topic_score", 0) == pytest.approx(
            want.details.get("topic_score", 0), abs=0.002
        )
    assert {r.status for r in got} >= {"covered", "missing"}  # the visits exercise real verdicts
