"""Issuing, refreshing, verifying and revoking tokens; every token carries its session id."""

from __future__ import annotations

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


def session_is_active(sid: str | None) -> bool:
    return (
        bool(sid)
        and AuthSession.objects.filter(sid=sid, revoked_at__isnull=True, user__is_active=True).exists()
    )


def token_verify(raw: str) -> None:
    """Raise ``InvalidToken`` unless ``raw`` is a valid, unrevoked access or refresh token."""
    try:
        token = UntypedToken(raw)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from None
    if token.get("token_type") == "refresh":
        try:
            RefreshToken(raw).check_blacklist()
        except TokenError as exc:
            raise InvalidToken(str(exc)) from None
    elif token.get("token_type") == "access":
        AccessToken(raw)
    if not session_is_active(token.get("sid")):
        raise InvalidToken("Token is no longer valid.")


@transaction.atomic
def session_revoke(*, raw_refresh: str) -> AuthSession:
    """Logout: blacklist the refresh token and revoke every token of its session."""
    try:
        refresh = RefreshToken(raw_refresh)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from None
    session = AuthSession.objects.select_for_update().filter(sid=refresh.get("sid")).first()
    if session is None or session.revoked_at is not None:
        raise InvalidToken("Token is no longer valid.")
    refresh.blacklist()
    session.revoked_at = timezone.now()
    session.save(update_fields=["revoked_at"])
    return session
