"""Changing a password needs the current one and ends the other logins; an administrator's reset of
someone else's password is a separate, audited action; PATCH never changes a password."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from soapify.accounts.models import AuthSession, User
from soapify.core.models import AuditLog
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "A-brand-new-Pass-42"
CHANGE = "/api/users/me/password/"


def sign_in(username: str = "alice", password: str = PASSWORD, ip: str = "198.51.100.7") -> dict:
    r = APIClient(REMOTE_ADDR=ip).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert r.status_code == 200, r.content
    return r.json()


def bearer(access: str, ip: str = "198.51.100.7") -> APIClient:
    c = APIClient(REMOTE_ADDR=ip)
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return c


def test_a_user_changes_its_password_with_the_current_one(alice):
    me = bearer(sign_in()["access"])
    r = me.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW}, format="json")
    assert r.status_code == 200 and set(r.json()) == {"access", "refresh"}
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert bearer(r.json()["access"]).get("/api/users/me/").json()["username"] == "alice"
    assert (
        APIClient()
        .post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
        .status_code
        == 401
    )


def test_a_password_change_ends_every_other_login_and_the_one_it_came_from(alice):
    other = sign_in()
    current = sign_in()
    r = bearer(current["access"]).post(
        CHANGE, {"current_password": PASSWORD, "new_password": NEW}, format="json"
    )
    assert r.status_code == 200
    assert bearer(other["access"]).get("/api/users/me/").status_code == 401
    assert bearer(current["access"]).get("/api/users/me/").status_code == 401  # replaced by the new pair
    refresh = APIClient().post("/api/auth/token/refresh/", {"refresh": other["refresh"]}, format="json")
    assert refresh.status_code == 401
    assert AuthSession.objects.filter(user=alice, revoked_at__isnull=True).count() == 1


def test_a_wrong_current_password_is_400_and_changes_nothing(alice):
    me = bearer(sign_in()["access"])
    r = me.post(CHANGE, {"current_password": "not-it", "new_password": NEW}, format="json")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_current_password"
    assert "current_password" in r.json()["error"]["fields"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert me.get("/api/users/me/").status_code == 200


def test_wrong_current_passwords_count_as_failed_sign_ins(alice):
    me = bearer(sign_in()["access"], ip="203.0.113.66")  # a stolen token, used from elsewhere
    codes = [
        me.post(CHANGE, {"current_password": f"guess-{i}", "new_password": NEW}, format="json").status_code
        for i in range(11)
    ]
    assert codes == [400] * 10 + [429]
    r = me.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW}, format="json")
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    login = APIClient(REMOTE_ADDR="203.0.113.66").post(
        "/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 429
    sign_in()  # the owner, at its own address, is not locked out


def test_a_new_password_is_checked_by_the_password_validators(alice):
    me = bearer(sign_in()["access"])
    for weak in ["123", "password", "12345678901", PASSWORD]:
        r = me.post(CHANGE, {"current_password": PASSWORD, "new_password": weak}, format="json")
        assert r.status_code == 400, weak
        assert "new_password" in r.json()["error"]["fields"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_password_change_needs_both_fields_and_a_login(alice, anon):
    me = bearer(sign_in()["access"])
    r = me.post(CHANGE, {"new_password": NEW}, format="json")
    assert r.status_code == 400 and "current_password" in r.json()["error"]["fields"]
    r = me.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW, "role": "admin"}, format="json")
    assert r.status_code == 400 and "role" in r.json()["error"]["fields"]
    assert (
        anon.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW}, format="json").status_code
        == 401
    )


def test_a_password_change_is_audited(alice):
    me = bearer(sign_in()["access"])
    me.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW}, format="json")
    row = AuditLog.objects.get(object_type="user", object_id=str(alice.pk))
    assert (row.actor_id, row.action, row.outcome) == (alice.pk, "update", "success")
    assert row.extra == {"change": "password", "sessions_ended": 1}
    assert NEW not in str(row.extra) and PASSWORD not in str(row.extra)


def test_patch_refuses_a_password_and_points_to_the_endpoints(alice, alice_client, admin_client):
    for client in (alice_client, admin_client):
        r = client.patch(f"/api/users/{alice.id}/", {"password": NEW}, format="json")
        assert r.status_code == 400
        assert "/api/users/me/password/" in r.json()["error"]["fields"]["password"][0]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_an_admin_sets_another_users_password_and_ends_its_logins(alice, admin_user):
    pair = sign_in()
    root = bearer(sign_in("root")["access"])
    r = root.post(f"/api/users/{alice.id}/set-password/", {"new_password": NEW}, format="json")
    assert r.status_code == 200 and r.json() == {"status": "password_set", "sessions_ended": 1}
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert bearer(pair["access"]).get("/api/users/me/").status_code == 401
    row = AuditLog.objects.get(object_type="user", object_id=str(alice.pk))
    assert (row.actor_id, row.extra["change"]) == (admin_user.pk, "password_reset")


def test_only_admins_set_passwords_and_not_their_own(alice, bob, admin_user, alice_client, admin_client):
    body = {"new_password": NEW}
    assert alice_client.post(f"/api/users/{bob.id}/set-password/", body, format="json").status_code == 404
    assert alice_client.post(f"/api/users/{alice.id}/set-password/", body, format="json").status_code == 403
    r = admin_client.post(f"/api/users/{admin_user.id}/set-password/", body, format="json")
    assert r.status_code == 400 and "/api/users/me/password/" in r.json()["error"]["message"]
    r = admin_client.post(f"/api/users/{alice.id}/set-password/", {"new_password": "123"}, format="json")
    assert r.status_code == 400 and "new_password" in r.json()["error"]["fields"]
    assert admin_client.post("/api/users/999999/set-password/", body, format="json").status_code == 404
    assert User.objects.get(pk=bob.pk).check_password(PASSWORD)
    assert not AuditLog.objects.filter(object_type="user").exists()
