"""Session windows opened by a one-time code: status, extension up to the absolute limit, expiry,
and logout revoking every token of the login at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from soapify.accounts.models import AuthSession
from soapify.integrations.models import SessionWindow
from soapify.integrations.tasks import session_windows_expire_task
from tests.conftest import PASSWORD
from tests.integrations.otp_helpers import bearer, sign_in

pytestmark = pytest.mark.django_db

STATUS = "/api/integrations/session/status/"
EXTEND = "/api/integrations/session/extend/"
LOGOUT = "/api/integrations/logout/"


@pytest.fixture
def window(alice):
    alice.phone_number = "+989121234567"
    alice.save(update_fields=["phone_number"])
    return sign_in()


def test_a_new_window_lasts_the_idle_limit_and_its_tokens_end_with_it(window):
    expires = parse_datetime(window["expires_at"])
    absolute = parse_datetime(window["absolute_expires_at"])
    now = timezone.now()
    assert timedelta(minutes=29) < expires - now <= timedelta(minutes=30)
    assert timedelta(hours=11, minutes=59) < absolute - now <= timedelta(hours=12)
    assert AccessToken(window["access"])["exp"] <= expires.timestamp() + 1
    assert abs(RefreshToken(window["refresh"])["exp"] - absolute.timestamp()) <= 1


def test_status_tells_the_window(window):
    body = bearer(window["access"]).get(STATUS).json()
    assert body["active"] is True and 1700 < body["remaining_seconds"] <= 1800
    assert body["expires_at"] == window["expires_at"]


def test_a_password_login_has_no_window(alice):
    tokens = APIClient().post(
        "/api/auth/token/", {"username": alice.username, "password": PASSWORD}, format="json"
    )
    client = bearer(tokens.json()["access"])
    assert client.get(STATUS).json() == {
        "active": False, "expires_at": None, "absolute_expires_at": None, "remaining_seconds": 0}  # fmt: skip
    extend = client.post(EXTEND)
    assert extend.status_code == 409 and extend.json()["error"]["code"] == "no_session_window"


def test_extend_moves_the_window_and_gives_a_working_access_token(window):
    SessionWindow.objects.update(expires_at=timezone.now() + timedelta(minutes=5))
    response = bearer(window["access"]).post(EXTEND, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert 1700 < body["remaining_seconds"] <= 1800
    assert parse_datetime(body["expires_at"]) > parse_datetime(window["expires_at"]) - timedelta(minutes=26)
    assert bearer(body["access"]).get("/api/users/me/").status_code == 200


def test_extend_never_passes_the_absolute_limit(window):
    limit = timezone.now() + timedelta(minutes=3)
    SessionWindow.objects.update(expires_at=timezone.now() + timedelta(minutes=1), absolute_expires_at=limit)
    body = bearer(window["access"]).post(EXTEND).json()
    assert parse_datetime(body["expires_at"]) == limit
    assert body["remaining_seconds"] <= 180
    assert AccessToken(body["access"])["exp"] <= limit.timestamp() + 1


def test_extend_refuses_unknown_fields(window):
    response = bearer(window["access"]).post(EXTEND, {"minutes": 999}, format="json")
    assert response.status_code == 400


def test_an_expired_window_is_over_and_its_tokens_stop_working(window):
    SessionWindow.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = bearer(window["access"])
    response = client.post(EXTEND)
    assert response.status_code == 401 and response.json()["error"]["code"] == "session_expired"
    assert client.get("/api/users/me/").status_code == 401
    refresh = APIClient().post("/api/auth/token/refresh/", {"refresh": window["refresh"]}, format="json")
    assert refresh.status_code == 401


def test_status_of_an_expired_window_revokes_it(window):
    SessionWindow.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = bearer(window["access"])
    assert client.get(STATUS).json()["active"] is False
    assert client.get(STATUS).status_code == 401


def test_the_periodic_task_revokes_expired_windows_only(alice, window):
    other = sign_in()
    SessionWindow.objects.filter(session_id=AccessToken(window["access"])["sid"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert session_windows_expire_task() == 1
    assert bearer(window["access"]).get("/api/users/me/").status_code == 401
    assert bearer(other["access"]).get("/api/users/me/").status_code == 200


def test_logout_revokes_every_token_of_the_window_at_once(window):
    other = sign_in()
    response = APIClient().post(LOGOUT, {"refresh": window["refresh"]}, format="json")
    assert response.status_code == 200 and response.json() == {"status": "logged_out"}
    assert bearer(window["access"]).get("/api/users/me/").status_code == 401
    again = APIClient().post("/api/auth/token/refresh/", {"refresh": window["refresh"]}, format="json")
    assert again.status_code == 401
    assert APIClient().post(LOGOUT, {"refresh": window["refresh"]}, format="json").status_code == 401
    assert bearer(other["access"]).get(STATUS).json()["active"] is True  # another login is untouched
    session = AuthSession.objects.get(sid=AccessToken(window["access"])["sid"])
    assert session.revoked_at is not None and session.window.expires_at <= timezone.now()


@pytest.mark.parametrize("body", [{}, {"refresh": "garbage"}, {"refresh": 5}, {"refresh": "x", "more": 1}])
def test_logout_with_a_bad_token_changes_nothing(window, body):
    response = APIClient().post(LOGOUT, body, format="json")
    assert response.status_code in (400, 401) and set(response.json()) == {"error"}
    assert not AuthSession.objects.filter(revoked_at__isnull=False).exists()


def test_status_and_extend_need_credentials():
    assert APIClient().get(STATUS).status_code == 401
    assert APIClient().post(EXTEND).status_code == 401
