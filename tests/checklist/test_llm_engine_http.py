"""The LLM checklist engine through the real chat client, against a local /v1/chat/completions server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from soapify.checklist.engines.base import ItemSpec
from soapify.checklist.engines.llm import LLMEvaluator
from soapify.core.engines import EngineError
from soapify.core.transcript import parse_dialogue

DIALOGUE = "[doctor] any allergies ?\n[patient] no known allergies .\n[doctor] okay .\n"


class FakeChatServer(ThreadingHTTPServer):
    def __init__(self, replies: list[tuple[int, dict]]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies = replies
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
        status, payload = (
            self.server.replies.pop(0) if len(self.server.replies) > 1 else self.server.replies[0]
        )
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def server_with():
    servers = []

    def start(replies):
        srv = FakeChatServer(replies)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def completion(content: dict | str, model: str = "served-model") -> dict:
    text = content if isinstance(content, str) else json.dumps(content)
    return {"model": model, "choices": [{"message": {"role": "assistant", "content": text}}], "usage": {}}


ITEMS = [
    ItemSpec(id=1, title="Allergies", question_template={"en": "Any allergies?", "fa": "حساسیت دارید؟"}),
    ItemSpec(id=2, title="Smoking", question_template={"en": "Do you smoke?", "fa": "سیگار می‌کشید؟"}),
]


def test_llm_engine_asks_the_chat_api_and_anchors_quotes(server_with):
    answer = {
        "items": [
            {"id": "1", "status": "covered", "confidence": 0.9, "quote": "no known allergies"},
            {"id": "2", "status": "missing", "confidence": 0.8},
        ]
    }
    srv = server_with([(200, completion(answer))])
    engine = LLMEvaluator(base_url=srv.url, api_key="sk-test", model="gpt-test")
    transcript = parse_dialogue(DIALOGUE)
    allergies, smoking = engine.evaluate(transcript, ITEMS)
    req = srv.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-test"
    assert req["body"]["model"] == "gpt-test" and req["body"]["response_format"]["type"] == "json_schema"
    assert allergies.status == "covered" and allergies.model == "served-model"
    (span,) = allergies.anchor_positions
    assert transcript.text[span["start"] : span["end"]] == allergies.evidence_text == "no known allergies"
    assert smoking.status == "missing" and smoking.generated_question == "Do you smoke?"


def test_llm_engine_falls_back_to_json_object_when_schemas_are_refused(server_with):
    srv = server_with([(400, {"error": "no schema"}), (200, completion('```json\n{"items": []}\n```'))])
    results = LLMEvaluator(base_url=srv.url, model="m").evaluate(parse_dialogue(DIALOGUE), ITEMS)
    assert [r.status for r in results] == ["unclear", "unclear"]
    assert srv.requests[1]["body"]["response_format"] == {"type": "json_object"}


def test_llm_engine_reports_a_transient_error_when_the_api_keeps_failing(server_with):
    srv = server_with([(503, {"error": "down"})])
    engine = LLMEvaluator(base_url=srv.url, model="m")
    engine._get_client().backoff = 0.0
    with pytest.raises(EngineError) as exc:
        engine.evaluate(parse_dialogue(DIALOGUE), ITEMS)
    assert exc.value.transient is True


def test_llm_engine_without_a_base_url_is_a_clear_error():
    with pytest.raises(EngineError) as exc:
        LLMEvaluator(base_url="", model="m").evaluate(parse_dialogue(DIALOGUE), ITEMS)
    assert exc.value.code == "llm_unconfigured"


@pytest.mark.django_db
def test_the_evaluate_job_can_run_on_the_llm_engine(settings, server_with, alice_client, transcribed):
    from soapify.checklist.models import ChecklistEval

    srv = server_with([(200, completion({"items": []}))])
    settings.CHECKLIST_ENGINES = {
        "default": {
            "BACKEND": "soapify.checklist.engines.llm.LLMEvaluator",
            "OPTIONS": {"base_url": srv.url, "model": "m"},
        }
    }
    resp = alice_client.post(
        "/api/checklist/evaluations/evaluate_encounter/", {"encounter": transcribed.id}, format="json"
    )
    assert resp.status_code == 201 and resp.json()["status"] == "succeeded"
    assert set(ChecklistEval.objects.filter(encounter=transcribed).values_list("engine", flat=True)) == {
        "llm"
    }
