"""Access matrix of /api/webhooks/: every user manages only their own webhooks (admins included:
another user's webhook or delivery is a 404 to them too); anonymous callers get 401."""

from __future__ import annotations

from soapify.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.access import Case

PUBLIC_URL = "https://93.184.215.14/hooks/soapify"  # a public address literal (nothing is sent)
ANYONE = {"other": 200, "admin": 200}


def _hook(w) -> int:
    """One of alice's webhooks, whose URL is then moved to loopback behind the API's back: the
    deliveries the cases start are refused at delivery (``address_refused``), nothing is sent."""
    response = w.owner.post("/api/webhooks/", {"url": PUBLIC_URL, "events": ["draft.ready"]}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    WebhookEndpoint.objects.filter(pk=pk).update(url="http://127.0.0.1:9/not-sent")
    return pk


def _delivered(w) -> int:
    """A finished delivery of one of alice's webhooks."""
    return WebhookDelivery.objects.create(
        endpoint_id=_hook(w),
        event_id="msg_access_matrix",
        event_type="draft.ready",
        payload={"type": "draft.ready", "data": {}},
        status=WebhookDelivery.Status.SUCCEEDED,
        attempts=1,
    ).pk


CASES = {
    ("api/webhooks/", "GET"): Case(lambda w: "/api/webhooks/", 200, **ANYONE),
    ("api/webhooks/", "POST"): Case(
        lambda w: "/api/webhooks/",
        201,
        other=201,
        admin=201,
        body=lambda w: {"url": PUBLIC_URL, "events": ["draft.ready", "job.failed"]},
    ),
    ("api/webhooks/<int:pk>/", "GET"): Case(lambda w: f"/api/webhooks/{_hook(w)}/", 200),
    ("api/webhooks/<int:pk>/", "PATCH"): Case(
        lambda w: f"/api/webhooks/{_hook(w)}/", 200, body=lambda w: {"description": "EHR bridge"}
    ),
    ("api/webhooks/<int:pk>/", "DELETE"): Case(lambda w: f"/api/webhooks/{_hook(w)}/", 204),
    ("api/webhooks/<int:pk>/deliveries/", "GET"): Case(
        lambda w: f"/api/webhooks/{_hook(w)}/deliveries/", 200
    ),
    ("api/webhooks/<int:pk>/test/", "POST"): Case(lambda w: f"/api/webhooks/{_hook(w)}/test/", 201),
    ("api/webhooks/<int:pk>/rotate-secret/", "POST"): Case(
        lambda w: f"/api/webhooks/{_hook(w)}/rotate-secret/", 200
    ),
    ("api/webhooks/deliveries/<int:pk>/redeliver/", "POST"): Case(
        lambda w: f"/api/webhooks/deliveries/{_delivered(w)}/redeliver/", 202
    ),
}
