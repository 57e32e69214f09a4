"""The real gunicorn (gunicorn.conf.py) serving the app: its access log, its error log and the app's
own log lines never show a share-link token or a signature, and carry the request id."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Xq3vK9m2LrT8yZpW4nB6cD1eF5gH7jJ0aS2dQwErTyU"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.mark.django_db(transaction=True)
def test_gunicorn_logs_carry_the_request_id_and_never_a_token(settings, tmp_path):
    port = free_port()
    access_log, output = tmp_path / "access.log", tmp_path / "output.log"
    env = {
        **os.environ,
        "SOAPIFY_DB_NAME": connection.settings_dict["NAME"],
        "SOAPIFY_DATA_DIR": str(settings.DATA_DIR),
        "GUNICORN_ACCESSLOG": str(access_log),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    if settings.DATABASE_URL:
        env["DATABASE_URL"] = settings.DATABASE_URL.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    args = [sys.executable, "-m", "gunicorn", "soapify.wsgi:application", "-c", "gunicorn.conf.py"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
    with output.open("wb") as out:
        server = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if get(port, "/healthz").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, output.read_text()[-3000:]
            time.sleep(0.2)
        response = get(
            port, f"/api/outputs/access/{TOKEN}/?token={TOKEN}&sig=s1gn&page=2", **{"X-Request-ID": "rq-7"}
        )
        assert response.status == 404 and response.getheader("X-Request-ID") == "rq-7"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    logged = access_log.read_text() + output.read_text()
    assert TOKEN not in logged and "s1gn" not in logged
    line = next(x for x in access_log.read_text().splitlines() if "rq-7" in x)
    record = json.loads(line)
    assert record["path"] == "/api/outputs/access/[redacted]/" and record["status"] == 404
    assert record["query"] == "token=[redacted]&sig=[redacted]&page=2"
    app_lines = [json.loads(x) for x in output.read_text().splitlines() if x.startswith("{")]
    finished = next(x for x in app_lines if x.get("event") == "request_finished" and x["code"] == 404)
    assert finished["request_id"] == "rq-7"
