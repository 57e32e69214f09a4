from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from soapify.core.audit import client_ip


class AuthIPThrottle(SimpleRateThrottle):
    """Login and token attempts per client IP."""

    scope = "auth_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class AuthUsernameThrottle(SimpleRateThrottle):
    """Login and token attempts per username, whatever IP they come from."""

    scope = "auth_username"

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request, "data") else {}
        username = data.get("username") if isinstance(data, dict) else None
        if not isinstance(username, str) or not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": username.strip().lower()[:150]}
