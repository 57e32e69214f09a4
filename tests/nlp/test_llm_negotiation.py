"""How the LLM engines ask an OpenAI-compatible server for JSON (soapify/core/llm.py): the format is
negotiated per server (json_schema → json_object with a schema → json_object → the schema in the
prompt) and remembered; an outage is told apart from a refused format; answers can be streamed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug import Request, Response

from soapify.core import llm as llm_module
from soapify.core.engines import EngineError
from soapify.core.llm import ChatClient
from soapify.core.transcript import parse_dialogue
from soapify.nlp.engines.llm import LLMEngine
from tests.httpfakes import base_url, chat_completion

CHAT = "/v1/chat/completions"
DIALOGUE = (Path(__file__).resolve().parents[1] / "fixtures" / "dialogues" / "headache_visit.txt").read_text(
    encoding="utf-8"
)
ITEMS = {
    "items": [
        {"section": "subjective", "kind": "chief_complaint", "text": "Headache for three days.",
         "quotes": ["I have had a headache for about three days."]},
    ]
}  # fmt: skip


def engine(httpserver, **kw) -> LLMEngine:
    opts = {"base_url": base_url(httpserver), "model": "local", "timeout": 5.0, "max_retries": 0,
            "backoff": 0.01, "fallback": None}  # fmt: skip
    opts.update(kw)
    return LLMEngine(**opts)


def llama_cpp_python(request: Request) -> Response:
    """llama-cpp-python's server: 500 on json_schema, a schema inside json_object is fine."""
    fmt = request.get_json().get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return Response('{"error": "Internal Server Error"}', status=500, content_type="application/json")
    return Response(json.dumps(chat_completion(ITEMS, model="qwen")), content_type="application/json")


def formats(httpserver) -> list[str]:
    out = []
    for request, _ in httpserver.log:
        fmt = request.get_json().get("response_format")
        out.append("prompt" if fmt is None else "json_object_schema" if "schema" in fmt else fmt["type"])
    return out


def test_a_server_that_answers_500_to_json_schema_gets_json_object_with_the_schema(httpserver):
    httpserver.expect_request(CHAT, method="POST").respond_with_handler(llama_cpp_python)
    result = engine(httpserver).generate(parse_dialogue(DIALOGUE))
    assert result.engine == "llm" and result.fallback_reason is None
    assert result.draft["sections"]["subjective"]["items"][0]["text"] == "Headache for three days."
    assert formats(httpserver) == ["json_schema", "json_object_schema"]
    sent_schema = httpserver.log[1][0].get_json()["response_format"]["schema"]
    assert sent_schema["required"] == ["items"]


def test_the_accepted_format_is_remembered_per_server(httpserver):
    httpserver.expect_request(CHAT, method="POST").respond_with_handler(llama_cpp_python)
    engine(httpserver).generate(parse_dialogue(DIALOGUE))
    httpserver.clear_log()
    engine(httpserver).generate(parse_dialogue(DIALOGUE))  # a new engine, the same server and model
    assert formats(httpserver) == ["json_object_schema"]
    httpserver.clear_log()
    engine(httpserver, model="another").generate(parse_dialogue(DIALOGUE))  # another model: asked anew
    assert formats(httpserver) == ["json_schema", "json_object_schema"]


def test_a_500_then_a_400_keeps_stepping_down(httpserver):
    def picky(request: Request) -> Response:
        fmt = request.get_json().get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return Response("{}", status=500)
        if fmt:
            return Response('{"error": "unsupported"}', status=400)
        return Response(json.dumps(chat_completion(ITEMS)), content_type="application/json")

    httpserver.expect_request(CHAT, method="POST").respond_with_handler(picky)
    assert engine(httpserver).generate(parse_dialogue(DIALOGUE)).engine == "llm"
    assert formats(httpserver) == ["json_schema", "json_object_schema", "json_object", "prompt"]


