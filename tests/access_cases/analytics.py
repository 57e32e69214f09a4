"""Analytics routes and /metrics in the access matrix.

Doctors read their own figures (overview, users, business metrics) and record events; admins read
the clinic's, the service's performance and the alerts (403 for doctors). ``/metrics`` takes a
token or an allowed network, never a user's login: with neither configured (the tests) it is
closed to every caller alike.
"""

from __future__ import annotations

from soapify.analytics.models import Alert, AlertRule
from tests.access import Case


def _alert(w) -> int:
    rule, _ = AlertRule.objects.get_or_create(
        name="matrix rule", defaults={"metric": "job_queue_depth", "threshold": 0.0, "is_active": False}
    )
    alert = Alert.objects.filter(rule=rule, status__in=Alert.ACTIVE).first()
    return (alert or Alert.objects.create(rule=rule, value=1.0)).pk


ADMIN_ONLY = {"other": 403, "admin": 200}
CLOSED = {"other": 403, "admin": 403, "anon": 403}

CASES = {
    ("api/analytics/overview/", "GET"): Case(lambda w: "/api/analytics/overview/", 200, other=200, admin=200),
    ("api/analytics/performance/", "GET"): Case(lambda w: "/api/analytics/performance/", 403, **ADMIN_ONLY),
    # another doctor asking for alice's figures: 404 (never reveals who exists)
    ("api/analytics/users/", "GET"): Case(lambda w: f"/api/analytics/users/?user_id={w.alice.pk}", 200,
        other=404, admin=200),
    ("api/analytics/alerts/", "GET"): Case(lambda w: "/api/analytics/alerts/", 403, **ADMIN_ONLY),
    ("api/analytics/alerts/check/", "POST"): Case(lambda w: "/api/analytics/alerts/check/", 403, **ADMIN_ONLY),
    ("api/analytics/alerts/<int:alert_id>/acknowledge/", "POST"): Case(
        lambda w: f"/api/analytics/alerts/{_alert(w)}/acknowledge/", 403, **ADMIN_ONLY),
    ("api/analytics/metric/", "POST"): Case(lambda w: "/api/analytics/metric/", 201, other=201, admin=201,
        body=lambda w: {"name": "client.page_load_ms", "value": 120.5, "tags": {"page": "encounters"}}),
    ("api/analytics/activity/", "POST"): Case(lambda w: "/api/analytics/activity/", 201, other=201, admin=201,
        body=lambda w: {"action": "draft.viewed", "resource": "encounter", "resource_id": "1"}),
    ("api/analytics/business-metrics/", "POST"): Case(lambda w: "/api/analytics/business-metrics/", 200,
        other=200, admin=200, body=lambda w: {"date_from": "2026-01-01", "date_to": "2026-12-31"}),
    ("metrics", "GET"): Case(lambda w: "/metrics", 403, **CLOSED),
}  # fmt: skip
