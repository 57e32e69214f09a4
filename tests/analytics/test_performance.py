"""performance/: request rate, error rates and latency percentiles per endpoint (from the rollups),
job durations per kind (from the job rows). Admins only."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from soapify.analytics import timings
from soapify.core.models import Job
from tests.analytics.conftest import needs_redis

pytestmark = pytest.mark.django_db


def _record(route: str, status: int, ms: float, n: int = 1, method: str = "GET") -> None:
    for _ in range(n):
        timings.request_record(method=method, route=route, status=status, ms=ms, now=time.time() - 200)


@needs_redis
def test_rates_errors_and_percentiles_per_endpoint(admin_client):
    _record("/api/encounters/", 200, 30.0, n=96)
    _record("/api/encounters/", 500, 3000.0, n=2)
    _record("/api/encounters/", 404, 7.0, n=2)
    _record("/api/nlp/generate/<int:encounter_id>/", 201, 80.0, n=10, method="POST")
    timings.rollups_flush()

    body = admin_client.get("/api/analytics/performance/?days=1").json()
    assert body["request_timings_recorded"] is True
    assert body["requests"]["total"] == 110
    listing, generate = body["endpoints"]
    assert (listing["method"], listing["route"], listing["requests"]) == ("GET", "/api/encounters/", 100)
    assert listing["error_rate_percent"] == 2.0
    assert listing["client_error_rate_percent"] == 2.0
    assert listing["requests_per_minute"] == round(100 / 1440, 4)
    assert 25 <= listing["p50_ms"] <= 50
    assert 25 <= listing["p95_ms"] <= 50
    assert 2500 <= listing["p99_ms"] <= 5000
    assert generate["route"] == "/api/nlp/generate/<int:encounter_id>/"
    assert 50 <= generate["p50_ms"] <= 100 and generate["error_rate_percent"] == 0.0


def test_job_durations_per_kind_come_from_the_job_rows(admin_client, alice):
    now = timezone.now()
    for i, (status, run) in enumerate(
        [("succeeded", 10), ("succeeded", 20), ("failed", 30), ("cancelled", None)]
    ):
        job = Job.objects.create(kind="stt.transcribe_chunk", owner=alice, status=status, queue="stt")
        created = now - timedelta(minutes=10)
        started = created + timedelta(seconds=2 * (i + 1)) if run is not None else None
        finished = (started + timedelta(seconds=run)) if started else now
        Job.objects.filter(pk=job.pk).update(created_at=created, started_at=started, finished_at=finished)
    Job.objects.create(kind="nlp.generate_draft", owner=alice, status="running")  # not finished: not counted

    jobs = admin_client.get("/api/analytics/performance/").json()["jobs"]
    assert [j["kind"] for j in jobs] == ["stt.transcribe_chunk"]
    stt = jobs[0]
    assert (stt["finished"], stt["succeeded"], stt["failed"], stt["cancelled"]) == (4, 2, 1, 1)
    assert stt["failure_rate_percent"] == pytest.approx(33.33)
    assert stt["duration_p50_seconds"] == 20.0
    assert stt["queue_wait_p50_seconds"] == 4.0
    assert 28 <= stt["duration_p99_seconds"] <= 30


def test_client_metrics_are_summarised(admin_client, alice_client):
    for value in (100, 300):
        alice_client.post("/api/analytics/metric/", {"name": "page_ms", "value": value}, format="json")
    summary = admin_client.get("/api/analytics/performance/").json()["client_metrics"]
    assert [(m["name"], m["count"], m["mean"], m["min"], m["max"]) for m in summary] == [
        ("page_ms", 2, 200.0, 100.0, 300.0)
    ]


def test_doctors_get_403(alice_client):
    response = alice_client.get("/api/analytics/performance/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("days", ["0", "400", "seven"])
def test_bad_days_are_400(admin_client, days):
    assert admin_client.get(f"/api/analytics/performance/?days={days}").status_code == 400
