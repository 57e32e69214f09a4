"""AdminPlus: health, audit log, tasks and their statistics, cancel and retry (eager jobs here;
cancelling a job a real worker is running is tests/adminplus/test_adminplus_cancel_workers.py)."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta

import pytest
from celery import current_app
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from soapify.core import health
from soapify.core.audit import audit_record
from soapify.core.jobs import job_run
from soapify.core.models import AuditLog, Job
from soapify.nlp.models import Draft

pytestmark = pytest.mark.django_db

TYPED = "Patient reports a headache for three days. Blood pressure 142/90. Plan: paracetamol 500 mg."


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def worker_alive():
    health.worker_heartbeat_beat("w1@host", ["default", "nlp", "stt"])


def make_job(owner, *, kind="core.ping", status=Job.Status.QUEUED, **fields) -> Job:
    return Job.objects.create(
        kind=kind, owner=owner, status=status, celery_task_id=str(uuid.uuid4()), **fields
    )


# ------------------------------------------------------------------------------------------- access


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/adminplus/api/health/"),
        ("get", "/adminplus/api/logs/"),
        ("get", "/adminplus/api/tasks/"),
        ("get", "/adminplus/api/tasks/stats/"),
        ("post", "/adminplus/api/tasks/cancel/"),
        ("post", "/adminplus/api/tasks/retry/"),
        ("post", "/adminplus/api/export/"),
    ],
)
def test_doctors_get_403_and_anonymous_callers_401(method, path, alice_client, anon):
    assert getattr(alice_client, method)(path, {}, format="json").status_code == 403
    response = getattr(anon, method)(path, {}, format="json")
    assert response.status_code == 401
    assert set(response.json()) == {"error"}


# ------------------------------------------------------------------------------------------- health


def test_health_is_ok_with_every_dependency_up_and_names_workers_and_queues(admin_client, worker_alive):
    response = admin_client.get("/adminplus/api/health/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "worker", "storage", "engines"}
    for check in body["checks"].values():
        assert check["status"] == "up" and check["latency_ms"] >= 0
    [worker] = body["checks"]["worker"]["workers"]
    assert worker["hostname"] == "w1@host" and worker["queues"] == ["default", "nlp", "stt"]
    assert worker["alive"] is True and worker["age_seconds"] >= 0
    queues = body["checks"]["broker"]["queues"]
    assert {"default", "stt", "nlp"} <= set(queues)
    assert all(set(q) == {"broker", "queued_jobs"} for q in queues.values())
    assert body["checks"]["engines"]["engines"]["STT_ENGINES"]
    assert response["Cache-Control"] == "no-store"


def test_health_is_degraded_not_down_when_no_worker_beats(admin_client):
    response = admin_client.get("/adminplus/api/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["status"] == "down"
    assert body["checks"]["worker"]["workers"] == []


def test_health_is_503_down_when_the_broker_is_unreachable(admin_client, worker_alive):
    conf = current_app.conf
    saved = conf.broker_url, conf.broker_write_url, conf.broker_read_url, conf.broker_transport_options
    conf.broker_url = conf.broker_write_url = conf.broker_read_url = f"redis://127.0.0.1:{closed_port()}/0"
    conf.broker_transport_options = {}
    try:
        response = admin_client.get("/adminplus/api/health/")
    finally:
        conf.broker_url, conf.broker_write_url, conf.broker_read_url, conf.broker_transport_options = saved
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["broker"]["status"] == "down" and body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["status"] == "up"


def test_health_names_an_engine_backend_that_does_not_import(admin_client, worker_alive, settings):
    settings.SMS_ENGINES = {"default": {"BACKEND": "soapify.nowhere.Engine", "OPTIONS": {}}}
    body = admin_client.get("/adminplus/api/health/").json()
    assert body["status"] == "degraded"
    assert body["checks"]["engines"]["status"] == "down"
    assert "SMS_ENGINES['default']" in body["checks"]["engines"]["error"]


def test_the_storage_check_fails_when_storage_cannot_be_written(
    admin_client, worker_alive, settings, tmp_path
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "outputs": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "sub")},
        },
    }
    response = admin_client.get("/adminplus/api/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["status"] == "down"


def test_readyz_keeps_its_own_checks(client, worker_alive):
    body = client.get("/readyz").json()
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}


# --------------------------------------------------------------------------------------------- logs


def test_the_log_lists_ids_and_actions_never_paths_or_extra(admin_client, alice, encounter):
    audit_record(
        action="read",
        object_type="encounter",
        object_id=encounter.pk,
        actor=alice,
        status_code=200,
        extra={"note": "Patient reports a headache"},
    )
    response = admin_client.get("/adminplus/api/logs/", {"object_type": "encounter"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    [row] = body["results"]
    assert row["actor"] == alice.pk and row["actor_username"] == "alice"
    assert row["action"] == "read" and row["object_id"] == str(encounter.pk) and row["outcome"] == "success"
    assert "extra" not in row and "path" not in row
    assert "headache" not in response.content.decode()


def test_the_log_filters_by_user_action_outcome_object_and_dates(admin_client, alice, bob):
    audit_record(action="read", object_type="encounter", object_id=1, actor=alice, status_code=200)
    audit_record(action="update", object_type="draft", object_id=2, actor=alice, status_code=409)
    audit_record(action="read", object_type="encounter", object_id=3, actor=bob, status_code=404)

    def ids(**query):
        response = admin_client.get("/adminplus/api/logs/", query)
        assert response.status_code == 200, response.json()
        return sorted(r["object_id"] for r in response.json()["results"] if r["object_type"] != "audit_log")

    assert ids(user=alice.pk) == ["1", "2"]
    assert ids(action="update") == ["2"]
    assert ids(outcome="denied") == ["3"]
    assert ids(outcome="rejected") == ["2"]
    assert ids(object_type="encounter") == ["1", "3"]
    today = timezone.localdate().isoformat()
    assert ids(date_from=today, date_to=today) == ["1", "2", "3"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert ids(date_from=tomorrow) == []


@pytest.mark.parametrize(
    "query",
    [
        {"user": "x"},
        {"user": "-1"},
        {"outcome": "maybe"},
        {"date_from": "2026-13-45"},
        {"date_from": "2026-12-06", "date_to": "2026-12-01"},
        {"action": "a" * 500},
        {"page": "0"},
        {"page_size": "lots"},
    ],
)
def test_bad_log_filters_are_a_400(admin_client, query):
    response = admin_client.get("/adminplus/api/logs/", query)
    assert response.status_code == 400, response.content
    assert "error" in response.json()


def test_reading_the_log_is_itself_audited(admin_client, admin_user):
    admin_client.get("/adminplus/api/logs/")
    row = AuditLog.objects.filter(object_type="audit_log").get()
    assert row.actor_id == admin_user.pk and row.action == "list" and row.outcome == "success"


def test_the_log_and_task_lists_take_a_constant_number_of_queries(admin_client, alice, bob):
    def queries(path):
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(path).status_code == 200
        return len(ctx)

    audit_record(action="read", object_type="encounter", object_id=1, actor=alice, status_code=200)
    make_job(alice)
    few_logs, few_jobs = queries("/adminplus/api/logs/"), queries("/adminplus/api/tasks/")
    for i in range(15):
        audit_record(action="read", object_type="encounter", object_id=i, actor=bob, status_code=200)
        make_job(bob if i % 2 else alice)
    assert queries("/adminplus/api/logs/") == few_logs
    assert queries("/adminplus/api/tasks/") == few_jobs


# -------------------------------------------------------------------------------------------- tasks


def test_tasks_are_listed_with_filters_and_without_params_or_results(admin_client, alice, bob):
    a = make_job(alice, kind="nlp.generate_draft", queue="nlp", params={"transcript": TYPED})
    b = make_job(bob, status=Job.Status.FAILED, error={"code": "x", "message": "boom"}, result={"t": TYPED})
    response = admin_client.get("/adminplus/api/tasks/")
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["results"]] == [str(b.pk), str(a.pk)]
    assert "headache" not in response.content.decode()
    assert "params" not in body["results"][0] and "result" not in body["results"][0]
    assert body["results"][0]["owner_username"] == "bob"
    assert body["results"][0]["status_url"] == f"/adminplus/api/tasks/{b.pk}/"

    def ids(**query):
        r = admin_client.get("/adminplus/api/tasks/", query)
        assert r.status_code == 200, r.json()
        return [row["id"] for row in r.json()["results"]]

    assert ids(status="failed") == [str(b.pk)]
    assert ids(kind="nlp.generate_draft") == [str(a.pk)]
    assert ids(queue="nlp") == [str(a.pk)]
    assert ids(owner=alice.pk) == [str(a.pk)]


@pytest.mark.parametrize("query", [{"status": "nonsense"}, {"owner": "me"}, {"date_to": "yesterday"}])
def test_bad_task_filters_are_a_400(admin_client, query):
    assert admin_client.get("/adminplus/api/tasks/", query).status_code == 400


def test_a_task_is_shown_by_id_and_an_unknown_one_is_404(admin_client, alice):
    job = make_job(alice)
    response = admin_client.get(f"/adminplus/api/tasks/{job.pk}/")
    assert response.status_code == 200 and response.json()["kind"] == "core.ping"
    assert admin_client.get(f"/adminplus/api/tasks/{uuid.uuid4()}/").status_code == 404


def test_stats_count_by_kind_and_status_with_duration_and_queue_wait_percentiles(admin_client, alice):
    now = timezone.now()
    for wait, run in [(1, 10), (2, 20), (3, 30), (4, 40)]:
        created = now - timedelta(minutes=30)
        job = make_job(alice, kind="stt.transcribe_chunk", status=Job.Status.SUCCEEDED, queue="stt")
        Job.objects.filter(pk=job.pk).update(
            created_at=created,
            started_at=created + timedelta(seconds=wait),
            finished_at=created + timedelta(seconds=wait + run),
        )
    make_job(alice, kind="stt.transcribe_chunk", status=Job.Status.FAILED, queue="stt")
    make_job(alice, kind="core.ping")
    old = make_job(alice, kind="core.ping")
    Job.objects.filter(pk=old.pk).update(created_at=now - timedelta(hours=30))

    response = admin_client.get("/adminplus/api/tasks/stats/", {"hours": 24})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total"] == 6 and body["by_status"] == {"succeeded": 4, "failed": 1, "queued": 1}
    stt = next(k for k in body["by_kind"] if k["kind"] == "stt.transcribe_chunk")
    assert stt["counts"] == {"succeeded": 4, "failed": 1} and stt["total"] == 5
    assert stt["duration_p50_seconds"] == pytest.approx(25.0)
    assert stt["duration_p95_seconds"] == pytest.approx(38.5)
    assert stt["queue_wait_p50_seconds"] == pytest.approx(2.5)
    assert stt["queue_wait_p95_seconds"] == pytest.approx(3.85)
    ping = next(k for k in body["by_kind"] if k["kind"] == "core.ping")
    assert ping["counts"] == {"queued": 1} and ping["duration_p50_seconds"] is None
    assert body["queues"]["default"]["queued_jobs"] == 2  # the old one is queued too, whatever the window
    assert body["queues"]["default"]["broker"] is not None
    assert admin_client.get("/adminplus/api/tasks/stats/", {"hours": 48}).json()["total"] == 7


@pytest.mark.parametrize("hours", ["0", "-3", "x", "100000"])
def test_a_bad_stats_window_is_a_400(admin_client, hours):
    assert admin_client.get("/adminplus/api/tasks/stats/", {"hours": hours}).status_code == 400


# ---------------------------------------------------------------------------------- cancel and retry


def test_a_cancelled_queued_job_never_starts(admin_client, alice):
    job = make_job(alice)
    response = admin_client.post("/adminplus/api/tasks/cancel/", {"task_id": str(job.pk)}, format="json")
    assert response.status_code == 201, response.json()
    status = admin_client.get(response.json()["status_url"]).json()
    assert status["status"] == "cancelled" and status["error"]["code"] == "cancelled"
    # its message arrives later: nothing runs
    assert job_run(str(job.pk), task_id=job.celery_task_id).status == "cancelled"
    job.refresh_from_db()
    assert job.status == "cancelled" and job.attempts == 0 and job.started_at is None
    row = AuditLog.objects.get(object_type="job", action="cancel")
    assert row.object_id == str(job.pk) and row.outcome == "success"


def test_a_job_can_be_named_by_its_celery_task_id(admin_client, alice):
    job = make_job(alice)
    response = admin_client.post(
        "/adminplus/api/tasks/cancel/", {"task_id": job.celery_task_id}, format="json"
    )
    assert response.status_code == 201
    job.refresh_from_db()
    assert job.status == "cancelled"


@pytest.mark.parametrize("status", ["succeeded", "failed", "cancelled"])
def test_cancelling_a_finished_job_is_a_409_and_changes_nothing(admin_client, alice, status):
    job = make_job(alice, status=status)
    response = admin_client.post("/adminplus/api/tasks/cancel/", {"task_id": str(job.pk)}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "job_finished"
    job.refresh_from_db()
    assert job.status == status


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"task_id": ""},
        {"task_id": 5 * "x" * 20},
        {"task_id": ["a"]},
        {"task_id": "a", "other": 1},
        [1, 2],
    ],
)
def test_bad_cancel_and_retry_bodies_are_a_400(admin_client, body):
    for action in ("cancel", "retry"):
        response = admin_client.post(f"/adminplus/api/tasks/{action}/", body, format="json")
        assert response.status_code == 400, (action, body, response.content)


def test_malformed_json_is_a_400(admin_client):
    response = admin_client.generic(
        "POST", "/adminplus/api/tasks/cancel/", b'{"task_id": ', content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("task_id", [str(uuid.uuid4()), "not-a-task"])
def test_an_unknown_task_is_a_404(admin_client, task_id):
    for action in ("cancel", "retry"):
        response = admin_client.post(f"/adminplus/api/tasks/{action}/", {"task_id": task_id}, format="json")
        assert response.status_code == 404, response.content


def test_a_failed_job_is_retried_as_a_new_attempt(admin_client, alice):
    job = make_job(
        alice, status=Job.Status.FAILED, attempts=1, max_attempts=1, error={"code": "x", "message": "m"}
    )
    old_message = job.celery_task_id
    response = admin_client.post("/adminplus/api/tasks/retry/", {"task_id": str(job.pk)}, format="json")
    assert response.status_code == 201, response.json()
    status = admin_client.get(response.json()["status_url"]).json()
    assert status["status"] == "succeeded" and status["attempts"] == 2 and status["error"] == {}
    assert status["celery_task_id"] != old_message
    assert AuditLog.objects.filter(object_type="job", action="retry", object_id=str(job.pk)).exists()


@pytest.mark.parametrize("status", ["queued", "running", "succeeded"])
def test_retrying_a_job_that_is_not_failed_or_cancelled_is_a_409(admin_client, alice, status):
    job = make_job(alice, status=status)
    response = admin_client.post("/adminplus/api/tasks/retry/", {"task_id": str(job.pk)}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "job_not_retryable"
    job.refresh_from_db()
    assert job.status == status


def test_a_draft_whose_engine_failed_succeeds_when_retried(admin_client, alice_client, encounter, settings):
    alice_client.post(f"/api/encounters/{encounter.pk}/transcript/", {"text": TYPED}, format="json")
    settings.NOTE_ENGINES = {"default": {"BACKEND": "tests.nlp.fakes.BrokenEngine"}}
    started = alice_client.post(f"/api/nlp/generate/{encounter.pk}/", format="json")
    assert started.status_code == 201, started.content
    job_id = started.json()["job_id"]
    job = alice_client.get(f"/api/jobs/{job_id}/").json()
    assert job["status"] == "failed" and job["error"]["code"] == "engine_broken"
    assert not Draft.objects.filter(encounter=encounter).exists()

    settings.NOTE_ENGINES = {"default": {"BACKEND": "soapify.nlp.engines.rules.RulesEngine"}}
    response = admin_client.post("/adminplus/api/tasks/retry/", {"task_id": job_id}, format="json")
    assert response.status_code == 201, response.json()
    job = alice_client.get(f"/api/jobs/{job_id}/").json()
    assert job["status"] == "succeeded" and job["attempts"] == 2, job
    assert Draft.objects.get(encounter=encounter).version == 1
    assert alice_client.get(f"/api/encounters/{encounter.pk}/").json()["status"] == "ready"
