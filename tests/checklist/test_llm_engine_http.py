"""The LLM checklist engine through the real chat client, against a local /v1/chat/completions server
(pytest-httpserver)."""

from __future__ import annotations

import pytest

from soapify.checklist.engines.base import ItemSpec
from soapify.checklist.engines.llm import LLMEvaluator
from soapify.core.engines import EngineError
from soapify.core.transcript import parse_dialogue
from tests.httpfakes import base_url, chat_completion
from tests.jobstate import job_state

DIALOGUE = "[doctor] any allergies ?\n[patient] no known allergies .\n[doctor] okay .\n"
CHAT = "/v1/chat/completions"


def completion(content: dict | str) -> dict:
    return chat_completion(content, model="served-model")


ITEMS = [
    ItemSpec(id=1, title="Allergies", question_template={"en": "Any allergies?", "fa": "حساسیت دارید؟"}),
    ItemSpec(id=2, title="Smoking", question_template={"en": "Do you smoke?", "fa": "سیگار می‌کشید؟"}),
]


def test_llm_engine_asks_the_chat_api_and_anchors_quotes(httpserver):
    answer = {
        "items": [
            {"id": "1", "status": "covered", "confidence": 0.9, "quote": "no known allergies"},
            {"id": "2", "status": "missing", "confidence": 0.8},
        ]
    }
    httpserver.expect_request(CHAT, method="POST").respond_with_json(completion(answer))
    engine = LLMEvaluator(base_url=base_url(httpserver), api_key="sk-test", model="gpt-test")
    transcript = parse_dialogue(DIALOGUE)
    allergies, smoking = engine.evaluate(transcript, ITEMS)
    ((request, _),) = httpserver.log
    assert request.path == CHAT and request.headers["Authorization"] == "Bearer sk-test"
    body = request.get_json()
    assert body["model"] == "gpt-test" and body["response_format"]["type"] == "json_schema"
    assert allergies.status == "covered" and allergies.model == "served-model"
    (span,) = allergies.anchor_positions
    assert transcript.text[span["start"] : span["end"]] == allergies.evidence_text == "no known allergies"
    assert smoking.status == "missing" and smoking.generated_question == "Do you smoke?"


def test_llm_engine_falls_back_to_json_object_when_schemas_are_refused(httpserver):
    httpserver.expect_oneshot_request(CHAT).respond_with_json({"error": "no schema"}, status=400)
    httpserver.expect_oneshot_request(CHAT).respond_with_json(completion('```json\n{"items": []}\n```'))
    results = LLMEvaluator(base_url=base_url(httpserver), model="m").evaluate(parse_dialogue(DIALOGUE), ITEMS)
    assert [r.status for r in results] == ["unclear", "unclear"]
    assert httpserver.log[1][0].get_json()["response_format"]["type"] == "json_object"


def test_llm_engine_leaves_a_failing_api_to_the_job_runner_as_a_transient_error(httpserver):
    httpserver.expect_request(CHAT).respond_with_json({"error": "down"}, status=503)
    with pytest.raises(EngineError) as exc:
        LLMEvaluator(base_url=base_url(httpserver), model="m").evaluate(parse_dialogue(DIALOGUE), ITEMS)
    assert exc.value.transient is True and exc.value.code == "llm_unavailable"
    assert len(httpserver.log) == 1  # not retried in the request: the job runner retries it later


def test_llm_engine_without_a_base_url_is_a_clear_error():
    with pytest.raises(EngineError) as exc:
        LLMEvaluator(base_url="", model="m").evaluate(parse_dialogue(DIALOGUE), ITEMS)
    assert exc.value.code == "llm_unconfigured"


@pytest.mark.django_db
def test_the_evaluate_job_can_run_on_the_llm_engine(settings, httpserver, alice_client, transcribed):
    from soapify.checklist.models import ChecklistEval

    httpserver.expect_request(CHAT).respond_with_json(completion({"items": []}))
    settings.CHECKLIST_ENGINES = {
        "default": {
            "BACKEND": "soapify.checklist.engines.llm.LLMEvaluator",
            "OPTIONS": {"base_url": base_url(httpserver), "model": "m"},
        }
    }
    resp = alice_client.post(
        "/api/checklist/evaluations/evaluate_encounter/", {"encounter": transcribed.id}, format="json"
    )
    assert job_state(alice_client, resp)["status"] == "succeeded"
    assert set(ChecklistEval.objects.filter(encounter=transcribed).values_list("engine", flat=True)) == {
        "llm"
    }
