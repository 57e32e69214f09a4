"""JWT authentication that also honours logout: tokens of a revoked session are refused (401).

Every token carries its login's session id (``sid``). Checking the session on every request costs
a database round trip, so the check is cached in the shared cache (Redis in production, a file
cache in development) for ``AUTH_SESSION_CACHE_SECONDS``:

- ``auth:sid:<sid>`` holds the authenticated user's columns (never the password hash) for a live
  session;
- logout writes a tombstone ``auth:revoked:<sid>`` (kept for the access tokens' lifetime) *after*
  the revocation commits and deletes the positive entry, and readers check the tombstone first, so
  a revoked session is refused by every process at once, even if another request re-cached it;
- every cached check carries the user's *generation* (``auth:gen:<user id>``, read in the same
  cache call); saving a user gives it a new generation (now and after commit), so a role change or
  deactivation is seen on the next request by every process, even if a request that read the
  database just before the change caches its result just after it.

A view may name more per-user cache keys it will read (``auth_prefetch_keys(user_id)``); they are
fetched in the same cache call as the session check (one round trip with Redis) and left on the
request as ``prefetched_cache`` (absent keys are missing from it).
"""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from soapify.accounts.models import User
from soapify.core.lru import LRU


def _valid_key(sid: str) -> str:
    return f"auth:sid:{sid}"


def _revoked_key(sid: str) -> str:
    return f"auth:revoked:{sid}"


def _cache_seconds() -> int:
    return int(settings.AUTH_SESSION_CACHE_SECONDS)


def forget_session(sid: str, *, revoked: bool) -> None:
    """Drop the cached check of a session; with ``revoked`` also write the tombstone (after commit)."""

    def apply() -> None:
        if revoked:
            lifetime = int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()) + 60
            cache.set(_revoked_key(sid), True, timeout=lifetime)
        cache.delete(_valid_key(sid))

    apply()
    transaction.on_commit(apply)


def forget_user(user_id: int) -> None:
    """A user changed (role, activity, anything): give the user a new generation, now and again
    once the transaction commits. Cached session checks carry the generation they were read
    under, so every one of them is refused from now on, including one a request that read the
    database just before the change stores just after it."""

    def bump() -> None:
        cache.set(_generation_key(user_id), uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def _generation_key(user_id) -> str:
    return f"auth:gen:{user_id}"


# Tokens whose signature and claims this process has already verified: a signature check of a
# given token string always gives the same answer, so it is done once per process; the expiry is
# checked again on every use.
_verified = LRU(2048)


class SessionJWTAuthentication(JWTAuthentication):
    def authenticate(self, request):
        header = self.get_header(request)
        raw_token = None if header is None else self.get_raw_token(header)
        if raw_token is None:
            return None
        validated_token = self.get_validated_token(raw_token)
        view = (getattr(request, "parser_context", None) or {}).get("view")
        keys_of = getattr(view, "auth_prefetch_keys", None)
        prefetch: list[str] = []
        if keys_of is not None and api_settings.USER_ID_CLAIM in validated_token:
            prefetch = list(keys_of(validated_token[api_settings.USER_ID_CLAIM]))
        user, found = self._user_and_prefetched(validated_token, prefetch)
        request._request.prefetched_cache = found
        return user, validated_token

    def get_validated_token(self, raw_token):
        raw = raw_token.decode() if isinstance(raw_token, bytes) else str(raw_token)
        token = _verified.get(raw)
        if token is not None and token.get("exp", 0) <= time.time():
            _verified.pop(raw)
            token = None
        if token is None:
            token = super().get_validated_token(raw_token)  # signature, expiry, type; 401 otherwise
            _verified.put(raw, token)
        return token

    def get_user(self, validated_token):
        return self._user_and_prefetched(validated_token, [])[0]

    def _user_and_prefetched(self, validated_token, prefetch: list[str]) -> tuple[User, dict]:
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
            sid = str(validated_token["sid"])
        except KeyError:
            raise InvalidToken(_("Token contained no recognizable user identification")) from None
        ttl = _cache_seconds()
        prefetched: dict = {}
        generation = None
        if ttl > 0:
            gen_key = _generation_key(user_id)
            found = cache.get_many([_revoked_key(sid), _valid_key(sid), gen_key, *prefetch])
            if found.get(_revoked_key(sid)):
                raise AuthenticationFailed(_("Token is no longer valid."), code="token_revoked")
            prefetched = {k: found[k] for k in prefetch if k in found}
            generation = found.get(gen_key)
            if generation is None:  # never set, or evicted: a fresh one (no entry can match it)
                cache.add(gen_key, uuid.uuid4().hex, timeout=None)
                generation = cache.get(gen_key)
            cached = found.get(_valid_key(sid))
            if (
                isinstance(cached, dict)
                and generation is not None
                and cached.get("generation") == generation
                and str(cached["user"].get("id")) == str(user_id)
            ):
                columns = cached["user"]
                return User.from_db("default", list(columns), list(columns.values())), prefetched
        user = User.objects.filter(
            pk=user_id, is_active=True, auth_sessions__sid=sid, auth_sessions__revoked_at__isnull=True
        ).first()
        if user is None:
            raise AuthenticationFailed(_("Token is no longer valid."), code="token_revoked")
        if generation is not None:  # the generation read *before* the database was
            cache.set(_valid_key(sid), {"generation": generation, "user": _cacheable(user)}, timeout=ttl)
        return user, prefetched


def _cacheable(user: User) -> dict:
    """The user's columns without the password hash (never copied into the cache). An instance
    rebuilt from it has ``password`` deferred, so saving it can never overwrite the hash."""
    return {
        f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields if f.attname != "password"
    }
