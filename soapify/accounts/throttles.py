from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from soapify.accounts.limiter import client_of


class AuthRequestThrottle(SimpleRateThrottle):
    """Requests per client IP to the auth endpoints, whatever their outcome: a flood guard.

    Failed passwords are limited by ``accounts.limiter`` (per client, per account from a client,
    per account); refresh, verify and logout carry a signed token, which cannot be guessed, so
    this request rate is all they need."""

    scope = "auth_requests"

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_of(request)}
