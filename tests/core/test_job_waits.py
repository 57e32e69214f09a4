"""Jobs that wait for another (``Job.waits_for``): held while the job they wait for is unfinished,
sent when it succeeds, failed with ``prerequisite_failed`` when it fails or is cancelled; the reaper
and "reuse the active job" leave held jobs alone. (The draft → transcription and finalize → draft
waits through the API: tests/test_e2e_flow.py and tests/core/test_flow_waits.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from soapify.core.jobs import (
    job_cancel,
    job_execute,
    job_find_active,
    job_handler,
    job_is_held,
    job_release,
    job_start,
    jobs_reap,
)
from soapify.core.models import Job

pytestmark = pytest.mark.django_db

RAN: list[str] = []
FAILED: list[tuple[str, str]] = []


def _first_unfinished(job: Job) -> Job | None:
    """The test handler waits, in turn, for each job whose id is in ``params["after"]``."""
    ids = job.params.get("after") or []
    return Job.objects.filter(pk__in=ids).exclude(status__in=Job.FINISHED).order_by("created_at").first()


@job_handler(
    "test.waiter",
    max_attempts=1,
    prerequisite=_first_unfinished,
    on_failure=lambda job, code, message: FAILED.append((code, message)),
)
def _waiter(job):
    RAN.append(job.params.get("name", ""))
    return {"ran": True}


@job_handler("test.gate", max_attempts=1)
def _gate(job):
    if job.params.get("fail"):
        raise RuntimeError("the gate failed")
    return {"gate": "open"}


@pytest.fixture(autouse=True)
def _fresh():
    RAN.clear()
    FAILED.clear()


def _gate_job(alice, *, fail: bool = False) -> Job:
    """A queued prerequisite whose message is (as far as the test knows) in a broker."""
    return Job.objects.create(
        kind="test.gate", owner=alice, params={"fail": fail}, celery_task_id="gate-1", max_attempts=1
    )


def _ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


def test_a_job_is_held_while_the_job_it_waits_for_is_unfinished(alice, django_capture_on_commit_callbacks):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)]})
    job.refresh_from_db()
    assert job.status == "queued" and job.waits_for_id == gate.pk and job.attempts == 0
    assert job_is_held(job) and RAN == []


def test_a_held_job_runs_when_the_job_it_waits_for_succeeds(alice, django_capture_on_commit_callbacks):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)], "name": "w"})
    with django_capture_on_commit_callbacks(execute=True):
        assert job_execute(str(gate.pk)).status == "succeeded"
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result == {"ran": True} and RAN == ["w"]


def test_a_held_job_fails_with_prerequisite_failed_when_the_job_it_waits_for_fails(
    alice, django_capture_on_commit_callbacks
):
    gate = _gate_job(alice, fail=True)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)]})
    with django_capture_on_commit_callbacks(execute=True):
        assert job_execute(str(gate.pk)).status == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == 0 and job.finished_at is not None
    assert job.error["code"] == "prerequisite_failed"
    assert "test.gate" in job.error["message"] and "internal_error" in job.error["message"]
    assert RAN == [] and [code for code, _ in FAILED] == ["prerequisite_failed"]  # on_failure once


def test_a_held_job_fails_when_the_job_it_waits_for_is_cancelled(alice, django_capture_on_commit_callbacks):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)]})
    with django_capture_on_commit_callbacks(execute=True):
        job_cancel(job=gate)
    job.refresh_from_db()
    assert job.status == "failed" and job.error["code"] == "prerequisite_failed"
    assert "cancelled" in job.error["message"] and RAN == []


def test_a_failure_goes_down_the_whole_chain_of_waiting_jobs(alice, django_capture_on_commit_callbacks):
    gate = _gate_job(alice, fail=True)
    with django_capture_on_commit_callbacks(execute=True):
        middle = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)]})
        last = job_start(kind="test.waiter", owner=alice, params={"after": [str(middle.pk)]})
    assert last.waits_for_id == middle.pk
    with django_capture_on_commit_callbacks(execute=True):
        job_execute(str(gate.pk))
    middle.refresh_from_db()
    last.refresh_from_db()
    assert (middle.status, middle.error["code"]) == ("failed", "prerequisite_failed")
    assert (last.status, last.error["code"]) == ("failed", "prerequisite_failed")
    assert str(middle.id) in last.error["message"] and RAN == []


def test_a_chain_of_waiting_jobs_runs_in_order(alice, django_capture_on_commit_callbacks):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        first = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)], "name": "1"})
        second = job_start(kind="test.waiter", owner=alice, params={"after": [str(first.pk)], "name": "2"})
    with django_capture_on_commit_callbacks(execute=True):
        job_execute(str(gate.pk))
    assert RAN == ["1", "2"]
    assert {j.status for j in Job.objects.filter(pk__in=[first.pk, second.pk])} == {"succeeded"}


def test_a_released_job_waits_for_the_next_job_its_handler_names(alice, django_capture_on_commit_callbacks):
    one, two = _gate_job(alice), _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(one.pk), str(two.pk)]})
    assert job.waits_for_id == one.pk
    with django_capture_on_commit_callbacks(execute=True):
        job_execute(str(one.pk))
    job.refresh_from_db()
    assert job.status == "queued" and job.waits_for_id == two.pk and RAN == []
    with django_capture_on_commit_callbacks(execute=True):
        job_execute(str(two.pk))
    job.refresh_from_db()
    assert job.status == "succeeded" and RAN == [""]


def test_a_prerequisite_that_ends_before_the_waiting_job_commits_still_releases_it(
    alice, django_capture_on_commit_callbacks
):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)]})
        # the gate's worker finishes while the request that started ``job`` has not committed:
        # its job_finished receiver could not see the waiting row yet
        Job.objects.filter(pk=gate.pk).update(status="succeeded", finished_at=timezone.now())
        assert Job.objects.get(pk=job.pk).status == "queued"
    job.refresh_from_db()
    assert job.status == "succeeded" and RAN == [""]


def test_a_job_whose_prerequisite_already_ended_is_sent_at_once(alice, django_capture_on_commit_callbacks):
    gate = _gate_job(alice)
    Job.objects.filter(pk=gate.pk).update(status="succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)]})
    job.refresh_from_db()
    assert job.status == "succeeded" and job.waits_for_id is None


def test_a_release_happens_once_whoever_asks(alice, django_capture_on_commit_callbacks):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)]})
    Job.objects.filter(pk=gate.pk).update(status="succeeded")  # ended without telling anyone
    with django_capture_on_commit_callbacks(execute=True):
        assert job_release(str(job.pk)) == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        assert job_release(str(job.pk)) == "unchanged"
    assert RAN == [""]


def test_the_reaper_never_sends_a_held_job_however_old(alice, settings, django_capture_on_commit_callbacks):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)]})
    Job.objects.filter(pk=job.pk).update(heartbeat_at=_ago(settings.JOB_QUEUED_STALE_SECONDS * 10))
    Job.objects.filter(pk=gate.pk).update(heartbeat_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert jobs_reap() == {}
    job.refresh_from_db()
    assert job.status == "queued" and job.waits_for_id == gate.pk and sent == [] and RAN == []


def test_the_reaper_releases_a_held_job_whose_prerequisite_ended_unnoticed(
    alice, django_capture_on_commit_callbacks
):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)]})
    # the gate's worker was killed between recording the success and releasing the waiters
    Job.objects.filter(pk=gate.pk).update(status="succeeded", finished_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_reap() == {"sent": 1}
    job.refresh_from_db()
    assert job.status == "succeeded" and RAN == [""]


def test_reusing_the_active_job_hands_back_a_held_job_unchanged(
    alice, encounter, settings, django_capture_on_commit_callbacks
):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, target=encounter, params={"after": [str(gate.pk)]})
    Job.objects.filter(pk=job.pk).update(heartbeat_at=_ago(settings.JOB_QUEUED_STALE_SECONDS * 10))
    with django_capture_on_commit_callbacks(execute=True) as sent:
        found = job_find_active(kind="test.waiter", target=encounter)
    assert found is not None and found.pk == job.pk and found.waits_for_id == gate.pk and sent == []
    assert RAN == []


def test_cancelling_a_held_job_means_it_never_runs(alice, django_capture_on_commit_callbacks):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, params={"after": [str(gate.pk)]})
    with django_capture_on_commit_callbacks(execute=True):
        job_cancel(job=job)
        job_execute(str(gate.pk))
    job.refresh_from_db()
    assert job.status == "cancelled" and RAN == []


def test_a_released_job_is_sent_once_not_again_by_every_reaper_run(
    alice, encounter, django_capture_on_commit_callbacks
):
    gate = _gate_job(alice)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="test.waiter", owner=alice, target=encounter, params={"after": [str(gate.pk)]})
    Job.objects.filter(pk=gate.pk).update(status="succeeded")
    with django_capture_on_commit_callbacks(execute=False) as sent:  # sent; no worker has claimed it yet
        assert job_release(str(job.pk)) == "sent"
    assert len(sent) == 1
    with django_capture_on_commit_callbacks(execute=False) as again:
        assert jobs_reap() == {}
        found = job_find_active(kind="test.waiter", target=encounter)
    job.refresh_from_db()
    assert again == [] and found is not None and found.pk == job.pk
    assert job.status == "queued" and job.waits_for_id is None
