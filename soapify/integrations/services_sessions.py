"""Session windows: a login opened by a one-time code, limited by an idle and an absolute time.

The login is an ordinary ``accounts.AuthSession`` (kind ``otp``): its tokens carry its ``sid`` and
``accounts.authentication`` refuses them once the session is revoked, so ending a window is
revoking its session (logout, expiry) and takes effect on the next request in every process.
Tokens are issued to end with the window (the access token at ``expires_at`` at the latest, the
refresh token at ``absolute_expires_at``). The window's end is also kept on the session
(``AuthSession.expires_at``, moved with every extension), which authentication, refresh and verify
check: every token of the window stops working the moment it ends. The periodic
``session_windows_expire`` (every ``SESSION_WINDOW_REAP_SECONDS``), status and extend then record
the revocation.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken

from soapify.accounts import tokens
from soapify.accounts.models import AuthSession, User
from soapify.core.errors import ApiError, Conflict

from .models import OTPCode, SessionWindow

SESSION_KIND = "otp"


def _idle() -> timedelta:
    return timedelta(minutes=settings.SESSION_WINDOW_IDLE_MINUTES)


def _access_for(user: User, sid: object, until: datetime, now: datetime) -> AccessToken:
    access = AccessToken.for_user(user)
    access["sid"] = str(sid)
    access["role"] = user.role
    access.set_exp(from_time=now, lifetime=min(jwt_settings.ACCESS_TOKEN_LIFETIME, until - now))
    return access


def session_window_open(*, user: User, request=None) -> tuple[SessionWindow, dict[str, str]]:
    """A new login for ``user`` with its window; ``{access, refresh}`` end with the window."""
    now = timezone.now()
    absolute = now + timedelta(hours=settings.SESSION_WINDOW_MAX_HOURS)
    expires = min(now + _idle(), absolute)
    session, refresh = tokens.session_start(user=user, request=request, kind=SESSION_KIND, expires_at=expires)
    window = SessionWindow.objects.create(
        session=session, started_at=now, expires_at=expires, absolute_expires_at=absolute
    )
    refresh.set_exp(from_time=now, lifetime=absolute - now)
    access = refresh.access_token
    access.set_exp(from_time=now, lifetime=min(jwt_settings.ACCESS_TOKEN_LIFETIME, expires - now))
    return window, {"access": str(access), "refresh": str(refresh)}


def session_of(request) -> uuid.UUID | None:
    """The ``sid`` of the token the request was authenticated with (None: no token, e.g. Basic)."""
    token = getattr(request, "auth", None)
    getter = getattr(token, "get", None)
    sid = getter("sid") if callable(getter) else None
    try:
        return uuid.UUID(str(sid)) if sid else None
    except ValueError:
        return None


def _describe(window: SessionWindow | None, now: datetime) -> dict[str, Any]:
    if window is None:
        return {"active": False, "expires_at": None, "absolute_expires_at": None, "remaining_seconds": 0}
    remaining = max(0, int((window.expires_at - now).total_seconds()))
    active = remaining > 0 and window.session.revoked_at is None
    return {
        "active": active,
        "expires_at": window.expires_at,
        "absolute_expires_at": window.absolute_expires_at,
        "remaining_seconds": remaining if active else 0,
    }


def _revoke(session_id: uuid.UUID, now: datetime) -> None:
    AuthSession.objects.filter(sid=session_id, revoked_at__isnull=True).update(revoked_at=now)


def session_window_status(*, request) -> dict[str, Any]:
    """The caller's window; an expired one is revoked now (every token of it refused from now)."""
    now = timezone.now()
    sid = session_of(request)
    window = SessionWindow.objects.select_related("session").filter(session_id=sid).first() if sid else None
    if window is not None and window.expires_at <= now and window.session.revoked_at is None:
        _revoke(window.session_id, now)
        window.session.revoked_at = now
    return _describe(window, now)


def session_window_extend(*, request) -> dict[str, Any]:
    """Move the caller's window to ``now + idle``, never past its absolute end; the answer
    carries a new access token that ends with the new window. 409 without a window; 401
    ``session_expired`` when it has already ended (it is revoked then)."""
    now = timezone.now()
    sid = session_of(request)
    with transaction.atomic():
        window = (
            SessionWindow.objects.select_for_update().select_related("session").filter(session_id=sid).first()
            if sid
            else None
        )
        if window is None:
            raise Conflict(
                "This login has no session window (sign in with a one-time code).", code="no_session_window"
            )
        expired = window.expires_at <= now or window.session.revoked_at is not None
        if not expired:
            window.expires_at = max(window.expires_at, min(now + _idle(), window.absolute_expires_at))
            window.save(update_fields=["expires_at"])
            AuthSession.objects.filter(sid=window.session_id).update(expires_at=window.expires_at)
    if expired:
        _revoke(window.session_id, now)
        raise ApiError(
            "The session window has ended; sign in again.", code="session_expired", status_code=401
        )
    body = _describe(window, now)
    body["access"] = str(_access_for(request.user, window.session_id, window.expires_at, now))
    return body


def session_window_logout(*, raw_refresh: str) -> None:
    """End the window of ``raw_refresh`` and revoke every token of its login (like
    ``/api/auth/logout/``: the refresh token is blacklisted, the session revoked)."""
    session = tokens.session_revoke(raw_refresh=raw_refresh)
    now = timezone.now()
    SessionWindow.objects.filter(session=session, expires_at__gt=now).update(expires_at=now)
    AuthSession.objects.filter(sid=session.sid, expires_at__gt=now).update(expires_at=now)


def session_windows_expire() -> int:
    """Revoke the logins of expired windows; drop one-time codes a day past their end. Returns
    the number of logins revoked."""
    now = timezone.now()
    revoked = AuthSession.objects.filter(window__expires_at__lte=now, revoked_at__isnull=True).update(
        revoked_at=now
    )
    OTPCode.objects.filter(expires_at__lt=now - timedelta(days=1)).exclude(locked_until__gt=now).delete()
    return revoked
