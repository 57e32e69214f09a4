"""A session window's tokens stop working the moment the window ends, before the periodic task
revokes its session: access 401, refresh 401, verify 401, status inactive; extending within the
absolute limit keeps them working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from soapify.accounts import tokens
from soapify.accounts.models import AuthSession
from soapify.integrations.models import SessionWindow
from tests.conftest import PASSWORD
from tests.integrations.otp_helpers import bearer, sign_in

pytestmark = pytest.mark.django_db

ME = "/api/users/me/"
STATUS = "/api/integrations/session/status/"
EXTEND = "/api/integrations/session/extend/"
REFRESH = "/api/auth/token/refresh/"
VERIFY = "/api/auth/token/verify/"


@pytest.fixture
def window(alice):
    alice.phone_number = "+989121234567"
    alice.save(update_fields=["phone_number"])
    return sign_in()


def _sid(window: dict) -> str:
    return str(AccessToken(window["access"])["sid"])


def _end_window(window: dict, ago: timedelta = timedelta(seconds=1)) -> None:
    """The window ended ``ago``; its session is not revoked (the periodic task has not run)."""
    end = timezone.now() - ago
    SessionWindow.objects.filter(session_id=_sid(window)).update(expires_at=end)
    AuthSession.objects.filter(sid=_sid(window)).update(expires_at=end)


def test_opening_a_window_sets_the_session_end(window):
    session = AuthSession.objects.get(sid=_sid(window))
    assert session.expires_at == parse_datetime(window["expires_at"])
    assert session.revoked_at is None


def test_a_password_login_has_no_end(alice):
    response = APIClient().post("/api/auth/token/", {"username": alice.username, "password": PASSWORD})
    sid = AccessToken(response.json()["access"])["sid"]
    assert AuthSession.objects.get(sid=sid).expires_at is None
    assert bearer(response.json()["access"]).get(ME).status_code == 200


def test_after_the_end_access_refresh_and_verify_are_refused_before_any_reaping(window):
    assert bearer(window["access"]).get(ME).status_code == 200
    _end_window(window)
    response = bearer(window["access"]).get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The session window has ended; sign in again."
    assert response.json()["error"]["code"] == "session_expired"
    refresh = APIClient().post(REFRESH, {"refresh": window["refresh"]}, format="json")
    assert refresh.status_code == 401
    assert "access" not in refresh.json()
    for raw in (window["access"], window["refresh"]):
        assert APIClient().post(VERIFY, {"token": raw}, format="json").status_code == 401
    assert tokens.session_is_active(_sid(window)) is False
    assert AuthSession.objects.get(sid=_sid(window)).revoked_at is None  # nobody reaped it


def test_status_after_the_end_is_inactive(window):
    _end_window(window)
    assert tokens.session_is_active(_sid(window)) is False
    # The window's own token is refused; status is read with the service as the reaper would.
    assert bearer(window["access"]).get(STATUS).status_code == 401
    from soapify.integrations.services_sessions import _describe

    described = _describe(
        SessionWindow.objects.select_related("session").get(session_id=_sid(window)), timezone.now()
    )
    assert described["active"] is False and described["remaining_seconds"] == 0


def test_extend_within_the_absolute_limit_moves_the_session_end_and_keeps_tokens_working(window):
    soon = timezone.now() + timedelta(minutes=2)
    SessionWindow.objects.filter(session_id=_sid(window)).update(expires_at=soon)
    AuthSession.objects.filter(sid=_sid(window)).update(expires_at=soon)
    response = bearer(window["access"]).post(EXTEND)
    assert response.status_code == 200, response.content
    new_end = parse_datetime(response.json()["expires_at"])
    assert new_end > soon + timedelta(minutes=20)
    assert AuthSession.objects.get(sid=_sid(window)).expires_at == new_end
    # The moment the old end passes, the extended login still works: access, refresh, status.
    SessionWindow.objects.filter(session_id=_sid(window)).update(
        started_at=timezone.now() - timedelta(hours=1)
    )
    assert bearer(response.json()["access"]).get(ME).status_code == 200
    refresh = APIClient().post(REFRESH, {"refresh": window["refresh"]}, format="json")
    assert refresh.status_code == 200, refresh.content
    assert bearer(refresh.json()["access"]).get(STATUS).json()["active"] is True


def test_extend_stops_at_the_absolute_limit_and_the_tokens_end_there(window):
    limit = timezone.now() + timedelta(minutes=3)
    SessionWindow.objects.filter(session_id=_sid(window)).update(
        expires_at=timezone.now() + timedelta(minutes=1), absolute_expires_at=limit
    )
    body = bearer(window["access"]).post(EXTEND).json()
    assert parse_datetime(body["expires_at"]) == limit
    assert AuthSession.objects.get(sid=_sid(window)).expires_at == limit
    _end_window(window, ago=timedelta(0))
    assert bearer(body["access"]).get(ME).status_code == 401


def test_logout_ends_the_session_at_once(window):
    assert APIClient().post("/api/integrations/logout/", {"refresh": window["refresh"]}).status_code == 200
    session = AuthSession.objects.get(sid=_sid(window))
    assert session.revoked_at is not None and session.expires_at <= timezone.now()


def test_authentication_is_still_one_query(window):
    client = bearer(window["access"])
    from soapify.accounts.authentication import SessionJWTAuthentication

    auth = SessionJWTAuthentication()
    token = auth.get_validated_token(window["access"].encode())
    with CaptureQueriesContext(connection) as queries:
        assert auth.get_user(token).pk is not None
    assert len(queries) == 1
    _end_window(window)
    with CaptureQueriesContext(connection) as queries, pytest.raises(Exception, match="window has ended"):
        auth.get_user(token)
    assert len(queries) == 1
    assert client.get(ME).status_code == 401
