"""JWT authentication that also honours logout: tokens of a revoked session are refused (401).

Every token carries its login's session id (``sid``). simplejwt checks the signature, expiry and
type; then one query loads the active user whose session is neither revoked nor past the end of
its window (``AuthSession.expires_at``, set by the integrations' session windows). Logout revokes
the session (``tokens.session_revoke``), so every token of that login stops working at once.
"""

from __future__ import annotations

import uuid

from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from soapify.accounts.models import User


class SessionJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]  # (simplejwt: a TypeVar)
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
            sid = uuid.UUID(str(validated_token["sid"]))
        except (KeyError, ValueError):
            raise InvalidToken("Token contained no recognizable user identification") from None
        # One query: the user with the session of the token if it is not revoked, and that
        # session's window end (annotate reuses the join of the filter: the same session row).
        user = (
            User.objects.filter(
                **{api_settings.USER_ID_FIELD: user_id},
                is_active=True,
                auth_sessions__sid=sid,
                auth_sessions__revoked_at__isnull=True,
            )
            .annotate(session_expires_at=F("auth_sessions__expires_at"))
            .first()
        )
        if user is None:
            raise AuthenticationFailed("Token is no longer valid.", code="token_revoked")
        expires_at = user.session_expires_at
        if expires_at is not None and expires_at <= timezone.now():
            raise SessionExpired()
        return user


class SessionExpired(AuthenticationFailed):
    """401: the session window of the token has ended (sign in again)."""

    default_detail = "The session window has ended; sign in again."
    default_code = "session_expired"
