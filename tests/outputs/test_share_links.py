"""Patient share links: token entropy, hash-only storage, expiry, revocation, view limits, identical
404s, HTML/JSON, headers, throttling, SMS, audit."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from soapify.core.models import AuditLog
from soapify.encounters.models import Encounter
from soapify.outputs import services
from soapify.outputs.models import FinalizedNote, ShareLink
from tests.conftest import clear_cache
from tests.outputs.conftest import edit_draft, finalize, make_draft

pytestmark = pytest.mark.django_db


def create_link(client, encounter_id, **body):
    return client.post("/api/outputs/link-patient/", {"encounter_id": encounter_id, **body}, format="json")


def access(client, token, accept="application/json"):
    return client.get(f"/api/outputs/access/{token}/", HTTP_ACCEPT=accept)


@pytest.fixture
def link(alice_client, encounter, finalized):
    response = create_link(alice_client, encounter.pk)
    assert response.status_code == 201, response.data
    return response.data


def test_a_link_is_a_long_random_token_returned_once_and_stored_as_a_hash(alice_client, encounter, link):
    token = link["link_id"]
    assert len(token) >= 43  # secrets.token_urlsafe(32): 256 bits
    assert urlparse(link["url"]).path == f"/api/outputs/access/{token}/"
    assert "HS-12345" not in link["url"]
    row = ShareLink.objects.get()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored_values = [str(getattr(row, f.attname)) for f in ShareLink._meta.concrete_fields]
    assert all(token not in v for v in stored_values)
    # Neither the list nor the audit log ever shows the token again.
    listed = alice_client.get(f"/api/outputs/links/?encounter_id={encounter.pk}")
    assert token not in str(listed.content)
    assert not any(token in (a.path + str(a.extra) + a.object_id) for a in AuditLog.objects.all())


def test_tokens_do_not_repeat(alice_client, encounter, finalized):
    tokens = {create_link(alice_client, encounter.pk).data["link_id"] for _ in range(20)}
    assert len(tokens) == 20


def test_the_default_lifetime_is_seven_days(link):
    row = ShareLink.objects.get()
    assert abs((row.expires_at - row.created_at) - timedelta(days=7)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "body,days",
    [({"expires_in": 3600}, 1 / 24), ({"expires_in_days": 30}, 30), ({"expires_in": 30 * 86400}, 30)],
)
def test_the_lifetime_can_be_chosen_up_to_thirty_days(alice_client, encounter, finalized, body, days):
    response = create_link(alice_client, encounter.pk, **body)
    assert response.status_code == 201
    row = ShareLink.objects.get()
    assert abs((row.expires_at - row.created_at) - timedelta(days=days)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "body",
    [
        {"expires_in": 30 * 86400 + 1},
        {"expires_in_days": 31},
        {"expires_in": 0},
        {"expires_in": "soon"},
        {"expires_in": 3600, "expires_in_days": 1},
        {"phone_number": "not a phone"},
        {"max_views": 0},
        {"unknown": 1},
    ],
)
def test_bad_link_requests_are_400_and_create_nothing(alice_client, encounter, finalized, body):
    response = create_link(alice_client, encounter.pk, **body)
    assert response.status_code == 400, response.data
    assert response.data["error"]["code"] == "validation_error"
    assert not ShareLink.objects.exists()


def test_a_link_needs_a_finalized_note(alice_client, encounter, draft):
    response = create_link(alice_client, encounter.pk)
    assert response.status_code == 409
    assert response.data["error"]["code"] == "not_finalized"


def test_the_patient_reads_the_note_as_json_without_logging_in(anon, link):
    response = access(anon, link["link_id"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    body = response.json()
    assert "Paracetamol" in str(body)
    assert ShareLink.objects.get().view_count == 1


def test_a_browser_gets_a_readable_html_page(anon, link):
    response = access(anon, link["link_id"], accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "<html" in html and "Paracetamol" in html


def test_a_persian_note_is_a_right_to_left_page(alice_client, alice, anon):
    encounter = Encounter.objects.create(doctor=alice, patient_ref="HS-9", language="fa")
    make_draft(encounter, language="fa")
    finalize(alice_client, encounter.pk)
    token = create_link(alice_client, encounter.pk).data["link_id"]
    html = access(anon, token, accept="text/html").content.decode()
    assert 'dir="rtl"' in html


def test_the_link_shows_the_latest_version_at_access_time(alice_client, anon, encounter, draft, link):
    edit_draft(draft, " Come back if the headache is sudden and severe.")
    finalize(alice_client, encounter.pk)
    assert FinalizedNote.objects.filter(encounter=encounter).count() == 2
    assert access(anon, link["link_id"]).status_code == 200
    row = AuditLog.objects.filter(object_type="share_link", action="access").latest("created_at")
    assert row.extra["note_version"] == 2


def _not_found(anon, token, accept="application/json"):
    response = access(anon, token, accept)
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    return response.content


def test_unknown_expired_revoked_and_used_up_links_give_the_same_404(
    alice_client, anon, encounter, finalized
):
    expired = create_link(alice_client, encounter.pk).data["link_id"]
    ShareLink.objects.filter(token_hash=hashlib.sha256(expired.encode()).hexdigest()).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked = create_link(alice_client, encounter.pk).data
    assert alice_client.post(f"/api/outputs/links/{revoked['id']}/revoke/").status_code == 200
    used = create_link(alice_client, encounter.pk, max_views=1).data["link_id"]
    assert access(anon, used).status_code == 200

    bodies = {
        "unknown": _not_found(anon, "x" * 43),
        "expired": _not_found(anon, expired),
        "revoked": _not_found(anon, revoked["link_id"]),
        "exhausted": _not_found(anon, used),
    }
    assert len(set(bodies.values())) == 1, bodies
    html = {_not_found(anon, t, "text/html") for t in ("x" * 43, expired, revoked["link_id"], used)}
    assert len(html) == 1
    reasons = list(
        AuditLog.objects.filter(object_type="share_link", action="access", outcome="denied").values_list(
            "extra__reason", flat=True
        )
    )
    assert {"unknown", "expired", "revoked", "exhausted"} <= set(reasons)


def test_a_view_limit_counts_views(anon, alice_client, encounter, finalized):
    token = create_link(alice_client, encounter.pk, max_views=2).data["link_id"]
    assert access(anon, token).status_code == 200
    assert access(anon, token).status_code == 200
    assert access(anon, token).status_code == 404
    assert ShareLink.objects.get().view_count == 2


def test_every_access_is_audited_with_its_outcome(anon, link):
    access(anon, link["link_id"])
    access(anon, "nope")
    rows = AuditLog.objects.filter(object_type="share_link", action="access").order_by("created_at")
    assert [(r.outcome, r.extra.get("reason")) for r in rows] == [("success", "ok"), ("denied", "unknown")]
    ok = rows[0]
    assert ok.object_id == link["id"] and ok.actor_id is None and ok.ip == "127.0.0.1"
    assert ok.extra["note_version"] == 1


def test_access_is_throttled_per_ip(anon, link, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "share_access": "3/min"}
    clear_cache()
    codes = [access(anon, link["link_id"]).status_code for _ in range(3)]
    codes.append(access(anon, "guess").status_code)
    throttled = access(anon, link["link_id"])
    other_ip = anon.get(f"/api/outputs/access/{link['link_id']}/", REMOTE_ADDR="10.0.0.9")
    assert codes == [200, 200, 200, 429]
    assert throttled.status_code == 429
    assert throttled["Cache-Control"] == "no-store"
    assert other_ip.status_code == 200
    assert AuditLog.objects.filter(object_type="share_link", extra__reason="throttled").count() == 2


def test_a_bad_authorization_header_does_not_block_the_public_page(anon, link):
    response = anon.get(f"/api/outputs/access/{link['link_id']}/", HTTP_AUTHORIZATION="Bearer broken")
    assert response.status_code == 200


def test_links_are_listed_without_tokens_and_revoked(alice_client, anon, encounter, link):
    listed = alice_client.get(f"/api/outputs/links/?encounter_id={encounter.pk}")
    assert listed.status_code == 200 and listed.data["count"] == 1
    row = listed.data["results"][0]
    assert row["id"] == link["id"] and row["status"] == "active" and "link_id" not in row
    revoked = alice_client.post(f"/api/outputs/links/{link['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.data["status"] == "revoked"
    again = alice_client.post(f"/api/outputs/links/{link['id']}/revoke/")
    assert again.status_code == 200 and again.data["revoked_at"] == revoked.data["revoked_at"]
    assert access(anon, link["link_id"]).status_code == 404
    assert alice_client.get("/api/outputs/links/").data["results"][0]["status"] == "revoked"


def test_links_list_rejects_a_bad_encounter_id(alice_client, bob, finalized):
    assert alice_client.get("/api/outputs/links/?encounter_id=abc").status_code == 400
    bobs = Encounter.objects.create(doctor=bob, patient_ref="B-1")
    assert alice_client.get(f"/api/outputs/links/?encounter_id={bobs.pk}").status_code == 404


def test_a_phone_number_gets_the_link_by_sms_and_is_stored_masked(alice_client, encounter, finalized):
    engine = services.sms_engines["default"]
    engine.sent.clear()
    response = create_link(alice_client, encounter.pk, phone_number="0912 123 4567")
    assert response.status_code == 201
    assert response.data["sms_status"] == "sent"
    assert response.data["phone_number"] == "+98912***4567"
    ((to, body, _),) = list(engine.sent)
    assert to == "+989121234567"
    assert response.data["url"] in body
    assert "HS-12345" not in body
    row = ShareLink.objects.get()
    assert row.phone_number_masked == "+98912***4567" and "1234567" not in row.phone_number_masked


def test_an_sms_failure_still_creates_the_link(alice_client, encounter, finalized, monkeypatch):
    from soapify.core.engines import EngineError

    class Broken:
        def send(self, to, body):
            raise EngineError("provider down", transient=True, code="sms_unavailable")

    monkeypatch.setattr(services, "sms_engines", {"default": Broken()})
    response = create_link(alice_client, encounter.pk, phone_number="+14155550100")
    assert response.status_code == 201
    assert response.data["sms_status"] == "failed"


def test_a_replayed_idempotency_key_does_not_create_a_second_link(alice_client, encounter, finalized):
    first = alice_client.post(
        "/api/outputs/link-patient/",
        {"encounter_id": encounter.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="L-1",
    )
    assert first.status_code == 201
    again = alice_client.post(
        "/api/outputs/link-patient/",
        {"encounter_id": encounter.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="L-1",
    )
    assert again.status_code == 409
    assert again.data["error"]["code"] == "link_already_created"
    assert again.data["error"]["id"] == first.data["id"]
    assert first.data["link_id"] not in str(again.content)
    other = alice_client.post(
        "/api/outputs/link-patient/",
        {"encounter_id": encounter.pk, "max_views": 3},
        format="json",
        HTTP_IDEMPOTENCY_KEY="L-1",
    )
    assert other.status_code == 422
    assert ShareLink.objects.count() == 1
