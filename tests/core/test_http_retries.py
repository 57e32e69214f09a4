"""core.http.engine_session: the one in-request retry layer of the engines' HTTP calls (urllib3 Retry),
against a local HTTP server (pytest-httpserver)."""

from __future__ import annotations

import logging
import time
import types

import pytest
import requests

from soapify.core.http import engine_session, retry_after_seconds
from tests.httpfakes import slow, statuses


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The seconds urllib3's Retry sleeps between attempts, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(
        "urllib3.util.retry.time", types.SimpleNamespace(sleep=recorded.append, time=time.time)
    )
    return recorded


def test_rate_limits_and_server_errors_are_retried_honouring_a_short_retry_after(httpserver, waits):
    httpserver.expect_oneshot_request("/x", method="POST").respond_with_json({}, status=503)
    httpserver.expect_oneshot_request("/x", method="POST").respond_with_json(
        {}, status=429, headers={"Retry-After": "2"}
    )
    httpserver.expect_oneshot_request("/x", method="POST").respond_with_json({"ok": True})
    resp = engine_session(retries=3, max_wait=5).post(httpserver.url_for("/x"), json={}, timeout=5)
    assert resp.status_code == 200 and statuses(httpserver) == [503, 429, 200]
    assert waits == [2]  # the first retry follows at once; the second waits what Retry-After asked


def test_the_backoff_grows_and_is_capped(httpserver, waits):
    httpserver.expect_request("/x").respond_with_json({}, status=502)
    resp = engine_session(retries=4, backoff=1.0, max_wait=3).post(httpserver.url_for("/x"), timeout=5)
    assert resp.status_code == 502 and len(httpserver.log) == 5
    assert waits[0] >= 2 and all(w <= 3 for w in waits) and len(waits) == 3


def test_a_retry_after_longer_than_the_cap_is_not_waited_for_in_the_request(httpserver, waits):
    httpserver.expect_request("/x").respond_with_json({}, status=429, headers={"Retry-After": "120"})
    resp = engine_session(retries=3, max_wait=5).post(httpserver.url_for("/x"), timeout=5)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "120"
    assert len(httpserver.log) == 1 and waits == []


def test_when_the_retries_run_out_the_last_answer_is_returned(httpserver, waits):
    httpserver.expect_request("/x").respond_with_json({"error": "boom"}, status=500)
    resp = engine_session(retries=2).post(httpserver.url_for("/x"), timeout=5)
    assert resp.status_code == 500 and resp.json() == {"error": "boom"}
    assert len(httpserver.log) == 3


def test_a_session_for_a_job_does_not_retry_answers(httpserver):
    httpserver.expect_request("/x").respond_with_json({}, status=503)
    assert engine_session(retries=0).post(httpserver.url_for("/x"), timeout=5).status_code == 503
    assert len(httpserver.log) == 1


def test_other_answers_are_returned_at_once(httpserver, waits):
    httpserver.expect_request("/x").respond_with_json({}, status=400)
    assert engine_session(retries=3).post(httpserver.url_for("/x"), timeout=5).status_code == 400
    assert len(httpserver.log) == 1 and waits == []


def test_a_connection_failure_is_retried_then_raised(caplog, waits):
    with caplog.at_level(logging.WARNING, logger="urllib3"), pytest.raises(requests.ConnectionError):
        engine_session(connect_retries=2).post("http://127.0.0.1:9/x", timeout=5)
    assert len([r for r in caplog.records if r.getMessage().startswith("Retrying")]) == 2


def test_a_time_out_is_not_retried_in_the_request(httpserver, caplog):
    httpserver.expect_request("/x").respond_with_handler(slow(0.5))
    with caplog.at_level(logging.WARNING, logger="urllib3"), pytest.raises(requests.Timeout):
        engine_session(retries=3, connect_retries=3).post(httpserver.url_for("/x"), timeout=0.1)
    assert not [r for r in caplog.records if r.getMessage().startswith("Retrying")]


def test_a_url_requests_cannot_use_raises_before_anything_is_sent(waits):
    with pytest.raises(requests.exceptions.MissingSchema):
        engine_session(retries=3).post("no-scheme/x", timeout=5)
    assert waits == []


@pytest.mark.parametrize(
    ("header", "seconds"), [("120", 120), ("1.5", 1.5), ("soon", None), ("", None), (None, None)]
)
def test_retry_after_headers_are_read_as_seconds(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_a_retry_after_date_is_read_as_the_seconds_until_then():
    from email.utils import formatdate

    assert 50 <= retry_after_seconds(formatdate(time.time() + 60, usegmt=True)) <= 61
