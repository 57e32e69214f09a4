"""Request timings: counted per minute in Redis by the middleware (route templates, never raw
paths), rolled up into the database once per complete minute, added up, never counted twice."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.test import RequestFactory

from soapify.analytics import timings
from soapify.analytics.middleware import RequestTimingMiddleware
from soapify.analytics.models import RequestRollup, RequestTotal
from soapify.analytics.tasks import rollup_requests
from tests.analytics.conftest import needs_redis

pytestmark = pytest.mark.django_db

LATER = 200  # seconds: every minute recorded before now is complete by then


def _flush() -> int:
    return timings.rollups_flush(now=time.time() + LATER)


@needs_redis
def test_requests_are_counted_by_route_template_never_by_raw_path(alice_client, encounter):
    assert alice_client.get(f"/api/encounters/{encounter.pk}/").status_code == 200
    assert alice_client.get(f"/api/encounters/{encounter.pk}/").status_code == 200
    assert alice_client.get("/api/encounters/987654/").status_code == 404
    assert _flush() >= 1
    rows = {
        (r.method, r.status_class): r.count
        for r in RequestRollup.objects.filter(route="/api/encounters/<int:encounter_id>/")
    }
    assert rows == {("GET", "2xx"): 2, ("GET", "4xx"): 1}
    routes = list(RequestRollup.objects.values_list("route", flat=True))
    assert not [r for r in routes if str(encounter.pk) in r or "987654" in r]
    total = RequestTotal.objects.get(route="/api/encounters/<int:encounter_id>/", status_class="2xx")
    assert total.count == 2 and sum(total.buckets) == 2 and total.total_ms > 0


@needs_redis
def test_unmatched_paths_share_one_key(anon):
    anon.get("/no/such/page/123")
    anon.get("/another/missing/path")
    _flush()
    assert set(RequestRollup.objects.values_list("route", flat=True)) == {timings.UNMATCHED}
    assert RequestRollup.objects.get().count == 2


@needs_redis
def test_a_minute_is_rolled_up_once_it_is_complete_and_only_once():
    start = (time.time() // 60) * 60
    timings.request_record(method="GET", route="/api/x/", status=200, ms=12.0, now=start + 1)
    assert timings.rollups_flush(now=start + 30) == 0  # the minute is still being written to
    assert RequestRollup.objects.count() == 0
    assert timings.rollups_flush(now=start + LATER) == 1
    assert timings.rollups_flush(now=start + LATER) == 0
    assert RequestRollup.objects.get().count == 1
    assert RequestTotal.objects.get().count == 1


@needs_redis
def test_late_figures_of_a_rolled_up_minute_are_added_to_it():
    start = (time.time() // 60) * 60
    timings.request_record(method="POST", route="/api/y/", status=201, ms=40.0, now=start + 1)
    timings.rollups_flush(now=start + LATER)
    timings.request_record(method="POST", route="/api/y/", status=201, ms=400.0, now=start + 2)
    timings.rollups_flush(now=start + LATER)
    row = RequestRollup.objects.get()
    assert row.count == 2
    assert row.total_ms == pytest.approx(440.0)
    assert row.buckets[timings.bucket_of(40.0)] == 1 and row.buckets[timings.bucket_of(400.0)] == 1
    assert RequestTotal.objects.get().count == 2


@needs_redis
def test_the_beat_task_rolls_minutes_up():
    timings.request_record(method="GET", route="/api/z/", status=500, ms=3.0, now=time.time() - LATER)
    assert rollup_requests() == 1
    assert RequestRollup.objects.get().status_class == "5xx"


def test_unknown_methods_and_odd_statuses_stay_in_a_few_keys():
    assert timings.status_class(99) == "1xx"
    assert timings.status_class(503) == "5xx"
    assert timings.status_class(999) == "5xx"


@needs_redis
def test_garbage_methods_are_one_key():
    timings.request_record(method="BREW", route="/api/z/", status=405, ms=1.0, now=time.time() - LATER)
    _flush()
    assert RequestRollup.objects.get().method == "OTHER"


def test_quantiles_are_interpolated_within_their_bucket():
    buckets = [0] * timings.N_BUCKETS
    buckets[timings.bucket_of(30.0)] = 100  # all within 25..50 ms
    assert timings.quantile_ms(buckets, 0.5) == pytest.approx(37.5)
    assert timings.quantile_ms(buckets, 0.99) == pytest.approx(49.75)
    assert timings.quantile_ms([0] * timings.N_BUCKETS, 0.5) is None
    slow = [0] * timings.N_BUCKETS
    slow[-1] = 3  # beyond the last bound: the last bound is all that is known
    assert timings.quantile_ms(slow, 0.5) == timings.BUCKETS_MS[-1]


def test_the_middleware_steps_aside_without_redis(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with pytest.raises(MiddlewareNotUsed):
        RequestTimingMiddleware(lambda request: None)
    assert timings.rollups_flush() == 0


def test_a_redis_that_does_not_answer_never_fails_a_request(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    answer = HttpResponse("ok")
    middleware = RequestTimingMiddleware(lambda request: answer)
    assert middleware(RequestFactory().get("/api/ping/")) is answer
    assert "request timings not recorded" in caplog.text


@needs_redis
def test_counts_wait_in_their_process_until_they_are_due(settings):
    settings.ANALYTICS_BUFFER_SECONDS = 3600
    for ms in (3.0, 30.0, 30.0):
        timings.request_record(method="GET", route="/api/w/", status=200, ms=ms, now=time.time() - LATER)
    assert _flush() == 0  # nothing reached Redis yet
    timings.buffer_flush()
    assert _flush() == 1
    row = RequestRollup.objects.get()
    assert row.count == 3 and row.total_ms == pytest.approx(63.0)
    assert row.buckets[timings.bucket_of(3.0)] == 1 and row.buckets[timings.bucket_of(30.0)] == 2


@needs_redis
def test_the_request_that_finds_the_counts_due_sends_them_all(settings):
    settings.ANALYTICS_BUFFER_SECONDS = 3600
    timings.request_record(method="GET", route="/api/w/", status=200, ms=5.0, now=time.time() - LATER)
    settings.ANALYTICS_BUFFER_SECONDS = 0
    timings.request_record(method="GET", route="/api/w/", status=500, ms=5.0, now=time.time() - LATER)
    _flush()
    assert dict(RequestRollup.objects.values_list("status_class", "count")) == {"2xx": 1, "5xx": 1}
