"""Alert rules: evaluated every minute by beat and on demand; an alert opens on a breach, is
acknowledged (who, when) and resolves by itself when the condition clears."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from soapify.analytics import alert_metrics
from soapify.analytics.models import Alert, AlertRule
from soapify.analytics.services import alerts_evaluate
from soapify.analytics.tasks import evaluate_alerts
from soapify.core.models import Job

pytestmark = pytest.mark.django_db


def _job(owner, *, status=Job.Status.QUEUED, queue="default", age=timedelta(0), finished=False) -> Job:
    job = Job.objects.create(kind="core.ping", owner=owner, status=status, queue=queue)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        created_at=now - age, finished_at=now if finished else None, started_at=now if finished else None
    )
    return job


@pytest.fixture
def depth_rule(db) -> AlertRule:
    return AlertRule.objects.create(name="Backlog", metric="job_queue_depth", comparison="gt", threshold=0)


def _check(client):
    response = client.post("/api/analytics/alerts/check/")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_alert_opens_is_acknowledged_and_resolves_by_itself(admin_client, admin_user, alice, depth_rule):
    job = _job(alice)
    body = _check(admin_client)
    assert body["evaluated"] == 1 and len(body["opened"]) == 1
    alert_id = body["opened"][0]
    assert [a["id"] for a in body["active"]] == [alert_id]
    assert body["active"][0]["status"] == "open" and body["active"][0]["value"] == 1.0

    assert _check(admin_client)["opened"] == []  # still breached: the same alert, no second one
    assert Alert.objects.count() == 1

    ack = admin_client.post(f"/api/analytics/alerts/{alert_id}/acknowledge/")
    assert ack.status_code == 200, ack.content
    assert ack.json()["status"] == "acknowledged"
    assert ack.json()["acknowledged_by"] == {"id": admin_user.pk, "username": admin_user.username}
    assert ack.json()["acknowledged_at"]

    again = admin_client.post(f"/api/analytics/alerts/{alert_id}/acknowledge/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "alert_not_open"

    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    assert _check(admin_client)["resolved"] == [alert_id]
    alert = Alert.objects.get()
    assert alert.status == "resolved" and alert.resolved_at and alert.acknowledged_by == admin_user

    listed = admin_client.get("/api/analytics/alerts/").json()
    assert listed["count"] == 0  # active ones by default
    resolved = admin_client.get("/api/analytics/alerts/?status=resolved").json()
    assert [a["id"] for a in resolved["results"]] == [alert_id]

    _job(alice)
    reopened = _check(admin_client)["opened"]
    assert reopened and reopened != [alert_id]  # a new breach is a new alert


def test_beat_evaluates_the_rules_too(alice, depth_rule):
    _job(alice)
    assert len(evaluate_alerts()["opened"]) == 1
    assert Alert.objects.filter(status="open").count() == 1


def test_the_stt_queue_wait_rule_sees_jobs_still_waiting(alice):
    AlertRule.objects.create(
        name="STT wait", metric="stt_queue_wait_p95_seconds", threshold=60, window_minutes=15
    )
    _job(alice, queue="stt", age=timedelta(seconds=30))
    assert alerts_evaluate().opened == []
    _job(alice, queue="stt", age=timedelta(minutes=5))
    _job(alice, queue="stt", age=timedelta(minutes=6))
    assert len(alerts_evaluate().opened) == 1


def test_a_rule_is_not_judged_on_too_few_samples(alice):
    AlertRule.objects.create(name="Failures", metric="job_failure_rate_percent", threshold=5, window_minutes=60,
                             min_samples=3)  # fmt: skip
    _job(alice, status=Job.Status.FAILED, finished=True)
    assert alerts_evaluate().opened == []  # 100 % of one job: not enough to judge
    _job(alice, status=Job.Status.SUCCEEDED, finished=True)
    _job(alice, status=Job.Status.SUCCEEDED, finished=True)
    outcome = alerts_evaluate()
    assert len(outcome.opened) == 1
    assert Alert.objects.get().value == pytest.approx(33.33)


def test_inactive_rules_and_unknown_metrics(alice, admin_client):
    AlertRule.objects.create(name="Off", metric="job_queue_depth", threshold=0, is_active=False)
    AlertRule.objects.create(name="Typo", metric="no_such_metric", threshold=0)
    _job(alice)
    body = _check(admin_client)
    assert body["evaluated"] == 0 and body["opened"] == []
    assert body["errors"] == ["Typo: unknown metric 'no_such_metric'"]


def test_storage_errors_are_measured_by_a_probe(settings, tmp_path):
    now = timezone.now()
    assert alert_metrics.storage_errors(now, now).value == 0.0
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(blocker)}}}  # fmt: skip
    storages._storages = {}
    assert alert_metrics.storage_errors(now, now).value == 1.0


def test_every_metric_reads_without_data():
    now = timezone.now()
    for name in alert_metrics.METRICS:
        reading = alert_metrics.metric_read(name, window_minutes=5, now=now)
        assert reading.value is None or reading.value >= 0


def test_doctors_cannot_see_or_touch_alerts(alice_client, depth_rule, alice):
    _job(alice)
    alert = Alert.objects.create(rule=depth_rule, value=1)
    assert alice_client.get("/api/analytics/alerts/").status_code == 403
    assert alice_client.post("/api/analytics/alerts/check/").status_code == 403
    assert alice_client.post(f"/api/analytics/alerts/{alert.pk}/acknowledge/").status_code == 403
    alert.refresh_from_db()
    assert alert.status == "open" and Alert.objects.count() == 1


@pytest.mark.parametrize("alert_id", ["987654", "99999999999999999999"])
def test_unknown_alerts_are_404(admin_client, alert_id):
    response = admin_client.post(f"/api/analytics/alerts/{alert_id}/acknowledge/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "alert_not_found"


def test_bad_list_filters_and_bodies_are_400(admin_client, depth_rule):
    assert admin_client.get("/api/analytics/alerts/?status=bogus").status_code == 400
    assert admin_client.get("/api/analytics/alerts/?page=0").status_code == 400
    response = admin_client.post("/api/analytics/alerts/check/", {"force": True}, format="json")
    assert response.status_code == 400
    assert Alert.objects.count() == 0
