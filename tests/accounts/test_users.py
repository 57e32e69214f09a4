from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_admin_lists_everyone_doctor_only_itself(alice, bob, admin_client, alice_client, anon):
    r = admin_client.get("/api/users/")
    assert r.status_code == 200 and r.json()["count"] == 3
    mine = alice_client.get("/api/users/").json()
    assert [u["username"] for u in mine["results"]] == ["alice"]
    assert anon.get("/api/users/").status_code == 401


def test_admin_creates_users_with_validated_password(admin_client):
    r = admin_client.post("/api/users/", {"username": "carol", "password": "123"}, format="json")
    assert r.status_code == 400 and "password" in r.json()["error"]["fields"]
    r = admin_client.post(
        "/api/users/",
        {
            "username": "carol",
            "password": "Another-Good-Pass-7",
            "role": "doctor",
            "phone_number": "09121234567",
        },
        format="json",
    )
    assert r.status_code == 201
    body = r.json()
    assert "password" not in body and body["phone_number"] == "+989121234567"


def test_doctor_cannot_create_users(alice_client):
    r = alice_client.post("/api/users/", {"username": "x", "password": "Another-Good-Pass-7"}, format="json")
    assert r.status_code == 403


def test_doctor_sees_itself_and_gets_404_for_others(alice, bob, alice_client):
    assert alice_client.get(f"/api/users/{alice.id}/").status_code == 200
    assert alice_client.get(f"/api/users/{bob.id}/").status_code == 404
    assert alice_client.patch(f"/api/users/{bob.id}/", {"first_name": "x"}, format="json").status_code == 404


def test_doctor_edits_itself_but_not_its_role(alice, alice_client):
    r = alice_client.patch(f"/api/users/{alice.id}/", {"first_name": "Alice"}, format="json")
    assert r.status_code == 200 and r.json()["first_name"] == "Alice"
    r = alice_client.patch(f"/api/users/{alice.id}/", {"role": "admin"}, format="json")
    assert r.status_code == 403
    alice.refresh_from_db()
    assert alice.role == "doctor"


def test_admin_changes_roles(alice, admin_client):
    r = admin_client.patch(f"/api/users/{alice.id}/", {"role": "admin"}, format="json")
    assert r.status_code == 200 and r.json()["role"] == "admin"


def test_bad_role_and_overlong_username_are_400(admin_client):
    r = admin_client.post(
        "/api/users/", {"username": "u", "password": "Another-Good-Pass-7", "role": "god"}, format="json"
    )
    assert r.status_code == 400 and "role" in r.json()["error"]["fields"]
    r = admin_client.post(
        "/api/users/", {"username": "u" * 500, "password": "Another-Good-Pass-7"}, format="json"
    )
    assert r.status_code == 400 and "username" in r.json()["error"]["fields"]


def test_unknown_field_on_create_is_400(admin_client):
    r = admin_client.post(
        "/api/users/",
        {"username": "u", "password": "Another-Good-Pass-7", "is_superuser": True},
        format="json",
    )
    assert r.status_code == 400 and "is_superuser" in r.json()["error"]["fields"]


def test_me(alice_client, anon):
    assert alice_client.get("/api/users/me/").json()["username"] == "alice"
    assert anon.get("/api/users/me/").status_code == 401


def test_delete_is_not_allowed(alice, admin_client):
    assert admin_client.delete(f"/api/users/{alice.id}/").status_code == 405
