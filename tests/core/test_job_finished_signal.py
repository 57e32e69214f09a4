"""``soapify.core.signals.job_finished``: sent once when a job succeeds, fails for good or is
cancelled (never for an attempt that will be retried); a failing receiver never fails the job."""

from __future__ import annotations

import pytest

from soapify.core.engines import EngineError
from soapify.core.jobs import job_cancel, job_execute, job_handler, job_start
from soapify.core.models import Job
from soapify.core.signals import job_finished

pytestmark = pytest.mark.django_db


@job_handler("test.signal_ok", max_attempts=1)
def _ok(job):
    return {"ok": True}


@job_handler("test.signal_flaky", max_attempts=3)
def _flaky(job):
    if job.attempts < job.params.get("fail_times", 0) + 1:
        raise EngineError("provider busy", transient=True, code="busy")
    return {"ok": job.attempts}


@job_handler("test.signal_broken", max_attempts=3)
def _broken(job):
    raise EngineError("not decodable", transient=False, code="undecodable_audio")


@pytest.fixture
def received():
    events: list[tuple[str, str, str, str]] = []

    def receiver(sender, job, status, **kwargs):
        events.append((sender, str(job.pk), status, job.status))

    job_finished.connect(receiver, dispatch_uid="test-job-finished")
    yield events
    job_finished.disconnect(dispatch_uid="test-job-finished")


def _run(kind: str, alice, capture, **params) -> Job:
    with capture(execute=True):
        job = job_start(kind=kind, owner=alice, params=params)
    job.refresh_from_db()
    return job


def test_sent_once_when_a_job_succeeds(alice, received, django_capture_on_commit_callbacks):
    job = _run("test.signal_ok", alice, django_capture_on_commit_callbacks)
    assert job.status == "succeeded"
    assert received == [("test.signal_ok", str(job.pk), "succeeded", "succeeded")]


def test_sent_once_after_retries_and_not_for_the_attempts_that_were_retried(
    alice, received, django_capture_on_commit_callbacks
):
    job = _run("test.signal_flaky", alice, django_capture_on_commit_callbacks, fail_times=2)
    assert job.status == "succeeded" and job.attempts == 3
    assert received == [("test.signal_flaky", str(job.pk), "succeeded", "succeeded")]


def test_sent_once_when_a_job_fails_for_good(alice, received, django_capture_on_commit_callbacks):
    job = _run("test.signal_broken", alice, django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert received == [("test.signal_broken", str(job.pk), "failed", "failed")]


def test_sent_once_when_retries_run_out(alice, received, django_capture_on_commit_callbacks):
    job = _run("test.signal_flaky", alice, django_capture_on_commit_callbacks, fail_times=5)
    assert job.status == "failed" and job.attempts == 3
    assert received == [("test.signal_flaky", str(job.pk), "failed", "failed")]


def test_sent_once_when_a_job_is_cancelled(alice, received, django_capture_on_commit_callbacks):
    job = Job.objects.create(kind="test.signal_ok", owner=alice, celery_task_id="message-1")
    job_cancel(job=job)
    assert received == [("test.signal_ok", str(job.pk), "cancelled", "cancelled")]
    # its message arriving later finds the job cancelled: no run, no second signal
    with django_capture_on_commit_callbacks(execute=True):
        assert job_execute(str(job.pk), task_id="message-1").status == "cancelled"
    assert len(received) == 1


def test_not_sent_while_a_job_is_queued_or_held(alice, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # started, its message not yet run
        job = job_start(kind="test.signal_ok", owner=alice)
    assert job.status == "queued"
    assert received == []


def test_a_failing_receiver_does_not_fail_the_job(alice, received, django_capture_on_commit_callbacks):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    job_finished.connect(broken, dispatch_uid="test-broken-receiver")
    try:
        job = _run("test.signal_ok", alice, django_capture_on_commit_callbacks)
    finally:
        job_finished.disconnect(dispatch_uid="test-broken-receiver")
    assert job.status == "succeeded" and job.result == {"ok": True}
    assert [r[2] for r in received] == ["succeeded"]
