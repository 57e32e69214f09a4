"""The LLM note engine through the generate job, against a local /v1/chat/completions server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from soapify.core.draft_schema import check_evidence
from soapify.nlp.models import Draft
from tests.nlp.conftest import draft_url, generate_url

pytestmark = pytest.mark.django_db


class ChatServer(ThreadingHTTPServer):
    def __init__(self, status: int, payload: dict):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status, self.payload = status, payload
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        data = json.dumps(self.server.payload).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server(settings):
    servers: list[ChatServer] = []

    def start(status: int, payload: dict) -> ChatServer:
        srv = ChatServer(status, payload)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        settings.NOTE_ENGINES = {
            "default": {"BACKEND": "soapify.nlp.engines.rules.RulesEngine", "OPTIONS": {}},
            "rules": {"BACKEND": "soapify.nlp.engines.rules.RulesEngine", "OPTIONS": {}},
            "llm": {
                "BACKEND": "soapify.nlp.engines.llm.LLMEngine",
                "OPTIONS": {"base_url": srv.url, "api_key": "sk-test", "model": "asked-model", "timeout": 5,
                            "max_retries": 1, "backoff": 0.01, "fallback": "rules"},
            },
        }  # fmt: skip
        return srv

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


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
    assert resp.status_code == 201 and resp.json()["status"] == "succeeded", resp.json()
    assert srv.requests and srv.requests[0]["path"] == "/v1/chat/completions"
    assert srv.requests[0]["auth"] == "Bearer sk-test"

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
    assert resp.status_code == 201 and resp.json()["status"] == "succeeded", resp.json()
    assert len(srv.requests) >= 1
    draft = Draft.objects.get(encounter=transcribed)
    assert draft.engine == "rules"
    assert draft.meta["requested_engine"] == "llm" and draft.meta["fallback_reason"]
    assert resp.json()["job"]["result"]["fallback_reason"] == draft.meta["fallback_reason"]
    assert check_evidence(draft.content, draft.transcript_text) == []
    body = alice_client.get(draft_url(transcribed.id)).json()
    assert body["engine"] == "rules" and body["meta"]["fallback_reason"]
