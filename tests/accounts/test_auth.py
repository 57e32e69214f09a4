from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client: APIClient, username="alice", password=PASSWORD, path="/api/auth/token/"):
    return client.post(path, {"username": username, "password": password}, format="json")


def bearer(token: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return c


def test_token_pair_for_good_credentials(alice, anon):
    r = login(anon)
    assert r.status_code == 200
    assert set(r.json()) == {"access", "refresh"}
    assert bearer(r.json()["access"]).get("/api/users/me/").json()["username"] == "alice"


def test_login_returns_user_without_password(alice, anon):
    r = login(anon, path="/api/auth/login/")
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["username"] == "alice" and "password" not in body["user"]


def test_wrong_password_is_401_in_error_shape(alice, anon):
    r = login(anon, password="nope")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_credentials"


def test_unknown_fields_and_malformed_json_are_400(alice, anon):
    r = anon.post("/api/auth/token/", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_request"
    r = anon.post("/api/auth/token/", {"username": 5}, format="json")
    assert r.status_code == 400 and "password" in r.json()["error"]["fields"]


def test_refresh_rotates_and_blacklists_the_old_refresh(alice, anon):
    pair = login(anon).json()
    r = anon.post("/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert r.status_code == 200 and set(r.json()) == {"access", "refresh"}
    again = anon.post("/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert again.status_code == 401
    assert (
        anon.post("/api/auth/token/refresh/", {"refresh": r.json()["refresh"]}, format="json").status_code
        == 200
    )


def test_verify_accepts_valid_and_rejects_garbage(alice, anon):
    pair = login(anon).json()
    assert anon.post("/api/auth/token/verify/", {"token": pair["access"]}, format="json").json() == {}
    assert anon.post("/api/auth/token/verify/", {"token": "abc.def.ghi"}, format="json").status_code == 401


def test_logout_revokes_refresh_and_earlier_access_tokens(alice, anon):
    pair = login(anon).json()
    other_session = login(anon).json()
    assert bearer(pair["access"]).get("/api/users/me/").status_code == 200
    r = anon.post("/api/auth/logout/", {"refresh": pair["refresh"]}, format="json")
    assert r.status_code == 200
    assert bearer(pair["access"]).get("/api/users/me/").status_code == 401
    assert (
        anon.post("/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 401
    )
    assert anon.post("/api/auth/token/verify/", {"token": pair["access"]}, format="json").status_code == 401
    assert anon.post("/api/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code == 401
    # another login of the same user is a different session and keeps working
    assert bearer(other_session["access"]).get("/api/users/me/").status_code == 200


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_alg_none_token_is_401(alice, anon):
    pair = login(anon).json()
    claims = jwt.decode(pair["access"], options={"verify_signature": False})
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert bearer(forged).get("/api/users/me/").status_code == 401


def test_wrong_signature_is_401(alice, anon):
    pair = login(anon).json()
    claims = jwt.decode(pair["access"], options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-key-" * 5, algorithm="HS256")
    assert bearer(forged).get("/api/users/me/").status_code == 401


def test_expired_token_is_401(alice, anon):
    pair = login(anon).json()
    token = AccessToken(pair["access"])
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert bearer(str(token)).get("/api/users/me/").status_code == 401


def test_refresh_token_used_as_access_is_401(alice, anon):
    pair = login(anon).json()
    assert bearer(pair["refresh"]).get("/api/users/me/").status_code == 401
    claims = jwt.decode(pair["access"], options={"verify_signature": False})
    claims["token_type"] = "weird"
    forged = jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    assert bearer(forged).get("/api/users/me/").status_code == 401


def test_http_basic_is_accepted(alice):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode())
    assert c.get("/api/users/me/").status_code == 200


def test_tokens_expire_after_their_lifetime_claim(alice, anon):
    pair = login(anon).json()
    claims = jwt.decode(pair["access"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())
    assert claims["exp"] > time.time()


def test_deactivating_a_user_stops_its_tokens_at_once(alice, anon):
    access = login(anon).json()["access"]
    assert bearer(access).get("/api/users/me/").status_code == 200
    alice.is_active = False
    alice.save()
    assert bearer(access).get("/api/users/me/").status_code == 401


def test_a_role_change_is_seen_on_the_next_request(alice, anon, admin_client):
    access = login(anon).json()["access"]
    assert bearer(access).get("/api/users/me/").json()["role"] == "doctor"
    admin_client.patch(f"/api/users/{alice.id}/", {"role": "admin"}, format="json")
    assert bearer(access).get("/api/users/me/").json()["role"] == "admin"


def test_authentication_is_one_query_for_the_user_and_its_session(alice, anon, django_assert_num_queries):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from soapify.accounts.authentication import SessionJWTAuthentication

    access = login(anon).json()["access"]
    request = Request(APIRequestFactory().get("/api/users/me/", HTTP_AUTHORIZATION=f"Bearer {access}"))
    with django_assert_num_queries(1):
        user, token = SessionJWTAuthentication().authenticate(request)
    assert user == alice and token["sid"] and "password" not in token


def test_logout_revokes_tokens_refreshed_from_the_same_login_too(alice, anon):
    pair = login(anon).json()
    rotated = anon.post("/api/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").json()
    assert bearer(rotated["access"]).get("/api/users/me/").status_code == 200
    r = anon.post("/api/auth/logout/", {"refresh": rotated["refresh"]}, format="json")
    assert r.status_code == 200
    for access in (pair["access"], rotated["access"]):
        assert bearer(access).get("/api/users/me/").status_code == 401
    assert (
        anon.post("/api/auth/token/refresh/", {"refresh": rotated["refresh"]}, format="json").status_code
        == 401
    )


def test_a_revoked_session_is_refused_by_every_process_at_once(alice, anon):
    """Nothing is remembered between requests: a session revoked directly in the database (as by
    another process) is refused on the very next request."""
    from django.utils import timezone

    from soapify.accounts.models import AuthSession

    access = login(anon).json()["access"]
    assert bearer(access).get("/api/users/me/").status_code == 200
    AuthSession.objects.filter(sid=AccessToken(access)["sid"]).update(revoked_at=timezone.now())
    r = bearer(access).get("/api/users/me/")
    assert r.status_code == 401 and r.json()["error"]["code"] == "authentication_failed"


def test_a_validly_signed_token_without_a_session_is_401(alice):
    token = AccessToken.for_user(alice)  # signed with the right key, but no sid: not ours
    assert bearer(str(token)).get("/api/users/me/").status_code == 401
    token["sid"] = "not-a-uuid"
    assert bearer(str(token)).get("/api/users/me/").status_code == 401


def test_a_token_is_refused_once_it_expires(alice, anon, monkeypatch):
    import datetime

    access = login(anon).json()["access"]
    assert bearer(access).get("/api/users/me/").status_code == 200
    exp = jwt.decode(access, options={"verify_signature": False})["exp"]
    monkeypatch.setattr(
        "rest_framework_simplejwt.tokens.aware_utcnow",
        lambda: datetime.datetime.fromtimestamp(exp + 1, tz=datetime.UTC),
    )
    assert bearer(access).get("/api/users/me/").status_code == 401


@pytest.mark.parametrize("user_id", ["abc", "1.5", 1.5, None, [1], {"id": 1}, True, 10**30, -1, "", " 1 "])
def test_a_validly_signed_token_with_a_garbage_user_id_is_401(alice, anon, user_id):
    """The session query binds the claim as an integer: anything else is refused (401), never a 500."""
    token = AccessToken(login(anon).json()["access"])
    token["user_id"] = user_id
    r = bearer(str(token)).get("/api/users/me/")
    assert r.status_code == 401, r.content


def test_a_token_carrying_another_users_session_is_401(alice, bob, anon):
    """The session must belong to the token's user: alice's token with bob's live session id is refused."""
    alice_access = AccessToken(login(anon).json()["access"])
    bob_sid = AccessToken(login(APIClient(), username="bob").json()["access"])["sid"]
    alice_access["sid"] = bob_sid
    assert bearer(str(alice_access)).get("/api/users/me/").status_code == 401
