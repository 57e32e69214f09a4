"""The webhooks API: a user's own endpoints, the secret shown once, clear 400s (SSRF included)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook

from soapify.webhooks.models import WebhookEndpoint
from tests.webhooks.conftest import ALL_EVENTS, create_webhook

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.215.14/hooks/soapify"  # a public address literal: no DNS, nothing is sent


def test_create_answers_the_secret_once(alice_client):
    body = create_webhook(alice_client, PUBLIC, ["draft.ready"], description="EHR bridge")
    assert body["secret"].startswith("whsec_")
    Webhook(body["secret"])  # a valid Standard Webhooks key
    assert body["events"] == ["draft.ready"] and body["is_active"] is True
    detail = alice_client.get(f"/api/webhooks/{body['id']}/").json()
    assert "secret" not in detail and detail["description"] == "EHR bridge"
    listed = alice_client.get("/api/webhooks/").json()
    assert listed["count"] == 1 and "secret" not in listed["results"][0]


def test_list_shows_only_the_callers_webhooks(alice_client, bob_client, admin_client):
    create_webhook(alice_client, PUBLIC)
    create_webhook(bob_client, PUBLIC)
    assert alice_client.get("/api/webhooks/").json()["count"] == 1
    assert admin_client.get("/api/webhooks/").json()["count"] == 0


def test_list_makes_a_constant_number_of_queries(alice_client):
    create_webhook(alice_client, PUBLIC)
    with CaptureQueriesContext(connection) as one:
        alice_client.get("/api/webhooks/")
    for _ in range(4):
        create_webhook(alice_client, PUBLIC)
    with CaptureQueriesContext(connection) as five:
        assert alice_client.get("/api/webhooks/").json()["count"] == 5
    assert len(five) == len(one)


def test_other_users_webhook_is_404_for_every_method(alice_client, bob_client, admin_client):
    pk = create_webhook(alice_client, PUBLIC)["id"]
    for client in (bob_client, admin_client):
        assert client.get(f"/api/webhooks/{pk}/").status_code == 404
        assert client.patch(f"/api/webhooks/{pk}/", {"description": "x"}, format="json").status_code == 404
        assert client.delete(f"/api/webhooks/{pk}/").status_code == 404
        assert client.post(f"/api/webhooks/{pk}/test/").status_code == 404
        assert client.post(f"/api/webhooks/{pk}/rotate-secret/").status_code == 404
        assert client.get(f"/api/webhooks/{pk}/deliveries/").status_code == 404
    assert WebhookEndpoint.objects.get(pk=pk).description == ""


def test_patch_changes_fields_and_delete_removes(alice_client):
    pk = create_webhook(alice_client, PUBLIC)["id"]
    response = alice_client.patch(
        f"/api/webhooks/{pk}/", {"events": ["job.failed"], "description": "only failures"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["events"] == ["job.failed"]
    assert alice_client.delete(f"/api/webhooks/{pk}/").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": PUBLIC, "events": ["draft.done"]}, "events"),
        ({"url": PUBLIC, "events": []}, "events"),
        ({"url": PUBLIC, "events": "draft.ready"}, "events"),
        ({"url": PUBLIC}, "events"),
        ({"url": 12, "events": ALL_EVENTS}, "url"),
        ({"url": "ftp://93.184.215.14/x", "events": ALL_EVENTS}, "url"),
        ({"url": "not a url", "events": ALL_EVENTS}, "url"),
        ({"url": "https://user:pw@93.184.215.14/x", "events": ALL_EVENTS}, "url"),
        ({"url": "https://93.184.215.14:99999/x", "events": ALL_EVENTS}, "url"),
        ({"url": "https://93.184.215.14/" + "x" * 3000, "events": ALL_EVENTS}, "url"),
        ({"url": PUBLIC, "events": ALL_EVENTS, "description": "d" * 501}, "description"),
        ({"url": PUBLIC, "events": ALL_EVENTS, "secret": "whsec_mine"}, "secret"),
    ],
)
def test_bad_input_is_a_400_and_creates_nothing(alice_client, body, field):
    response = alice_client.post("/api/webhooks/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"].get("fields", {}), response.content
    assert not WebhookEndpoint.objects.exists()


def test_malformed_json_and_non_objects_are_400(alice_client):
    for raw in (b"{", b"[]", b'"x"', b"null"):
        response = alice_client.generic("POST", "/api/webhooks/", raw, content_type="application/json")
        assert response.status_code == 400, raw
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.0.0.1:8000/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.0.1/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://localhost/hook",
        "http://localhost.:8000/hook",
        "http://2130706433/hook",  # 127.0.0.1 as one number
    ],
)
def test_private_loopback_and_link_local_urls_are_refused_when_saved(alice_client, url):
    response = alice_client.post("/api/webhooks/", {"url": url, "events": ALL_EVENTS}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("address_refused", "url_unresolvable")
    assert not WebhookEndpoint.objects.exists()


def test_an_unresolvable_host_is_refused(alice_client):
    response = alice_client.post(
        "/api/webhooks/", {"url": "https://no-such-host.invalid/hook", "events": ALL_EVENTS}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "url_unresolvable"


def test_patching_the_url_to_a_private_address_is_refused_and_keeps_the_old_one(alice_client):
    pk = create_webhook(alice_client, PUBLIC)["id"]
    response = alice_client.patch(f"/api/webhooks/{pk}/", {"url": "http://169.254.169.254/"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "address_refused"
    assert WebhookEndpoint.objects.get(pk=pk).url == PUBLIC


def test_https_is_required_when_configured(alice_client, settings):
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    response = alice_client.post(
        "/api/webhooks/", {"url": "http://93.184.215.14/hook", "events": ALL_EVENTS}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "url_invalid"


def test_a_user_has_at_most_the_configured_number_of_webhooks(alice_client, settings):
    settings.WEBHOOKS_MAX_PER_USER = 2
    create_webhook(alice_client, PUBLIC)
    create_webhook(alice_client, PUBLIC)
    response = alice_client.post("/api/webhooks/", {"url": PUBLIC, "events": ALL_EVENTS}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_webhooks"


def test_rotating_the_secret_answers_a_new_one_and_keeps_the_old_for_the_grace_period(alice_client):
    created = create_webhook(alice_client, PUBLIC)
    response = alice_client.post(
        f"/api/webhooks/{created['id']}/rotate-secret/", {"grace_seconds": 600}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["secret"] != created["secret"] and body["previous_secret_expires_at"]
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert endpoint.previous_secret == created["secret"]


def test_rotation_refuses_a_bad_grace_and_changes_nothing(alice_client):
    created = create_webhook(alice_client, PUBLIC)
    for grace in (-1, 10**9, "soon"):
        response = alice_client.post(
            f"/api/webhooks/{created['id']}/rotate-secret/", {"grace_seconds": grace}, format="json"
        )
        assert response.status_code == 400
    assert WebhookEndpoint.objects.get(pk=created["id"]).secret == created["secret"]


def test_unknown_ids_are_404(alice_client):
    assert alice_client.get("/api/webhooks/999999/").status_code == 404
    assert alice_client.post("/api/webhooks/deliveries/999999/redeliver/").status_code == 404
