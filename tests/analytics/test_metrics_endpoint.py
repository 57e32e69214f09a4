"""/metrics: the Prometheus text format, open to a bearer token or allowed networks only."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from soapify.analytics import timings
from soapify.analytics.models import Alert, AlertRule
from soapify.core.models import Job
from tests.analytics.conftest import needs_redis

pytestmark = pytest.mark.django_db

TOKEN = "a-long-random-scrape-token-for-tests"


def _families(response) -> dict:
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def test_closed_when_nothing_is_configured(anon, alice_client):
    for client in (anon, alice_client):
        response = client.get("/metrics")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"


def test_a_token_opens_it(anon, settings):
    settings.METRICS_TOKEN = TOKEN
    refused = anon.get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert anon.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 401
    assert anon.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    response = anon.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_allowed_networks_open_it(anon, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert anon.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "127.0.0.1/32"]
    assert anon.get("/metrics").status_code == 200


def test_a_forwarded_address_is_trusted_only_behind_configured_proxies(anon, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.1.2.0/24"]
    assert anon.get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 403
    settings.NUM_PROXIES = 1
    assert anon.get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 200


@needs_redis
def test_requests_jobs_queues_and_alerts_are_exposed(anon, settings, alice):
    settings.METRICS_TOKEN = TOKEN
    for ms in (4.0, 40.0, 40.0):
        timings.request_record(
            method="GET", route="/api/encounters/", status=200, ms=ms, now=time.time() - 200
        )
    timings.request_record(method="GET", route="/api/encounters/", status=503, ms=9.0, now=time.time() - 200)
    timings.rollups_flush()
    now = timezone.now()
    for status in ("succeeded", "succeeded", "failed"):
        job = Job.objects.create(kind="nlp.generate_draft", owner=alice, status=status, queue="nlp")
        Job.objects.filter(pk=job.pk).update(started_at=now - timedelta(seconds=8), finished_at=now)
    Job.objects.create(kind="stt.transcribe_chunk", owner=alice, status="queued", queue="stt",
                       heartbeat_at=now - timedelta(seconds=90))  # fmt: skip
    rule = AlertRule.objects.create(name="r", metric="job_queue_depth", threshold=0, severity="critical")
    Alert.objects.create(rule=rule, value=1)

    families = _families(anon.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))

    requests = {
        (s.labels["route"], s.labels["status_class"]): s.value
        for s in families["soapify_http_requests"].samples
        if s.name == "soapify_http_requests_total"
    }
    assert requests == {("/api/encounters/", "2xx"): 3.0, ("/api/encounters/", "5xx"): 1.0}
    buckets = {
        s.labels["le"]: s.value
        for s in families["soapify_http_request_duration_seconds"].samples
        if s.name.endswith("_bucket")
    }
    assert (
        buckets["0.005"] == 1.0
        and buckets["0.01"] == 2.0
        and buckets["0.05"] == 4.0
        and buckets["+Inf"] == 4.0
    )
    finished = {
        (s.labels["kind"], s.labels["status"]): s.value
        for s in families["soapify_jobs_finished"].samples
        if s.name == "soapify_jobs_finished_total"
    }
    assert finished == {("nlp.generate_draft", "failed"): 1.0, ("nlp.generate_draft", "succeeded"): 2.0}
    queued = {(s.labels["queue"], s.labels["status"]): s.value for s in families["soapify_jobs"].samples}
    assert queued == {("stt", "queued"): 1.0, ("stt", "running"): 0.0}
    (oldest,) = families["soapify_job_queue_oldest_seconds"].samples
    assert oldest.labels == {"queue": "stt"} and oldest.value >= 90
    recent = {s.labels["quantile"]: s.value for s in families["soapify_job_duration_recent_seconds"].samples}
    assert recent == {"0.5": pytest.approx(8.0), "0.95": pytest.approx(8.0)}
    alerts = {s.labels["severity"]: s.value for s in families["soapify_alerts_active"].samples}
    assert alerts == {"warning": 0.0, "critical": 1.0}


def test_openmetrics_is_served_when_asked(anon, settings):
    settings.METRICS_TOKEN = TOKEN
    response = anon.get(
        "/metrics",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
        HTTP_ACCEPT="application/openmetrics-text; version=1.0.0",
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.rstrip().endswith(b"# EOF")
