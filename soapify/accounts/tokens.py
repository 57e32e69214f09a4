"""Issuing, refreshing, verifying and revoking tokens; every token carries its session id.

(simplejwt annotates its token classes as built from a ``Token``; they take the encoded string.)
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, UntypedToken

from soapify.accounts.models import AuthSession, User
from soapify.core.audit import client_ip


def session_start(
    *, user: User, request=None, kind: str = "password", expires_at: datetime | None = None
) -> tuple[AuthSession, RefreshToken]:
    """A new login; ``expires_at`` ends it (every token refused from then on), None: no window."""
    session = AuthSession.objects.create(
        user=user, ip=client_ip(request) if request else None, kind=kind, expires_at=expires_at
    )
    refresh = RefreshToken.for_user(user)
    refresh["sid"] = str(session.sid)
    refresh["role"] = user.role
    return session, refresh


def tokens_for(refresh: RefreshToken) -> dict:
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def active_sessions() -> QuerySet[AuthSession]:
    """Sessions whose tokens are honoured now: not revoked, window (if any) not ended."""
    return AuthSession.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), revoked_at__isnull=True
    )


def session_is_active(sid: object) -> bool:
    try:
        session_id = uuid.UUID(str(sid))
    except ValueError:
        return False
    return active_sessions().filter(sid=session_id, user__is_active=True).exists()


def token_verify(raw: str) -> None:
    """Raise ``InvalidToken`` unless ``raw`` is a valid, unrevoked access or refresh token."""
    try:
        token = UntypedToken(raw)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidToken(str(exc)) from None
    if token.get("token_type") == "refresh":
        try:
            RefreshToken(raw).check_blacklist()  # type: ignore[arg-type]
        except TokenError as exc:
            raise InvalidToken(str(exc)) from None
    elif token.get("token_type") == "access":
        AccessToken(raw)  # type: ignore[arg-type]
    if not session_is_active(token.get("sid")):
        raise InvalidToken("Token is no longer valid.")


@transaction.atomic
def session_revoke(*, raw_refresh: str) -> AuthSession:
    """Logout: blacklist the refresh token and revoke every token of its session."""
    try:
        refresh = RefreshToken(raw_refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidToken(str(exc)) from None
    session = AuthSession.objects.select_for_update().filter(sid=refresh.get("sid")).first()
    if session is None or session.revoked_at is not None:
        raise InvalidToken("Token is no longer valid.")
    refresh.blacklist()
    session.revoked_at = timezone.now()
    session.save(update_fields=["revoked_at"])
    return session
