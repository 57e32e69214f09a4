"""JWT authentication that also honours logout: tokens of a revoked session are refused (401)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from soapify.accounts.models import User


class SessionJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
            sid = validated_token["sid"]
        except KeyError:
            raise InvalidToken(_("Token contained no recognizable user identification")) from None
        user = User.objects.filter(
            pk=user_id, is_active=True, auth_sessions__sid=sid, auth_sessions__revoked_at__isnull=True
        ).first()
        if user is None:
            raise AuthenticationFailed(_("Token is no longer valid."), code="token_revoked")
        return user
