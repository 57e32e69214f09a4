"""JWT authentication that also honours logout: tokens of a revoked session are refused (401).

Every token carries its login's session id (``sid``). simplejwt checks the signature, expiry and
type; then one query loads the active user whose session is not revoked. Logout revokes the
session (``tokens.session_revoke``), so every token of that login stops working at once.
"""

from __future__ import annotations

import uuid

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
        user = User.objects.filter(
            **{api_settings.USER_ID_FIELD: user_id},
            is_active=True,
            auth_sessions__sid=sid,
            auth_sessions__revoked_at__isnull=True,
        ).first()
        if user is None:
            raise AuthenticationFailed("Token is no longer valid.", code="token_revoked")
        return user
