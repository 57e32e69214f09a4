"""The faster float32 embedder changes no checklist verdict: every starter item on the fixture visits
gets the same status, evidence and classifier score from it (onnxruntime where the export exists,
else torch in small batches) as from MiniLM computed the way the trained section classifier's
vectors were (sentence-transformers on torch, batches of 64).

The default embedder (the int8 copy on onnxruntime, since 2026-12-06) approximates those vectors:
on ACI-BENCH valid it changes 6 of 920 verdicts and no benchmark figure
(``docs/NOTES-QUALITY.md``); here it must keep nearly every verdict of the fixture visits."""

from __future__ import annotations

from pathlib import Path

import pytest

from soapify.checklist.engines.rules import RulesEvaluator
from soapify.checklist.starter import CATALOG_ITEMS, item_spec
from soapify.core.embeddings import SentenceTransformerEmbedder, get_embedder
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
    float32 = SentenceTransformerEmbedder(quantized=False)
    return RulesEvaluator(embedder=ReferenceEmbedder()), RulesEvaluator(embedder=float32)


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


def test_the_default_int8_embedder_keeps_nearly_every_verdict(evaluators):
    reference, _ = evaluators
    shared = RulesEvaluator(embedder=get_embedder("minilm"))
    items = [item_spec(i) for i in CATALOG_ITEMS]
    pairs = []
    for text in VISITS.values():
        transcript = parse_dialogue(text)
        pairs += zip(reference.evaluate(transcript, items), shared.evaluate(transcript, items), strict=True)
    assert len(pairs) > 300
    same_status = sum(want.status == have.status for want, have in pairs) / len(pairs)
    same_evidence = sum(want.evidence_text == have.evidence_text for want, have in pairs) / len(pairs)
    worst = max(
        abs(have.details.get("topic_score", 0) - want.details.get("topic_score", 0)) for want, have in pairs
    )
    assert same_status >= 0.97 and same_evidence >= 0.9 and worst <= 0.25, (same_status, same_evidence, worst)
