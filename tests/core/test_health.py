"""Liveness (/healthz), readiness (/readyz) and 503 instead of 500 when the database is down.

"Down" is real here: the database checks and requests run against a connection whose settings
point at a closed port on this machine (the shared embedded server is never stopped), and the
broker check against a closed Redis port.
"""

from __future__ import annotations

import socket
import time
from types import SimpleNamespace

import pytest
from celery import current_app
from django.core.cache import cache
from django.db import connections
from django.test import Client

from soapify.accounts.models import User
from soapify.core import health


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def worker_alive():
    health.worker_heartbeat_beat("test-worker@host", ["default", "nlp", "stt"])


@pytest.fixture
def database_down(django_db_blocker):
    """The default connection points at a port nobody listens on, for this test only."""
    conn = connections["default"]
    saved = dict(conn.settings_dict)
    with django_db_blocker.unblock():
        conn.close()
        conn.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        try:
            yield
        finally:
            conn.close()
            conn.settings_dict.clear()
            conn.settings_dict.update(saved)


@pytest.fixture
def broker_url():
    """Set the Celery app's broker URL (and transport options) for one test."""
    conf = current_app.conf
    saved = conf.broker_url, conf.broker_write_url, conf.broker_transport_options

    def use(url: str, options: dict | None = None) -> None:
        conf.broker_url = conf.broker_write_url = url
        conf.broker_transport_options = options or {}

    yield use
    conf.broker_url, conf.broker_write_url, conf.broker_transport_options = saved


# ------------------------------------------------------------------------------------- liveness


def test_liveness_answers_200_without_touching_any_dependency(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


# ------------------------------------------------------------------------------------ readiness


@pytest.mark.django_db
def test_readiness_is_200_when_database_cache_broker_and_a_worker_are_up(client, worker_alive):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "up"
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}
    assert all(c["status"] == "up" for c in body["checks"].values())
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_is_503_naming_the_worker_check_when_no_worker_beat(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["worker"]["status"] == "down"
    assert checks["worker"]["error"] == "no worker heartbeat in the last 60 s"
    assert {name for name, c in checks.items() if c["status"] == "down"} == {"worker"}


@pytest.mark.django_db
def test_a_heartbeat_older_than_the_allowed_age_does_not_count(client, settings):
    settings.READY_WORKER_MAX_AGE = 30
    health.worker_heartbeat_beat("old@host", ["default"], now=time.time() - 31)
    assert client.get("/readyz").json()["checks"]["worker"]["status"] == "down"
    health.worker_heartbeat_beat("new@host", ["default"], now=time.time() - 29)
    assert client.get("/readyz").json()["checks"]["worker"]["status"] == "up"


def test_readiness_is_503_naming_the_database_when_it_is_down(client, database_down, worker_alive):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["status"] == "down"
    assert body["checks"]["database"]["error"].startswith("OperationalError: ")
    assert body["checks"]["cache"]["status"] == "up"
    assert body["checks"]["worker"]["status"] == "up"


@pytest.mark.django_db
def test_readiness_is_503_naming_the_cache_when_it_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    body = client.get("/readyz").json()
    assert body["checks"]["cache"]["status"] == "down"
    assert body["checks"]["cache"]["error"].startswith("ConnectionError: ")
    assert body["checks"]["database"]["status"] == "up"


@pytest.mark.django_db
def test_readiness_is_503_naming_the_broker_when_redis_does_not_answer(client, worker_alive, broker_url):
    broker_url(f"redis://127.0.0.1:{closed_port()}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "down"


@pytest.mark.django_db
def test_a_redis_broker_that_answers_is_up(worker_alive, broker_url):
    if not redis_up():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    broker_url("redis://127.0.0.1:6379/6")
    assert health.run_checks(["broker"])["checks"]["broker"]["status"] == "up"


def test_the_filesystem_broker_is_down_when_its_folder_is_missing(broker_url, tmp_path):
    broker_url(
        "filesystem://",
        {"data_folder_in": str(tmp_path / "queue"), "processed_folder": str(tmp_path / "done")},
    )
    (tmp_path / "done").mkdir()
    result = health.run_check("broker")
    assert not result.up and result.error == "broker folder 'queue' is missing"
    (tmp_path / "queue").mkdir()
    assert health.run_check("broker").up


def test_run_checks_refuses_an_unknown_check_name():
    with pytest.raises(LookupError):
        health.run_checks(["database", "nope"])


def test_the_readiness_checks_can_be_chosen_in_settings(client, settings):
    settings.READY_CHECKS = ["cache"]
    response = client.get("/readyz")
    assert response.status_code == 200
    assert list(response.json()["checks"]) == ["cache"]


def test_a_worker_heartbeat_thread_beats_until_stopped_and_then_forgets_the_worker():
    beat = health.WorkerHeartbeat("thread@host", ["default"], interval=0.05)
    beat.start()
    deadline = time.monotonic() + 10
    while "thread@host" not in (cache.get(health.WORKER_HEARTBEAT_KEY) or {}) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert cache.get(health.WORKER_HEARTBEAT_KEY)["thread@host"]["queues"] == ["default"]
    beat.stop()
    assert "thread@host" not in cache.get(health.WORKER_HEARTBEAT_KEY)
    assert health.run_check("worker").up is False


def test_the_worker_ready_receiver_beats_with_the_workers_hostname_and_queues():
    consumer = SimpleNamespace(
        hostname="celery@box",
        task_consumer=SimpleNamespace(queues=[SimpleNamespace(name="stt"), SimpleNamespace(name="default")]),
    )
    health.worker_heartbeat_start(sender=consumer)
    try:
        deadline = time.monotonic() + 10
        while (
            "celery@box" not in (cache.get(health.WORKER_HEARTBEAT_KEY) or {}) and time.monotonic() < deadline
        ):
            time.sleep(0.02)
        assert cache.get(health.WORKER_HEARTBEAT_KEY)["celery@box"]["queues"] == ["default", "stt"]
    finally:
        health.worker_heartbeat_stop()
    assert "celery@box" not in cache.get(health.WORKER_HEARTBEAT_KEY)


# ---------------------------------------------------------------- the API when the database is down


def test_a_drf_view_answers_503_database_unavailable_with_retry_after(database_down):
    from rest_framework.test import APIClient

    api = APIClient(raise_request_exception=False)
    api.force_authenticate(User(pk=1, username="ghost", role="doctor"))
    response = api.get("/api/jobs/00000000-0000-0000-0000-000000000001/")
    assert response.status_code == 503
    assert response.json() == {
        "error": {"code": "database_unavailable", "message": "The database is unavailable; retry later."}
    }
    assert response["Retry-After"] == "5"


def test_an_audited_public_view_answers_503_not_500(client, database_down):
    response = client.get("/api/outputs/access/some-token/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response["Retry-After"] == "5"


def test_a_non_drf_page_answers_503_not_500(client, database_down):
    client.cookies["sessionid"] = "x" * 32  # the admin loads the session, i.e. hits the database
    response = client.get("/django-admin/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


def test_other_server_errors_are_still_500_in_the_one_error_shape(rf):
    from soapify.core.errors import server_error

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b'"internal_error"' in response.content


def test_the_root_says_what_the_service_is_and_where_to_go(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.json()
    assert body["docs"] == "/api/docs/" and body["health"] == {"live": "/healthz", "ready": "/readyz"}
