"""Issuing, refreshing, verifying and revoking tokens; every token carries its session id.

(simplejwt annotates its token classes as built from a ``Token``; they take the encoded string.)
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, UntypedToken

from soapify.accounts.models import AuthSession, User
from soapify.core.audit import client_ip


def session_start(*, user: User, request=None, kind: str = "password") -> tuple[AuthSession, RefreshToken]:
    session = AuthSession.objects.create(user=user, ip=client_ip(request) if request else None, kind=kind)
    refresh = RefreshToken.for_user(user)
    refresh["sid"] = str(session.sid)
    refresh["role"] = user.role
    return session, refresh


def tokens_for(refresh: RefreshToken) -> dict:
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def session_is_active(sid: object) -> bool:
    try:
        session_id = uuid.UUID(str(sid))
    except ValueError:
        return False
    return AuthSession.objects.filter(sid=session_id, revoked_at__isnull=True, user__is_active=True).exists()


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
