"""core.http.post_with_retries: the one retry policy of the engines' HTTP calls, against a real
local HTTP server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from soapify.core.http import RetryPolicy, Unavailable, post_with_retries


@pytest.fixture
def server():
    answers: list[tuple[int, dict]] = []
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers = answers.pop(0) if answers else (200, {})
            seen.append(str(status))
            body = json.dumps({"status": status}).encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield answers, seen, f"http://127.0.0.1:{httpd.server_address[1]}/x"
    httpd.shutdown()


def _policy(waits, **kw):
    return RetryPolicy(sleep=waits.append, **({"max_retries": 3, "backoff": 0.5, "max_backoff": 5.0} | kw))


def test_429_and_5xx_are_retried_with_backoff_honouring_retry_after(server):
    answers, seen, url = server
    answers += [(503, {}), (429, {"Retry-After": "2"}), (429, {"Retry-After": "999"}), (200, {})]
    waits: list[float] = []
    resp = post_with_retries(requests.Session(), url, policy=_policy(waits), timeout=5, json={})
    assert resp.status_code == 200 and seen == ["503", "429", "429", "200"]
    assert 0.5 <= waits[0] <= 0.625  # the backoff, with at most 25 % jitter
    assert waits[1:] == [2.0, 5.0]  # Retry-After, capped by max_backoff


def test_other_answers_are_returned_at_once(server):
    answers, seen, url = server
    answers.append((422, {}))
    waits: list[float] = []
    assert post_with_retries(requests.Session(), url, policy=_policy(waits), timeout=5).status_code == 422
    assert waits == [] and seen == ["422"]


def test_when_the_attempts_run_out_the_last_failure_is_described(server):
    answers, _seen, url = server
    answers += [(500, {})] * 3
    with pytest.raises(Unavailable) as err:
        post_with_retries(requests.Session(), url, policy=_policy([], max_retries=2), timeout=5)
    assert (err.value.kind, err.value.status, err.value.attempts) == ("status", 500, 3)
    with pytest.raises(Unavailable) as err:
        post_with_retries(
            requests.Session(), "http://127.0.0.1:9/x", policy=_policy([], max_retries=1), timeout=5
        )
    assert err.value.kind == "connection" and err.value.attempts == 2


def test_a_url_requests_cannot_use_is_never_retried():
    waits: list[float] = []
    with pytest.raises(requests.exceptions.MissingSchema):
        post_with_retries(requests.Session(), "no-scheme/x", policy=_policy(waits), timeout=5)
    assert waits == []


def test_every_failed_attempt_is_reported(server):
    answers, _seen, url = server
    answers += [(503, {}), (502, {}), (201, {})]
    failed = []
    resp = post_with_retries(
        requests.Session(),
        url,
        policy=_policy([]),
        timeout=5,
        on_failed_attempt=lambda n, failure: failed.append((n, failure.status)),
    )
    assert resp.status_code == 201 and failed == [(1, 503), (2, 502)]
