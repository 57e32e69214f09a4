"""metric/ and activity/: validated, size-limited, recorded as the caller; bad input changes nothing."""

from __future__ import annotations

import pytest

from soapify.analytics.models import ActivityEvent, MetricEvent

pytestmark = pytest.mark.django_db


def test_a_metric_is_recorded_as_the_caller(alice_client, alice):
    response = alice_client.post(
        "/api/analytics/metric/",
        {"name": "client.upload_ms", "value": 812.5, "metric_type": "histogram", "tags": {"net": "4g"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["value"], body["metric_type"], body["tags"]) == (
        "client.upload_ms", 812.5, "histogram", {"net": "4g"})  # fmt: skip
    event = MetricEvent.objects.get()
    assert event.user == alice


def test_metric_type_defaults_to_gauge(alice_client):
    response = alice_client.post("/api/analytics/metric/", {"name": "queue_len", "value": 3}, format="json")
    assert response.json()["metric_type"] == "gauge"
    assert response.json()["tags"] == {}


@pytest.mark.parametrize(
    "payload",
    [
        {"value": 1},
        {"name": "x"},
        {"name": "", "value": 1},
        {"name": "has space", "value": 1},
        {"name": "1starts_with_digit", "value": 1},
        {"name": "x" * 101, "value": 1},
        {"name": "x", "value": "NaN"},
        {"name": "x", "value": "Infinity"},
        {"name": "x", "value": 1e16},
        {"name": "x", "value": "twelve"},
        {"name": "x", "value": True},
        {"name": "x", "value": 1, "metric_type": "summary"},
        {"name": "x", "value": 1, "tags": ["a"]},
        {"name": "x", "value": 1, "tags": {"k": {"nested": 1}}},
        {"name": "x", "value": 1, "tags": {"bad key": "v"}},
        {"name": "x", "value": 1, "tags": {f"k{i}": "v" for i in range(21)}},
        {"name": "x", "value": 1, "tags": {"k": "v" * 201}},
        {"name": "x", "value": 1, "user": 2},
    ],
)
def test_bad_metrics_are_a_400_and_store_nothing(alice_client, payload):
    response = alice_client.post("/api/analytics/metric/", payload, format="json")
    assert response.status_code == 400, (payload, response.content)
    assert set(response.json()) == {"error"}
    assert MetricEvent.objects.count() == 0


def test_an_activity_is_recorded_as_the_caller(alice_client, alice):
    payload = {"action": "draft.section_viewed", "resource": "encounter", "resource_id": 42,
               "metadata": {"section": "plan", "ms": 1200}}  # fmt: skip
    response = alice_client.post("/api/analytics/activity/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["resource_id"] == "42"
    event = ActivityEvent.objects.get()
    assert (event.user, event.action, event.metadata) == (alice, "draft.section_viewed", payload["metadata"])


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"resource": "encounter"},
        {"action": ""},
        {"action": "a" * 65},
        {"action": "drop table;"},
        {"action": "x", "resource": "not ok!"},
        {"action": "x", "resource_id": "9" * 65},
        {"action": "x", "metadata": ["a list"]},
        {"action": "x", "metadata": "text"},
        {"action": "x", "metadata": {"big": "x" * 5000}},
        {"action": "x", "metadata": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}},
        {"action": "x", "when": "now"},
    ],
)
def test_bad_activity_is_a_400_and_stores_nothing(alice_client, payload):
    response = alice_client.post("/api/analytics/activity/", payload, format="json")
    assert response.status_code == 400, (payload, response.content)
    assert ActivityEvent.objects.count() == 0


def test_a_body_that_is_not_an_object_is_a_400(alice_client):
    for path in ("/api/analytics/activity/", "/api/analytics/metric/"):
        response = alice_client.post(path, [1, 2], format="json")
        assert response.status_code == 400
    assert not ActivityEvent.objects.exists() and not MetricEvent.objects.exists()


def test_a_huge_body_is_a_413(alice_client, settings):
    body = '{"action": "x", "metadata": {"a": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}}'
    response = alice_client.generic("POST", "/api/analytics/activity/", body, content_type="application/json")
    assert response.status_code == 413
    assert not ActivityEvent.objects.exists()


def test_events_are_rate_limited_per_user(alice_client, bob_client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "analytics_events": "2/min"}
    for _ in range(2):
        assert (
            alice_client.post("/api/analytics/activity/", {"action": "x"}, format="json").status_code == 201
        )
    refused = alice_client.post("/api/analytics/metric/", {"name": "x", "value": 1}, format="json")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert bob_client.post("/api/analytics/activity/", {"action": "x"}, format="json").status_code == 201
    assert ActivityEvent.objects.count() == 3 and MetricEvent.objects.count() == 0


def test_anonymous_callers_record_nothing(anon):
    assert anon.post("/api/analytics/activity/", {"action": "x"}, format="json").status_code == 401
    assert not ActivityEvent.objects.exists()
