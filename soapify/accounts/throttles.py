"""Request throttles: the auth endpoints' flood guard, and the rate-limit profiles every other API
view gets (``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``; docs/RATE-LIMITS.md).

``rest_framework.views`` imports this module while it defines ``APIView`` (its default
``throttle_classes``), so nothing here may import a module that needs ``APIView`` at import time:
``accounts.limiter`` (which imports ``core.audit``) is imported on first use, by :func:`_limiter`.
"""

from __future__ import annotations

import math
from functools import cache as once
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:
    from soapify.accounts.limiter import Rate


@once
def _limiter() -> ModuleType:
    from soapify.accounts import limiter  # noqa: PLC0415 - not at import time: see the module's docstring

    return limiter


def client_of(request) -> str:
    return _limiter().client_of(request)


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


# --- Rate-limit profiles ----------------------------------------------------------------------------

#: the scopes a profile gives a rate to
SCOPES = ("read", "write", "upload", "heavy")
#: methods that read (everything else writes)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: the scope of views that do not declare ``throttle_scope`` themselves, by URL name: the POSTs that
#: start jobs (heavy) and the audio uploads of the presigned-URL path (upload)
SCOPE_BY_URL_NAME = {
    "stt-transcribe": "heavy",
    "stt-process": "heavy",
    "nlp-generate": "heavy",
    "evaluation-evaluate-encounter": "heavy",
    "outputs-finalize": "heavy",
    "search-reindex": "heavy",
    "webhook-test": "heavy",  # each sends a delivery (a job)
    "webhook-redeliver": "heavy",
    "adminplus-export": "heavy",
    "adminplus-task-retry": "heavy",
    "audio-presigned-url": "upload",
    "audio-commit": "upload",
}
#: the cache keys' prefix (one counter per caller, scope and window)
KEY_PREFIX = "ratelimit"


@lru_cache(maxsize=256)
def _rate(text: str) -> Rate | None:
    """A rate of ``settings.RATE_LIMIT_PROFILES`` ("600/min", "10/15m"); "off", "none" or empty: no
    limit."""
    if text.strip().lower() in ("", "off", "none"):
        return None
    try:
        return _limiter().parse_rate(text)
    except ValueError as exc:
        raise ImproperlyConfigured(f"RATE_LIMIT_PROFILES: {exc}") from None


def profile_of(user) -> str:
    """The user's rate-limit profile: the one an admin set (``User.rate_profile``), else ``admin``
    for administrators and ``default`` for everyone else (and anonymous callers); a profile the
    settings no longer name is ``default``."""
    name = getattr(user, "rate_profile", "") or ("admin" if getattr(user, "is_admin", False) else "default")
    return name if name in settings.RATE_LIMIT_PROFILES else "default"


def scope_of(request, view) -> str:
    """``read`` for GET/HEAD/OPTIONS; otherwise the view's ``throttle_scope`` (a class attribute, or
    an ``@action`` keyword), else its URL name's entry in :data:`SCOPE_BY_URL_NAME`, else ``write``."""
    if request.method in _READ_METHODS:
        return "read"
    declared = getattr(view, "throttle_scope", None)
    if declared in SCOPES:
        return declared
    match = getattr(request, "resolver_match", None)
    return SCOPE_BY_URL_NAME.get(getattr(match, "url_name", None) or "", "write")


def rate_for(profile: str, scope: str) -> Rate | None:
    profiles = settings.RATE_LIMIT_PROFILES
    rates = profiles.get(profile) or {}
    text = rates[scope] if scope in rates else (profiles.get("default") or {}).get(scope, "")
    return _rate(text)


#: INCR, and the expiry when it creates the counter, in one atomic step (the rate-limiter pattern of
#: Redis' INCR documentation)
_INCR_EXPIRE = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


@once
def _incr_expire(backend: RedisCache) -> Any:
    """The script, registered once per cache backend (run with EVALSHA: its digest, not its text)."""
    return backend._cache.get_client(write=True).register_script(_INCR_EXPIRE)


def _count(key: str, ttl: int) -> int:
    """One more request in the window of ``key``, counted atomically so that concurrent requests in
    any number of web processes are all counted. On Redis one command, one round trip (the request
    already makes one cache call for its authentication; Django's ``incr``, EXISTS then INCR, plus
    an ``add`` for a window's first request showed on the API benchmark). Other caches: Django's
    ``incr``/``add`` (atomic in the local-memory cache)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        name = backend.make_and_validate_key(key)
        return int(
            _incr_expire(backend)(keys=[name], args=[ttl], client=backend._cache.get_client(name, write=True))
        )
    try:
        return backend.incr(key)
    except ValueError:  # the window's first request
        if backend.add(key, 1, timeout=ttl):
            return 1
        return backend.incr(key)  # another process created it meanwhile


class ProfileRateThrottle(SimpleRateThrottle):
    """Requests per caller and scope at the rate the caller's profile gives the scope
    (``settings.RATE_LIMIT_PROFILES``), counted in fixed windows in the shared cache.

    Callers are users (anonymous callers: their client IP, with the ``default`` profile). Every
    response of a limited view carries ``RateLimit-Limit``, ``RateLimit-Remaining``,
    ``RateLimit-Reset`` (seconds until the window ends) and ``RateLimit-Policy``; a refused request
    is a 429 ``throttled`` with ``Retry-After`` (= ``RateLimit-Reset``). Refused requests are counted
    too: a client that keeps hammering waits for the window's end like any other.

    DRF's :class:`SimpleRateThrottle` keeps a list of timestamps that it reads and writes back
    (concurrent requests in other processes can be lost); a counter per window is incremented
    atomically instead (on Redis, one command: :func:`_count`). Rates are read from the settings on each
    request (the profiles are settings, a user's profile a column of the user row already loaded)."""

    cache_format = f"{KEY_PREFIX}:%(scope)s:%(ident)s"

    def __init__(self) -> None:  # the rate depends on the request: see allow_request
        self.wait_seconds = 0

    def get_cache_key(self, request, view) -> str:
        user = request.user
        ident = f"user:{user.pk}" if user and user.is_authenticated else f"ip:{client_of(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if not settings.RATE_LIMITS_ENABLED:
            return True
        self.scope = scope_of(request, view)
        profile = profile_of(request.user)
        rate = rate_for(profile, self.scope)
        if rate is None:
            return True
        now = self.timer()
        window = int(now // rate.period)
        reset = max(1, math.ceil((window + 1) * rate.period - now))
        key = f"{self.get_cache_key(request, view)}:{rate.period}:{window}"
        used = _count(key, reset + 60)  # outlives its window even with some clock skew between hosts
        headers = getattr(view, "headers", None)
        if headers is not None:  # added to the response, refused or not, by DRF's finalize_response
            headers["RateLimit-Limit"] = str(rate.limit)
            headers["RateLimit-Remaining"] = str(max(0, rate.limit - used))
            headers["RateLimit-Reset"] = str(reset)
            headers["RateLimit-Policy"] = f'{rate.limit};w={rate.period};comment="{profile} {self.scope}"'
        if used > rate.limit:
            self.wait_seconds = reset
            return False
        return True

    def wait(self) -> float:
        return self.wait_seconds
