"""Logs: secrets redacted (gunicorn access log, Django/structlog lines, console SMS), request ids
honoured or generated and echoed, job ids on a job's lines, LOG_FORMAT json/console."""

from __future__ import annotations

import io
import json
import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import structlog
from django.test import Client
from gunicorn.config import Config

from soapify.core import logs
from soapify.core.logs import GunicornLogger, redact, redact_query_string, structured_formatter
from soapify.integrations.sms.console import ConsoleSMSEngine

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Xq3vK9m2LrT8yZpW4nB6cD1eF5gH7jJ0aS2dQwErTyU"


@pytest.fixture
def json_log():
    """Everything logged through the root logger while the test runs, as parsed JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structured_formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    lines: list[dict] = []

    def read() -> list[dict]:
        lines[:] = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
        return lines

    yield read
    root.removeHandler(handler)
    root.setLevel(old_level)


# ------------------------------------------------------------------------------------- redaction


@pytest.mark.parametrize(
    "text,expected",
    [
        (f"GET /api/outputs/access/{TOKEN}/ HTTP/1.1", "GET /api/outputs/access/[redacted]/ HTTP/1.1"),
        (f"https://x.org/api/outputs/file/{TOKEN}:sig/", "https://x.org/api/outputs/file/[redacted]/"),
        (f"/api/audio/upload/{TOKEN}/?a=1", "/api/audio/upload/[redacted]/?a=1"),
        ("/api/x/?token=abc&page=2", "/api/x/?token=[redacted]&page=2"),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=f00d&X-Amz-Expires=900",
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Expires=900",
        ),
        ("redis://:hunter2@cache:6379/0", "redis://:[redacted]@cache:6379/0"),
        ("/api/encounters/12/?search=headache", "/api/encounters/12/?search=[redacted]"),
        (
            "/api/integrations/patients/search/?q=Sara+Karimi&page=2",
            "/api/integrations/patients/search/?q=[redacted]&page=2",
        ),
        ("/api/encounters/?page=2&ordering=-created_at", "/api/encounters/?page=2&ordering=-created_at"),
        ("bad token=abc123 in query token=x&page=2", "bad token=[redacted] in query token=[redacted]&page=2"),
        ("sig=abc", "sig=[redacted]"),
        ("design=1&assign=2", "design=1&assign=2"),
    ],
)
def test_redact_removes_tokens_signatures_and_passwords_and_nothing_else(text, expected):
    assert redact(text) == expected


def test_a_query_string_keeps_its_ordinary_parameters_and_loses_its_secrets_and_search_words():
    assert redact_query_string("page=2&sig=abc&Signature=def&q=chest+pain") == (
        "page=2&sig=[redacted]&Signature=[redacted]&q=[redacted]"
    )
    assert redact_query_string("page=2&page_size=5") == "page=2&page_size=5"


def _access_line(tmp_path, log_format: str) -> str:
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / f"access-{log_format}.log"))
    cfg.set("access_log_format", runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"])
    logger = type("L", (GunicornLogger,), {"log_format": log_format})(cfg)
    uri = f"/api/outputs/access/{TOKEN}/?token={TOKEN}&sig=s1gn&page=2"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": uri,
        "PATH_INFO": uri.split("?")[0],
        "QUERY_STRING": uri.split("?")[1],
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": f"https://clinic.example/api/outputs/access/{TOKEN}/",
        "HTTP_USER_AGENT": "curl/8",
    }
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"]), ("USER-AGENT", "curl/8")])
    resp = SimpleNamespace(status="404 Not Found", headers=[("X-Request-ID", "req-42")], sent=57)
    logger.access(resp, req, environ, timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    return (tmp_path / f"access-{log_format}.log").read_text()


def test_the_gunicorn_access_log_never_shows_a_share_link_token_or_a_signature(tmp_path):
    line = _access_line(tmp_path, "console")
    assert TOKEN not in line and "s1gn" not in line
    assert (
        '"GET /api/outputs/access/[redacted]/?token=[redacted]&sig=[redacted]&page=2 HTTP/1.1" 404 57' in line
    )
    assert '"https://clinic.example/api/outputs/access/[redacted]/" "curl/8" 12ms req-42' in line


def test_the_gunicorn_access_log_in_json_is_one_object_with_the_request_id(tmp_path):
    line = _access_line(tmp_path, "json")
    assert TOKEN not in line and "s1gn" not in line
    record = json.loads(line)
    assert record["path"] == "/api/outputs/access/[redacted]/"
    assert record["query"] == "token=[redacted]&sig=[redacted]&page=2"
    assert record["status"] == 404 and record["request_id"] == "req-42" and record["duration_ms"] == 12
    assert record["referer"] == "https://clinic.example/api/outputs/access/[redacted]/"


def test_the_gunicorn_error_log_is_redacted_too(tmp_path):
    cfg = Config()
    cfg.set("errorlog", str(tmp_path / "error.log"))
    logger = GunicornLogger(cfg)
    logger.error("Error handling request /api/outputs/access/%s/", TOKEN)
    assert "access/[redacted]/" in (tmp_path / "error.log").read_text()
    assert TOKEN not in (tmp_path / "error.log").read_text()


def test_django_log_lines_never_show_a_share_link_token(db, json_log):
    logging.getLogger("django.request").error("Not Found: /api/outputs/access/%s/", TOKEN)
    Client().get(f"/api/outputs/access/{TOKEN}/?token={TOKEN}")
    lines = json_log()
    assert lines and TOKEN not in json.dumps(lines)
    finished = [x for x in lines if x["event"] == "request_finished"]
    assert finished[0]["request"] == "GET /api/outputs/access/[redacted]/?token=[redacted]"


# ------------------------------------------------------------------------------------ console SMS


def test_the_console_sms_engine_masks_codes_numbers_and_link_tokens_outside_debug(settings, caplog):
    settings.DEBUG = False
    engine = ConsoleSMSEngine()
    with caplog.at_level(logging.INFO, logger="soapify.sms"):
        engine.send("09121234567", "Your SOAPify code is ۴۸۲۹۱۷ (or 482917)")
        engine.send("09121234567", f"Your note: https://x.org/api/outputs/access/{TOKEN}/ until 2026-12-13")
    text = caplog.text
    assert "482917" not in text and "۴۸۲۹۱۷" not in text and TOKEN not in text
    assert "+98912***4567" in text and "+989121234567" not in text
    assert "Your SOAPify code is •••••• (or ••••••)" in text
    assert "/api/outputs/access/[redacted]/" in text
    assert engine.sent[0][1] == "Your SOAPify code is ۴۸۲۹۱۷ (or 482917)"  # in memory for tests only


def test_the_console_sms_engine_shows_codes_in_debug_but_never_link_tokens(settings, caplog):
    settings.DEBUG = True
    with caplog.at_level(logging.INFO, logger="soapify.sms"):
        ConsoleSMSEngine().send("09121234567", "Your SOAPify code is 482917")
        ConsoleSMSEngine().send("09121234567", f"https://x.org/api/outputs/access/{TOKEN}/")
    assert "Your SOAPify code is 482917" in caplog.text and "+989121234567" in caplog.text
    assert TOKEN not in caplog.text


# ------------------------------------------------------------------------------------ request ids


def test_a_sane_request_id_from_the_client_is_echoed_and_logged(db, json_log):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a:42")
    assert response["X-Request-ID"] == "edge-7f3a:42"
    lines = [x for x in json_log() if x["event"].startswith("request_")]
    assert [x["event"] for x in lines] == ["request_finished"]  # request_started is at DEBUG
    assert lines[0]["request_id"] == "edge-7f3a:42" and lines[0]["code"] == 200


@pytest.mark.parametrize("bad", ["", "has space", "x" * 129, "new\nline", "<script>", "ü-ümlaut"])
def test_an_insane_request_id_is_replaced_by_a_new_one(db, bad):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=bad)
    assert response["X-Request-ID"] != bad
    assert len(response["X-Request-ID"]) == 32 and int(response["X-Request-ID"], 16) >= 0


def test_every_request_gets_its_own_id(db):
    client = Client()
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def test_an_api_response_echoes_its_request_id(alice_client):
    response = alice_client.get("/api/encounters/", HTTP_X_REQUEST_ID="abc-123")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "abc-123"


# ------------------------------------------------------------------------------------------ jobs


def test_a_run_job_task_binds_its_job_id_to_the_log_context(json_log):
    task = SimpleNamespace(
        name="soapify.core.tasks.run_job", request=SimpleNamespace(args=["job-1"], kwargs={})
    )
    structlog.contextvars.clear_contextvars()
    try:
        logs.bind_job_id(None, task=task)
        logging.getLogger("soapify.jobs").info("working")
    finally:
        structlog.contextvars.clear_contextvars()
    assert [x["job_id"] for x in json_log() if x["event"] == "working"] == ["job-1"]


def test_other_tasks_bind_no_job_id():
    task = SimpleNamespace(
        name="soapify.core.tasks.cleanup_expired", request=SimpleNamespace(args=["x"], kwargs={})
    )
    structlog.contextvars.clear_contextvars()
    logs.bind_job_id(None, task=task)
    assert "job_id" not in structlog.contextvars.get_contextvars()


# ------------------------------------------------------------------------------------- formats


def test_the_console_format_is_one_readable_line_with_the_context():
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(structured_formatter("console"))
    record = logging.LogRecord("soapify.x", logging.WARNING, __file__, 1, "hello %s", ("world",), None)
    structlog.contextvars.bind_contextvars(request_id="r-1")
    try:
        handler.emit(record)
    finally:
        structlog.contextvars.clear_contextvars()
    line = handler.stream.getvalue()
    assert "hello world" in line and "request_id=r-1" in line and "warning" in line


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError):
        structured_formatter("xml")
