"""One limiter for every way in: failed sign-in attempts, counted in the shared cache.

Every entry point that checks a secret goes through it: the token and login views, HTTP Basic and
the Django admin login (all three through :class:`LimitedModelBackend`, i.e. every
``django.contrib.auth.authenticate()`` made for a request), the password change (the current
password) and, later, one-time codes. A caller does::

    attempt = attempt_check(request, account=username)   # AttemptsRefused (429) when over a limit
    ... check the secret ...
    attempt_succeeded(attempt)  or  attempt_failed(attempt)

Three fixed-window counters of *failed* attempts (rates in ``settings.THROTTLE_RATES``):

- ``auth_ip``: per client IP, whatever the account (IPv6 clients by their /64);
- ``auth_account_client``: per account *from one client IP*; a success from that client resets it.
  Strangers elsewhere never spend the owner's budget, so they cannot lock the owner out;
- ``auth_account``: per account from every client, much higher: it slows guessing spread over many
  addresses. A client that has signed in to the account before (within ``KNOWN_CLIENT_DAYS``) is
  exempt from it, so a distributed attack cannot lock the owner out of their usual place either.

An attempt is counted when it is checked (so concurrent attempts cannot overrun a limit) and given
back when it succeeds; a refused attempt is not counted at all. Counters are cache keys named after
their window (``auth:limit:<scope>:<period>:<window>:<digest>``) that expire just after it, so an
increment never lands in an expired window and nothing outlives its window (account names and
addresses are hashed, never stored). Atomic with Redis (production) and the local-memory cache;
the development file cache is best-effort under concurrency.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from rest_framework import exceptions

from soapify.core.audit import client_ip

logger = logging.getLogger("soapify.auth")

KNOWN_CLIENT_DAYS = 30
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds


def parse_rate(text: str | None) -> Rate | None:
    """``"10/15m"``, ``"30/min"``, ``"100/h"``, ``"500/day"``; empty or None: no limit."""
    if not text:
        return None
    match = _RATE.match(text.lower())
    if match is None:
        raise ValueError(f"not a rate: {text!r} (use e.g. '10/15m', '30/min', '100/h')")
    limit, multiple, unit = match.groups()
    return Rate(int(limit), int(multiple or 1) * _UNITS[unit])


class AttemptsRefused(exceptions.Throttled):
    """Too many failed attempts: a 429 with ``Retry-After`` in the API's error shape."""

    default_detail = "Too many failed attempts; retry later."
    wait: int | None  # seconds until the window that refused it ends (set by DRF's Throttled)


@dataclass
class _Counter:
    scope: str
    key: str
    rate: Rate
    window_end: float


@dataclass
class Attempt:
    """An attempt counted as failed until it is settled as a success."""

    counted: list[_Counter] = field(default_factory=list)
    pair_key: str | None = None
    known_key: str | None = None
    known: bool = False
    settled: bool = False


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:40]


def _known_key(account: str, client: str) -> str:
    return f"auth:known:{_digest(account.strip().lower(), client)}"


def client_known(request, account: str) -> bool:
    """Whether ``request``'s client has signed in to ``account`` before (in the last
    ``KNOWN_CLIENT_DAYS``): such clients are exempt from the per-account ceiling and locks that
    strangers could otherwise trigger."""
    return bool(cache.get(_known_key(account, client_of(request))))


def client_of(request) -> str:
    """The client's address as the limiter sees it: IPv6 clients by their /64 network."""
    ip = client_ip(request) or "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _counter(scope: str, ident: str, now: float) -> _Counter | None:
    rate = parse_rate(settings.THROTTLE_RATES.get(scope))
    if rate is None:
        return None
    window = int(now // rate.period)
    return _Counter(
        scope=scope,
        key=f"auth:limit:{scope}:{rate.period}:{window}:{_digest(ident)}",
        rate=rate,
        window_end=(window + 1) * rate.period,
    )


def _bump(counter: _Counter, now: float) -> int:
    ttl = max(1, math.ceil(counter.window_end - now)) + 5  # outlives its window: never re-created
    if cache.add(counter.key, 1, timeout=ttl):
        return 1
    try:
        value = cache.incr(counter.key)
    except ValueError:  # gone between add and incr (evicted)
        cache.add(counter.key, 1, timeout=ttl)
        return 1
    cache.touch(counter.key, ttl)  # backends whose incr rewrites the entry with the default timeout
    return value


def _give_back(counters: list[_Counter]) -> None:
    for counter in counters:
        with contextlib.suppress(ValueError):  # its window has passed
            cache.decr(counter.key)


def _refuse(counters: list[_Counter], now: float) -> AttemptsRefused:
    wait = max(1, math.ceil(max(c.window_end for c in counters) - now))
    logger.warning("sign-in refused: too many failed attempts", extra={"scopes": [c.scope for c in counters]})
    return AttemptsRefused(wait=wait)


def attempt_check(request, *, account: str | None = None) -> Attempt:
    """Count one attempt from ``request``'s client (at ``account`` when it names one), or raise
    :class:`AttemptsRefused` if a limit is already reached (a refused attempt is not counted)."""
    now = time.time()
    client = client_of(request)
    counters = [_counter("auth_ip", client, now)]
    pair_key = known_key = None
    if account:
        name = account.strip().lower()
        known_key = _known_key(name, client)
        pair = _counter("auth_account_client", f"{name}\x00{client}", now)
        pair_key = pair.key if pair else None
        counters += [pair, _counter("auth_account", name, now)]
    active = [c for c in counters if c is not None]
    found = cache.get_many([c.key for c in active] + ([known_key] if known_key else []))
    known = bool(known_key and found.get(known_key))
    if known:
        active = [c for c in active if c.scope != "auth_account"]
    over = [c for c in active if int(found.get(c.key) or 0) >= c.rate.limit]
    if over:
        raise _refuse(over, now)
    counted: list[_Counter] = []
    for counter in active:
        value = _bump(counter, now)
        counted.append(counter)
        if value > counter.rate.limit:  # a concurrent attempt took the last one
            _give_back(counted)
            raise _refuse([counter], now)
    return Attempt(counted=counted, pair_key=pair_key, known_key=known_key, known=known)


def attempt_failed(attempt: Attempt) -> None:
    """The secret was wrong: the attempt stays counted."""
    if attempt.settled:
        return
    attempt.settled = True
    logger.info("sign-in failed", extra={"scopes": [c.scope for c in attempt.counted]})


def attempt_succeeded(attempt: Attempt) -> None:
    """The secret was right: give the attempt back, reset this client's counter for the account
    and remember the client as one the account signs in from."""
    if attempt.settled:
        return
    attempt.settled = True
    _give_back([c for c in attempt.counted if c.key != attempt.pair_key])
    if attempt.pair_key:
        cache.delete(attempt.pair_key)
    if attempt.known_key:
        cache.set(attempt.known_key, 1, timeout=KNOWN_CLIENT_DAYS * 86400)


class LimitedModelBackend(ModelBackend):
    """Django's username/password backend behind the limiter: every ``authenticate()`` made for a
    request (token and login views, HTTP Basic, the admin login form) is checked and counted.
    Raises :class:`AttemptsRefused` (not ``PermissionDenied``, which ``authenticate()`` would turn
    into an ordinary failure) so callers can answer 429. Calls without a request (management
    commands, in-process code) are not client attempts and are not limited."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is None or password is None or username is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        attempt = attempt_check(request, account=str(username))
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            attempt_failed(attempt)
        else:
            attempt_succeeded(attempt)
        return user
