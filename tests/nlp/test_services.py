"""Draft services below the API: evidence cleaning, re-anchoring, job reuse, the typed-transcript path."""

from __future__ import annotations

import pytest

from soapify.core.draft_schema import empty_draft
from soapify.core.models import Job
from soapify.core.transcript import parse_dialogue
from soapify.nlp import services
from soapify.nlp.models import Draft
from tests.nlp.conftest import generate_url

DIALOGUE = "Doctor: Any fever?\nPatient: No fever, but a cough."


def item(evidence: list[dict], **extra) -> dict:
    return {"kind": "hpi", "text": "x", "negated": False, "uncertain": False, "confidence": 0.5,
            "evidence": evidence, **extra}  # fmt: skip


def test_clean_machine_draft_keeps_only_exact_anchors_and_fills_segment_ids():
    view = parse_dialogue(DIALOGUE)
    i = view.text.index("cough")
    draft = empty_draft("en")
    draft["sections"]["subjective"]["items"] = [
        item([{"start": i, "end": i + 5, "text": "cough", "segment_id": 999}]),
        item([{"start": i, "end": i + 5, "text": "Cough"}]),  # wrong case
        item([{"start": i, "end": i, "text": ""}]),  # empty span
        item([{"start": "1", "end": 5, "text": "x"}]),  # wrong type
        item([]),  # no evidence at all
        "not an item",
    ]
    clean, dropped = services.clean_machine_draft(draft, view)
    assert dropped == 5
    [kept] = clean["sections"]["subjective"]["items"]
    assert kept["evidence"] == [{"start": i, "end": i + 5, "text": "cough", "segment_id": None}]
    assert set(clean["sections"]) == {"subjective", "objective", "assessment", "plan"}


def test_clean_machine_draft_survives_a_malformed_draft():
    clean, dropped = services.clean_machine_draft({"sections": {"plan": "nope"}}, parse_dialogue(DIALOGUE))
    assert dropped == 0 and clean == empty_draft("en")


def test_reanchoring_moves_found_spans_and_removes_lost_ones():
    old = "Patient: cough and fever."
    old_view = parse_dialogue(old)
    new_view = parse_dialogue("Doctor: hello.\nPatient: a cough, no rash.")
    c = old_view.text.index("cough")
    f = old_view.text.index("fever")
    section = {"text": "t", "items": [item([{"start": c, "end": c + 5, "text": "cough"},
                                            {"start": f, "end": f + 5, "text": "fever"}])]}  # fmt: skip
    lost = services._reanchor(section, old_view.text, new_view)
    assert lost == 1
    [ev] = section["items"][0]["evidence"]
    assert new_view.text[ev["start"] : ev["end"]] == "cough"


@pytest.mark.django_db
def test_an_identical_request_while_a_job_is_queued_returns_that_job(alice, alice_client, transcribed):
    active = Job.objects.create(
        kind=services.GENERATE_JOB, owner=alice, target_type="encounter", target_id=str(transcribed.pk),
        params={"encounter_id": transcribed.pk, "engine": "default", "language": None},
    )  # fmt: skip
    resp = alice_client.post(generate_url(transcribed.id), format="json")
    assert (
        resp.status_code == 201 and resp.json()["job_id"] == str(active.id) and resp.json()["reused"] is True
    )
    other = alice_client.post(generate_url(transcribed.id), {"transcript": "Patient: new."}, format="json")
    assert other.status_code == 409 and other.json()["error"]["code"] == "generation_in_progress"
    assert not Draft.objects.filter(encounter=transcribed).exists()
