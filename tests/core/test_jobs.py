from __future__ import annotations

import pytest
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from soapify.core.engines import EngineError
from soapify.core.idempotency import idempotent
from soapify.core.jobs import job_cancel, job_handler, job_retry, job_start
from soapify.core.models import Job
from soapify.core.serializers import job_ref
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

CALLS: list[int] = []
FAILURES: list[tuple[int, str, str]] = []


@job_handler(
    "test.flaky",
    max_attempts=3,
    on_failure=lambda job, code, message: FAILURES.append((job.attempts, code, message)),
)
def _flaky(job):
    CALLS.append(job.attempts)
    if job.attempts < job.params.get("fail_times", 0) + 1:
        raise EngineError("provider busy", transient=True, code="busy")
    return {"ok": True}


@job_handler("test.broken", max_attempts=3)
def _broken(job):
    raise EngineError("audio is not decodable", transient=False, code="undecodable_audio")


@job_handler("test.crash")
def _crash(job):
    raise RuntimeError("secret internals")


class StartView(APIView):
    @idempotent
    def post(self, request):
        job = job_start(kind="core.ping", owner=request.user, params={"echo": request.data.get("echo")})
        return Response(job_ref(job), status=201)


urlpatterns = [path("start/", StartView.as_view())]


def test_transient_errors_are_retried_until_success(alice, django_capture_on_commit_callbacks):
    CALLS.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.flaky", owner=alice, params={"fail_times": 2})
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 3 and job.result == {"ok": True}
    assert CALLS == [1, 2, 3]


def test_transient_errors_fail_after_max_attempts(alice, django_capture_on_commit_callbacks):
    FAILURES.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.flaky", owner=alice, params={"fail_times": 5})
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == 3 and job.error["code"] == "busy"
    assert FAILURES == [(3, "busy", "provider busy")]  # once, when the job gave up; not on retries


def test_on_failure_is_not_called_when_a_retry_succeeds(alice, django_capture_on_commit_callbacks):
    FAILURES.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.flaky", owner=alice, params={"fail_times": 1})
    job.refresh_from_db()
    assert job.status == "succeeded" and FAILURES == []


def test_permanent_errors_fail_at_once_with_the_reason(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.broken", owner=alice)
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == 1
    assert job.error == {"code": "undecodable_audio", "message": "audio is not decodable"}


def test_unexpected_errors_fail_without_internals(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.crash", owner=alice)
    job.refresh_from_db()
    assert job.status == "failed" and "secret" not in job.error["message"]


def test_job_detail_is_owner_only(alice, bob, admin_user, anon, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="core.ping", owner=alice, params={"echo": 1})
    url = f"/api/jobs/{job.id}/"
    r = client_for(alice).get(url)
    assert r.status_code == 200 and r.json()["status"] == "succeeded" and r.json()["result"]["echo"] == 1
    assert client_for(bob).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 404
    assert anon.get(url).status_code == 401
    assert client_for(alice).get("/api/jobs/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client_for(alice).get("/api/jobs/not-a-uuid/").status_code == 404


def test_cancel_and_retry(alice, django_capture_on_commit_callbacks):
    job = Job.objects.create(kind="core.ping", owner=alice)
    job = job_cancel(job=job)
    assert job.status == "cancelled"
    with django_capture_on_commit_callbacks(execute=True):
        job = job_retry(job=job)
    assert job.status == "queued"  # sent when the retry commits
    job.refresh_from_db()
    assert job.status == "succeeded"


@pytest.mark.urls("tests.core.test_jobs")
def test_idempotency_key_replays_the_first_response(alice, bob):
    c = client_for(alice)
    r1 = c.post("/start/", {"echo": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    r2 = c.post("/start/", {"echo": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["job_id"] == r2.json()["job_id"] and r2["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1
    # same key, different body
    r3 = c.post("/start/", {"echo": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert r3.status_code == 422 and r3.json()["error"]["code"] == "idempotency_key_reused"
    # keys are per user
    r4 = client_for(bob).post("/start/", {"echo": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert r4.status_code == 201 and r4.json()["job_id"] != r1.json()["job_id"]
    # no key: new work every time
    c.post("/start/", {"echo": "a"}, format="json")
    assert Job.objects.count() == 3


@pytest.mark.urls("tests.core.test_jobs")
def test_idempotency_keys_expire_after_24_hours(alice):
    from datetime import timedelta

    from django.utils import timezone

    from soapify.core.models import IdempotencyRecord

    c = client_for(alice)
    r1 = c.post("/start/", {"echo": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    r2 = c.post("/start/", {"echo": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert r1.json()["job_id"] != r2.json()["job_id"]


@pytest.mark.urls("tests.core.test_jobs")
def test_overlong_idempotency_key_is_400(alice):
    r = client_for(alice).post("/start/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert r.status_code == 400


class FormStartView(APIView):
    @idempotent
    def post(self, request):
        job = job_start(kind="core.ping", owner=request.user, params={"echo": request.data.get("echo")})
        return Response(job_ref(job), status=201)


urlpatterns.append(path("form-start/", FormStartView.as_view()))


@pytest.mark.urls("tests.core.test_jobs")
def test_idempotency_compares_form_bodies_too(alice):
    c = client_for(alice)
    r1 = c.post("/form-start/", {"echo": "12"}, HTTP_IDEMPOTENCY_KEY="f1")
    r2 = c.post("/form-start/", {"echo": "13"}, HTTP_IDEMPOTENCY_KEY="f1")
    assert r1.status_code == 201 and r2.status_code == 422


@job_handler("test.routed", queue="nlp")
def _routed(job):
    return {"queue": job.queue}


def _sends(monkeypatch) -> list[dict]:
    """The (queue, task id) of each message the job layer sends, recorded instead of sent."""
    from celery import current_app

    from soapify.core.jobs import RUN_JOB_TASK

    sent: list[dict] = []
    task = current_app.tasks[RUN_JOB_TASK]
    monkeypatch.setattr(task, "apply_async", lambda args, **kw: sent.append({"job": args[0], **kw}))
    return sent


def test_a_job_goes_to_its_handlers_queue_without_routing(
    alice, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.JOB_QUEUES = {}
    sent = _sends(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.routed", owner=alice)
    assert Job.objects.get(pk=job.pk).queue == "nlp"
    assert [(m["job"], m["queue"]) for m in sent] == [(str(job.pk), "nlp")]


def test_the_deployments_routing_sends_a_kind_to_another_queue(
    alice, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.JOB_QUEUES = {"test.routed": "background", "test.other": "elsewhere"}
    sent = _sends(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.routed", owner=alice)
        plain = job_start(kind="core.ping", owner=alice)  # not routed: its handler's queue
    assert Job.objects.get(pk=job.pk).queue == "background"
    assert Job.objects.get(pk=plain.pk).queue == "default"
    assert [(m["job"], m["queue"]) for m in sent] == [(str(job.pk), "background"), (str(plain.pk), "default")]
    # a retry is sent to the queue the job was routed to when it started
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        job_retry(job=Job.objects.get(pk=job.pk))
    assert (sent[-1]["job"], sent[-1]["queue"]) == (str(job.pk), "background")
