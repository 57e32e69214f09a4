"""SMS engines: the console engine, and the HTTP engine against a local HTTP server."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from soapify.core.engines import EngineError
from soapify.integrations.sms import (
    ConsoleSMSEngine,
    HttpSMSEngine,
    InvalidPhoneNumber,
    SendResult,
    SMSEngine,
    normalize_phone,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09121234567", "+989121234567"),
        ("0912 123 4567", "+989121234567"),
        ("۰۹۱۲۱۲۳۴۵۶۷", "+989121234567"),
        ("+98 (912) 123-4567", "+989121234567"),
        ("00989121234567", "+989121234567"),
        ("+9809121234567", "+989121234567"),
        ("+14155552671", "+14155552671"),
    ],
)
def test_phone_numbers_are_normalized_to_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "0912123456", "+0123456789", "phone", "+98912123456789012"])
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(raw)


def test_console_engine_logs_the_whole_message_when_codes_are_shown(caplog):
    engine = ConsoleSMSEngine(show_codes=True)  # the default in DEBUG (see tests/core/test_logging.py)
    with caplog.at_level(logging.INFO, logger="soapify.sms"):
        result = engine.send("09121234567", "Your code is 123456")
    assert isinstance(engine, SMSEngine)
    assert result.provider == "console" and result.message_id
    assert "+989121234567" in caplog.text and "Your code is 123456" in caplog.text
    assert engine.sent[-1] == ("+989121234567", "Your code is 123456", result.message_id)


def test_console_engine_refuses_a_bad_number_as_not_transient():
    with pytest.raises(EngineError) as exc:
        ConsoleSMSEngine().send("not a number", "hi")
    assert exc.value.transient is False and exc.value.code == "invalid_phone"


# ------------------------------------------------------------------------------ a local provider


class Provider:
    """Answers with the scripted ``(status, body, delay)`` one after another; repeats the last."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict, float]] = [(200, {"id": "m-1"}, 0.0)]
        self.requests: list[dict] = []


@pytest.fixture
def provider() -> Iterator[tuple[Provider, str]]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            state.requests.append({"body": body, "headers": dict(self.headers)})
            index = min(len(state.requests) - 1, len(state.script) - 1)
            status, answer, delay = state.script[index]
            if delay:
                time.sleep(delay)
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()


def engine_for(url: str, **kwargs) -> HttpSMSEngine:
    options = {"api_key": "k-secret", "sender": "SOAPify", "timeout": 2.0, "max_retries": 2, "backoff": 0.01}
    return HttpSMSEngine(url, **(options | kwargs))


def test_http_engine_posts_json_with_a_bearer_key(provider):
    state, url = provider
    result = engine_for(url).send("09121234567", "سلام، کد شما 123456 است")
    assert result == SendResult(message_id="m-1", provider="http")
    (request,) = state.requests
    assert request["body"] == {"to": "+989121234567", "from": "SOAPify", "text": "سلام، کد شما 123456 است"}
    assert request["headers"]["Authorization"] == "Bearer k-secret"


def test_http_engine_retries_a_rate_limit_then_succeeds_with_the_same_idempotency_key(provider):
    state, url = provider
    state.script = [(429, {"error": "slow down"}, 0.0), (200, {"message_id": "m-2"}, 0.0)]
    result = engine_for(url).send("+14155552671", "hello")
    assert result.message_id == "m-2"
    assert len(state.requests) == 2
    keys = {r["headers"]["Idempotency-Key"] for r in state.requests}
    assert len(keys) == 1


def test_http_engine_gives_a_transient_error_when_the_provider_keeps_failing(provider):
    state, url = provider
    state.script = [(500, {"error": "boom"}, 0.0)]
    with pytest.raises(EngineError) as exc:
        engine_for(url).send("+14155552671", "hello")
    assert exc.value.transient is True
    assert len(state.requests) == 3
    assert "k-secret" not in str(exc.value)


def test_http_engine_does_not_retry_a_rejected_message(provider):
    state, url = provider
    state.script = [(400, {"error": "bad sender"}, 0.0)]
    with pytest.raises(EngineError) as exc:
        engine_for(url).send("+14155552671", "hello")
    assert exc.value.transient is False
    assert len(state.requests) == 1


def test_http_engine_retries_a_time_out(provider):
    state, url = provider
    state.script = [(200, {"id": "late"}, 0.6), (200, {"id": "m-3"}, 0.0)]
    result = engine_for(url, timeout=0.2).send("+14155552671", "hello")
    assert result.message_id == "m-3"


def test_http_engine_time_outs_that_persist_are_transient(provider):
    state, url = provider
    state.script = [(200, {"id": "late"}, 0.4)]
    with pytest.raises(EngineError) as exc:
        engine_for(url, timeout=0.1, max_retries=1).send("+14155552671", "hello")
    assert exc.value.transient is True


def test_http_engine_refuses_an_invalid_number_without_calling_the_provider(provider):
    state, url = provider
    with pytest.raises(EngineError) as exc:
        engine_for(url).send("12", "hello")
    assert exc.value.transient is False
    assert state.requests == []
