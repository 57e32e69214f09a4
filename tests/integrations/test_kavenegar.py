"""The Kavenegar SMS engine against a local fake of its REST API (pytest-httpserver)."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from soapify.core.engines import EngineError
from soapify.integrations.sms import KavenegarSMSEngine, SendResult
from soapify.integrations.sms.kavenegar import receptor
from tests.httpfakes import base_url, slow

KEY = "5A6B7C-secret-key"
PATH = f"/v1/{KEY}/sms/send.json"
OK = {"return": {"status": 200, "message": "تایید شد"},
      "entries": [{"messageid": 8792343, "message": "x", "status": 1, "receptor": "09121234567"}]}  # fmt: skip


def engine_for(httpserver, **kwargs) -> KavenegarSMSEngine:
    options = {"api_key": KEY, "sender": "10004346", "timeout": 1.0, "max_retries": 2, "backoff": 0.01}
    return KavenegarSMSEngine(base_url=base_url(httpserver), **(options | kwargs))


def test_numbers_are_given_in_kavenegars_form():
    assert receptor("+989121234567") == "09121234567"
    assert receptor("+14155552671") == "0014155552671"


def test_send_posts_the_form_and_returns_the_message_id(httpserver):
    httpserver.expect_request(PATH, method="POST").respond_with_json(OK)
    result = engine_for(httpserver).send("+98 912 123 4567", "کد شما: 123456")
    assert result == SendResult(message_id="8792343", provider="kavenegar")
    ((request, _),) = httpserver.log
    assert request.form.to_dict() == {
        "receptor": "09121234567",
        "message": "کد شما: 123456",
        "sender": "10004346",
    }


@pytest.mark.parametrize(
    ("status", "code"), [(418, "sms_rejected"), (411, "sms_rejected"), (401, "sms_misconfigured")]
)
def test_refusals_are_not_transient_and_not_retried(httpserver, status, code):
    httpserver.expect_request(PATH).respond_with_json(
        {"return": {"status": status, "message": "no"}}, status=status
    )
    with pytest.raises(EngineError) as exc:
        engine_for(httpserver).send("09121234567", "hi")
    assert exc.value.code == code and not exc.value.transient and len(httpserver.log) == 1


def test_server_errors_are_retried_then_transient_without_the_key(httpserver, caplog):
    httpserver.expect_request(PATH).respond_with_json({"return": {"status": 500}}, status=502)
    with caplog.at_level(logging.DEBUG), pytest.raises(EngineError) as exc:
        engine_for(httpserver).send("09121234567", "hi")
    assert exc.value.transient and exc.value.code == "sms_unavailable" and len(httpserver.log) == 3
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")  # not the fake's log
    assert KEY not in str(exc.value) and KEY not in ours and "09121234567" not in ours


def test_a_time_out_is_transient_and_not_retried(httpserver):
    httpserver.expect_request(PATH).respond_with_handler(slow(0.5, OK))
    with pytest.raises(EngineError) as exc:
        engine_for(httpserver, timeout=0.1).send("09121234567", "hi")
    assert exc.value.transient and "timeout" in str(exc.value)


def test_connection_retries_never_log_the_key(caplog):
    engine = KavenegarSMSEngine(api_key=KEY, base_url="http://127.0.0.1:9", timeout=0.5, backoff=0.01)
    with caplog.at_level(logging.DEBUG), pytest.raises(EngineError) as exc:
        engine.send("09121234567", "hi")
    assert exc.value.transient
    assert "Retrying" in caplog.text and KEY not in caplog.text


def test_an_answer_without_a_message_id_is_a_bad_reply(httpserver):
    httpserver.expect_request(PATH).respond_with_json({"return": {"status": 200}, "entries": []})
    with pytest.raises(EngineError) as exc:
        engine_for(httpserver).send("09121234567", "hi")
    assert exc.value.code == "sms_bad_reply"


def test_without_a_key_it_is_misconfigured():
    with pytest.raises(EngineError) as exc:
        KavenegarSMSEngine(api_key="").send("09121234567", "hi")
    assert exc.value.code == "sms_misconfigured"


def test_check_asks_for_the_account(httpserver):
    httpserver.expect_request(f"/v1/{KEY}/account/info.json").respond_with_json({"return": {"status": 200}})
    engine_for(httpserver).check()
    assert len(httpserver.log) == 1


@pytest.mark.django_db
def test_a_one_time_code_goes_out_through_kavenegar_in_persian(httpserver, settings, alice):
    alice.phone_number = "09121234567"
    alice.save(update_fields=["phone_number"])
    settings.SMS_ENGINES = {"default": {"BACKEND": "soapify.integrations.sms.kavenegar.KavenegarSMSEngine",
                                        "OPTIONS": {"api_key": KEY, "base_url": base_url(httpserver)}}}  # fmt: skip
    httpserver.expect_request(PATH).respond_with_json(OK)
    response = APIClient().post("/api/integrations/otp/send/", {"phone_number": "09121234567"}, format="json")
    assert response.status_code == 200
    ((request, _),) = httpserver.log
    message = request.form["message"]
    assert message.startswith("کد ورود شما") and any(ch.isdigit() for ch in message)
    assert request.form["receptor"] == "09121234567"