def test_a_server_without_json_mode_gets_the_schema_in_the_prompt(httpserver):
    def no_json_mode(request: Request) -> Response:
        if request.get_json().get("response_format"):
            return Response('{"error": "response_format not supported"}', status=400)
        return Response(json.dumps(chat_completion(ITEMS)), content_type="application/json")

    httpserver.expect_request(CHAT, method="POST").respond_with_handler(no_json_mode)
    result = engine(httpserver).generate(parse_dialogue(DIALOGUE))
    assert result.engine == "llm"
    assert formats(httpserver) == ["json_schema", "json_object_schema", "json_object", "prompt"]
    system = httpserver.log[-1][0].get_json()["messages"][0]
    assert (
        system["role"] == "system" and "JSON schema" in system["content"] and '"items"' in system["content"]
    )


def test_a_server_that_is_down_is_an_outage_not_a_format_problem(httpserver):
    httpserver.expect_request(CHAT, method="POST").respond_with_json({"error": "down"}, status=500)
    with pytest.raises(EngineError) as err:
        engine(httpserver).generate(parse_dialogue(DIALOGUE))
    assert err.value.transient and err.value.code == "llm_unavailable"
    assert formats(httpserver) == ["json_schema", "json_object_schema"]  # two 5xx in a row: down
    assert llm_module._ACCEPTED == {}  # nothing learnt from an outage
    result = engine(httpserver, fallback="rules").generate(parse_dialogue(DIALOGUE))
    assert result.engine == "rules" and result.fallback_reason == "llm_unavailable"


def test_503_is_never_taken_for_a_refused_format(httpserver):
    httpserver.expect_request(CHAT, method="POST").respond_with_json({"error": "busy"}, status=503)
    with pytest.raises(EngineError) as err:
        engine(httpserver).generate(parse_dialogue(DIALOGUE))
    assert err.value.transient and formats(httpserver) == ["json_schema"]


def test_a_pinned_format_is_the_only_one_asked_for(httpserver):
    httpserver.expect_request(CHAT, method="POST").respond_with_handler(llama_cpp_python)
    with pytest.raises(EngineError):
        engine(httpserver, response_format="json_schema").generate(parse_dialogue(DIALOGUE))
    httpserver.clear_log()
    engine(httpserver, response_format="json_object_schema").generate(parse_dialogue(DIALOGUE))
    assert formats(httpserver) == ["json_object_schema"]
    with pytest.raises(EngineError) as err:
        ChatClient("http://127.0.0.1:9", response_format="xml")
    assert err.value.code == "llm_misconfigured"


def _events(chunks: list[str]) -> str:
    lines = []
    for text in chunks:
        chunk = {"model": "qwen", "choices": [{"index": 0, "delta": {"content": text}}]}
        lines.append(f"data: {json.dumps(chunk)}\n\n")
    return "".join(lines) + "data: [DONE]\n\n"


def test_a_streamed_answer_is_joined(httpserver):
    content = json.dumps(ITEMS)
    pieces = [content[i : i + 7] for i in range(0, len(content), 7)]

    def streamed(request: Request) -> Response:
        assert request.get_json()["stream"] is True
        return Response(_events(pieces), content_type="text/event-stream")

    httpserver.expect_request(CHAT, method="POST").respond_with_handler(streamed)
    result = engine(httpserver, stream=True).generate(parse_dialogue(DIALOGUE))
    assert (result.engine, result.model) == ("llm", "qwen")
    assert result.draft["sections"]["subjective"]["items"][0]["evidence"][0]["text"].startswith("I have had")


def test_a_malformed_stream_is_a_clear_error(httpserver):
    httpserver.expect_request(CHAT, method="POST").respond_with_data(
        "data: {not json\n\n", content_type="text/event-stream"
    )
    with pytest.raises(EngineError) as err:
        engine(httpserver, stream=True).generate(parse_dialogue(DIALOGUE))
    assert err.value.code == "llm_bad_response" and not err.value.transient
