"""SMS engines: the console engine, and the HTTP engine against a local HTTP server (pytest-httpserver)."""

from __future__ import annotations

import logging

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
from tests.httpfakes import slow


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


def engine_for(httpserver, **kwargs) -> HttpSMSEngine:
    options = {"api_key": "k-secret", "sender": "SOAPify", "timeout": 2.0, "max_retries": 2, "backoff": 0.01}
    return HttpSMSEngine(httpserver.url_for("/sms"), **(options | kwargs))


def test_http_engine_posts_json_with_a_bearer_key(httpserver):
    httpserver.expect_request("/sms", method="POST").respond_with_json({"id": "m-1"})
    result = engine_for(httpserver).send("09121234567", "سلام، کد شما 123456 است")
    assert result == SendResult(message_id="m-1", provider="http")
    ((request, _),) = httpserver.log
    assert request.get_json() == {"to": "+989121234567", "from": "SOAPify", "text": "سلام، کد شما 123456 است"}
    assert request.headers["Authorization"] == "Bearer k-secret"


def test_http_engine_retries_a_rate_limit_then_succeeds_with_the_same_idempotency_key(httpserver):
    httpserver.expect_oneshot_request("/sms").respond_with_json(
        {"error": "slow down"}, status=429, headers={"Retry-After": "0"}
    )
    httpserver.expect_oneshot_request("/sms").respond_with_json({"message_id": "m-2"})
    result = engine_for(httpserver).send("+14155552671", "hello")
    assert result.message_id == "m-2"
    assert len(httpserver.log) == 2
    assert len({request.headers["Idempotency-Key"] for request, _ in httpserver.log}) == 1


def test_http_engine_gives_a_transient_error_when_the_provider_keeps_failing(httpserver, caplog):
    httpserver.expect_request("/sms").respond_with_json({"error": "boom k-secret +14155552671"}, status=500)
    with caplog.at_level(logging.DEBUG), pytest.raises(EngineError) as exc:
        engine_for(httpserver).send("+14155552671", "hello")
    assert exc.value.transient is True and exc.value.code == "sms_unavailable"
    assert len(httpserver.log) == 3
    assert "k-secret" not in str(exc.value) and "k-secret" not in caplog.text
    assert "+14155552671" not in caplog.text and "HTTP 500" in caplog.text


def test_http_engine_does_not_wait_for_a_long_retry_after(httpserver):
    httpserver.expect_request("/sms").respond_with_json({}, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(EngineError) as exc:
        engine_for(httpserver).send("+14155552671", "hello")
    assert exc.value.transient is True and len(httpserver.log) == 1


def test_http_engine_does_not_retry_a_rejected_message(httpserver):
    httpserver.expect_request("/sms").respond_with_json({"error": "bad sender"}, status=400)
    with pytest.raises(EngineError) as exc:
        engine_for(httpserver).send("+14155552671", "hello")
    assert exc.value.transient is False and exc.value.code == "sms_rejected"
    assert len(httpserver.log) == 1


def test_http_engine_time_out_is_transient_and_not_retried_in_the_request(httpserver, caplog):
    httpserver.expect_request("/sms").respond_with_handler(slow(0.5, {"id": "late"}))
    with caplog.at_level(logging.WARNING), pytest.raises(EngineError) as exc:
        engine_for(httpserver, timeout=0.1).send("+14155552671", "hello")
    assert exc.value.transient is True and exc.value.code == "sms_unavailable"
    assert "timeout" in str(exc.value)
    assert not [r for r in caplog.records if r.getMessage().startswith("Retrying")]


def test_http_engine_with_an_unusable_url_is_misconfigured():
    with pytest.raises(EngineError) as exc:
        HttpSMSEngine("provider.example/sms", api_key="k", sender="S").send("+14155552671", "hello")
    assert exc.value.transient is False and exc.value.code == "sms_misconfigured"


def test_http_engine_refuses_an_invalid_number_without_calling_the_provider(httpserver):
    with pytest.raises(EngineError) as exc:
        engine_for(httpserver).send("12", "hello")
    assert exc.value.transient is False
    assert httpserver.log == []
