"""The LLM note engine through the generate job, against a local /v1/chat/completions server
(pytest-httpserver)."""

from __future__ import annotations

import json

import pytest

from soapify.core.draft_schema import check_evidence
from soapify.nlp.models import Draft
from tests.httpfakes import base_url
from tests.jobstate import job_state
from tests.nlp.conftest import draft_url, generate_url

pytestmark = pytest.mark.django_db
CHAT = "/v1/chat/completions"


@pytest.fixture
def chat_server(settings, httpserver):
    """``chat_server(status, payload)``: the chat API answers that to every request."""

    def start(status: int, payload: dict):
        httpserver.expect_request(CHAT, method="POST").respond_with_json(payload, status=status)
        settings.NOTE_ENGINES = {
            "default": {"BACKEND": "soapify.nlp.engines.rules.RulesEngine", "OPTIONS": {}},
            "rules": {"BACKEND": "soapify.nlp.engines.rules.RulesEngine", "OPTIONS": {}},
            "llm": {
                "BACKEND": "soapify.nlp.engines.llm.LLMEngine",
                "OPTIONS": {"base_url": base_url(httpserver), "api_key": "sk-test", "model": "asked-model",
                            "timeout": 5, "max_retries": 1, "backoff": 0.01, "fallback": "rules"},
            },
        }  # fmt: skip
        return httpserver

    return start


def completion(content: dict) -> dict:
    return {
        "model": "served-model",
        "choices": [{"message": {"role": "assistant", "content": json.dumps(content)}}],
    }


GOOD = {
    "items": [
        {"section": "subjective", "kind": "chief_complaint", "text": "Headache for three days.",
         "confidence": 0.9, "quotes": ["I have had a headache for about three days"]},
        {"section": "subjective", "kind": "ros", "text": "Denies fever.", "negated": True,
         "quotes": ["No fever"]},
        {"section": "subjective", "kind": "allergy", "text": "Penicillin allergy.",
         "quotes": ["I am allergic to penicillin"]},
        {"section": "assessment", "kind": "problem", "text": "Migraine.", "name": "migraine",
         "quotes": ["This looks like a migraine"]},
        {"section": "plan", "kind": "medication", "text": "Sumatriptan 50 mg as needed.", "name": "sumatriptan",
         "dose": "50", "unit": "mg", "quotes": ["sumatriptan fifty milligrams as needed"]},
        {"section": "plan", "kind": "follow_up", "text": "Return in two weeks.",
         "quotes": ["the patient said they are a pilot"]},
    ]
}  # fmt: skip


def test_the_llm_engine_drafts_through_the_job_with_located_spans(alice_client, transcribed, chat_server):
    srv = chat_server(200, completion(GOOD))
    resp = alice_client.post(generate_url(transcribed.id), {"engine": "llm"}, format="json")
    assert job_state(alice_client, resp)["status"] == "succeeded", resp.json()
    ((request, _),) = srv.log
    assert request.path == CHAT and request.headers["Authorization"] == "Bearer sk-test"

    draft = Draft.objects.get(encounter=transcribed)
    assert (draft.engine, draft.model) == ("llm", "served-model")
    assert draft.meta["requested_engine"] == "llm" and draft.meta["fallback_reason"] is None
    assert check_evidence(draft.content, draft.transcript_text) == []
    body = alice_client.get(draft_url(transcribed.id)).json()
    text = body["transcript_text"]
    subj = body["sections"]["subjective"]["items"]
    assert [i["text"] for i in subj] == ["Headache for three days.", "Denies fever.", "Penicillin allergy."]
    fever = subj[1]
    assert fever["negated"] is True and fever["evidence"][0]["text"] == "No fever"
    for section in body["sections"].values():
        for item in section["items"]:
            for ev in item["evidence"]:
                assert text[ev["start"] : ev["end"]] == ev["text"]
                assert ev["segment_id"] is not None
    # the hallucinated quote never became evidence: its item is gone
    assert body["sections"]["plan"]["items"][0]["name"] == "sumatriptan"
    assert all(i["kind"] != "follow_up" for i in body["sections"]["plan"]["items"])


def test_a_failing_chat_api_falls_back_to_rules_and_says_so(alice_client, transcribed, chat_server):
    srv = chat_server(500, {"error": {"message": "boom"}})
    resp = alice_client.post(generate_url(transcribed.id), {"engine": "llm"}, format="json")
    job = job_state(alice_client, resp)
    assert job["status"] == "succeeded", resp.json()
    # json_schema, then json_object with the schema (a 500 may be a refused format), each with one
    # retry in the request (max_retries=1); two 5xx formats in a row: down, so the fallback
    assert len(srv.log) == 4
    draft = Draft.objects.get(encounter=transcribed)
    assert draft.engine == "rules"
    assert draft.meta["requested_engine"] == "llm" and draft.meta["fallback_reason"] == "llm_unavailable"
    assert job["job"]["result"]["fallback_reason"] == draft.meta["fallback_reason"]
    assert check_evidence(draft.content, draft.transcript_text) == []
    body = alice_client.get(draft_url(transcribed.id)).json()
    assert body["engine"] == "rules" and body["meta"]["fallback_reason"]
