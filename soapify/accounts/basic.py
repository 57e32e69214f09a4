"""HTTP Basic, through the same path as the token login (``services.user_authenticate``): the same
limiter (a 429 once the client or the account is over its limit, counted together with the token
and admin logins) and the same checks (inactive users refused).

Off by default outside ``DEBUG`` and tests (settings ``HTTP_BASIC_AUTH``)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions


class BasicAuthentication(authentication.BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        # imported here: DRF imports this class while rest_framework.views (which they need) loads
        from soapify.accounts.services import user_authenticate
        from soapify.core.errors import ApiError

        if "\x00" in userid or "\x00" in password:  # no account has one; the database refuses it
            raise exceptions.AuthenticationFailed("Invalid username or password.")
        try:
            user = user_authenticate(request=request, username=userid, password=password)
        except ApiError:
            raise exceptions.AuthenticationFailed("Invalid username or password.") from None
        return user, None


class BasicScheme(OpenApiAuthenticationExtension):
    target_class = "soapify.accounts.basic.BasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}
