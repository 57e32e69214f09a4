"""Request timings: per-minute counters in Redis, rolled up into the database by Celery beat.

The middleware (``analytics.middleware``) calls :func:`request_record` once per request: it adds
the request to this process's counts (a dictionary update under a lock), and the request that finds
them older than ``ANALYTICS_BUFFER_SECONDS`` sends them all to Redis in one pipelined round trip
(``HINCRBY`` of latency buckets and total times in a hash per minute): no network call and never a
database write in the ordinary request. A process that is killed loses at most its last
``ANALYTICS_BUFFER_SECONDS`` of counts (they are sent when it exits normally). ``rollups_flush`` (beat, every
``ANALYTICS_ROLLUP_SECONDS``) moves each complete minute into ``RequestRollup`` rows (one per
minute, method, route template and status class) and adds it to the ``RequestTotal`` counters that
``/metrics`` exposes. A minute is taken by ``RENAME`` (one flusher only) and added to the database
in one transaction; a crash in between loses that minute's figures rather than counting them twice.

Redis is the default cache when it is a Redis cache (``REDIS_URL``); without it (development with
the file cache) nothing is recorded and the middleware steps aside (``MiddlewareNotUsed``).
"""

from __future__ import annotations

import atexit
import bisect
import logging
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction

from soapify.analytics.models import RequestRollup, RequestTotal

logger = logging.getLogger("soapify.analytics")

#: upper bounds (ms) of the latency buckets; a last bucket counts the slower requests
BUCKETS_MS: tuple[float, ...] = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
N_BUCKETS = len(BUCKETS_MS) + 1
#: a minute is flushed once it ended this long ago (clock differences between web machines)
GRACE_SECONDS = 60
#: Redis keeps a minute's hash this long if no flush takes it (no worker running beat)
KEY_TTL_SECONDS = 24 * 3600
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"
_PENDING = "analytics:req:pending"
_SEP = "\t"


def _store() -> RedisCache | None:
    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None


def recording_available() -> bool:
    return _store() is not None


def _client(cache: RedisCache):
    return cache._cache.get_client(write=True)


def _minute_key(cache: RedisCache, minute: int) -> str:
    return cache.make_key(f"analytics:req:{minute}")


_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def route_template(request) -> str:
    """The URLconf pattern that served the request (``/api/encounters/<int:encounter_id>/``): no
    ids, no tokens, nothing from the raw path. Requests no pattern matched share one key."""
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None)
    if not route:
        return UNMATCHED
    route = _REGEX_GROUP.sub(r"<\1>", route).replace("^", "").replace("$", "")
    return ("/" + route)[:255]


def status_class(status: int) -> str:
    return f"{max(1, min(5, status // 100))}xx"


def bucket_of(ms: float) -> int:
    return bisect.bisect_left(BUCKETS_MS, ms)


class _Buffer:
    """This process's counts not yet sent to Redis: ``{(minute, field): increment}``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fields: Counter[tuple[int, str]] = Counter()
        self.since = time.monotonic()

    def add(self, minute: int, bucket_field: str, time_field: str, us: int) -> bool:
        """Count one request; True when the buffer is due to be sent."""
        with self.lock:
            self.fields[(minute, bucket_field)] += 1
            self.fields[(minute, time_field)] += us
            return time.monotonic() - self.since >= settings.ANALYTICS_BUFFER_SECONDS

    def take(self) -> Counter[tuple[int, str]]:
        with self.lock:
            fields, self.fields = self.fields, Counter()
            self.since = time.monotonic()
            return fields


_buffer = _Buffer()


def request_record(*, method: str, route: str, status: int, ms: float, now: float | None = None) -> None:
    """Count one request in its minute: in this process first (a dictionary update), sent to
    Redis with the other counts of the last ``ANALYTICS_BUFFER_SECONDS`` by the request that finds
    them due (0: every request sends its own)."""
    if _store() is None:
        return
    now = time.time() if now is None else now
    minute = int(now // 60) * 60
    method = method if method in METHODS else "OTHER"
    base = _SEP.join((method, status_class(status), route))
    if _buffer.add(minute, f"b{bucket_of(ms)}{_SEP}{base}", f"t{_SEP}{base}", round(ms * 1000)):
        buffer_flush()


def buffer_flush() -> None:
    """Send this process's buffered counts to Redis in one round trip (``HINCRBY`` per field, the
    count being the buckets' sum; each minute's expiry and its place in the pending set). Also run
    when the process exits. A Redis error is logged and those counts are dropped, never raised: a
    request is never refused for its timing."""
    cache = _store()
    fields = _buffer.take()
    if cache is None or not fields:
        return
    try:
        pipe = _client(cache).pipeline(transaction=False)
        for (minute, name), value in fields.items():
            pipe.hincrby(_minute_key(cache, minute), name, value)
        for minute in {minute for minute, _ in fields}:
            pipe.expire(_minute_key(cache, minute), KEY_TTL_SECONDS)
            pipe.sadd(cache.make_key(_PENDING), minute)
        pipe.execute()
    except Exception as exc:  # noqa: BLE001 - redis-py raises several families; timings are best effort
        logger.warning("request timings not recorded: %s", type(exc).__name__)


atexit.register(buffer_flush)


# --- rolling minutes up into the database ----------------------------------------------------------


@dataclass
class Tally:
    count: int = 0
    total_ms: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * N_BUCKETS)

    def add(self, other: Tally) -> None:
        self.count += other.count
        self.total_ms += other.total_ms
        self.buckets = [a + b for a, b in zip(padded(self.buckets), other.buckets, strict=True)]


def padded(buckets: Iterable[int]) -> list[int]:
    values = list(buckets)[:N_BUCKETS]
    return values + [0] * (N_BUCKETS - len(values))


Key = tuple[str, str, str]  # method, status class, route


def parse_minute(fields: dict) -> dict[Key, Tally]:
    """A minute's Redis hash → tallies per (method, status class, route)."""
    tallies: dict[Key, Tally] = {}
    for raw_field, raw_value in fields.items():
        name = raw_field.decode() if isinstance(raw_field, bytes) else str(raw_field)
        kind, _, base = name.partition(_SEP)
        parts = base.split(_SEP, 2)
        if len(parts) != 3:
            continue
        key: Key = (parts[0], parts[1], parts[2])
        tally = tallies.setdefault(key, Tally())
        value = int(raw_value)
        if kind == "t":
            tally.total_ms += value / 1000.0
        elif kind.startswith("b") and kind[1:].isdigit() and int(kind[1:]) < N_BUCKETS:
            tally.buckets[int(kind[1:])] += value
            tally.count += value
    return tallies


def rollup_merge(*, minute: datetime, tallies: dict[Key, Tally]) -> None:
    """Add one minute's tallies to its rollup rows and to the totals (one transaction; retried
    once when a concurrent flush created the same new row first)."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                _merge(minute, tallies)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def _add(row: RequestRollup | RequestTotal, tally: Tally) -> None:
    merged = Tally(row.count, row.total_ms, padded(row.buckets))
    merged.add(tally)
    row.count, row.total_ms, row.buckets = merged.count, merged.total_ms, merged.buckets


def _merge(minute: datetime, tallies: dict[Key, Tally]) -> None:
    fields = ["count", "total_ms", "buckets"]
    rollups = {
        (r.method, r.status_class, r.route): r
        for r in RequestRollup.objects.select_for_update().filter(minute=minute)
    }
    new_rollups: list[RequestRollup] = []
    for (method, klass, route), tally in sorted(tallies.items()):
        rollup = rollups.get((method, klass, route))
        if rollup is None:
            rollup = RequestRollup(minute=minute, method=method, status_class=klass, route=route, buckets=[])
            new_rollups.append(rollup)
        _add(rollup, tally)
    RequestRollup.objects.bulk_update([r for r in rollups.values() if r.pk], fields)
    RequestRollup.objects.bulk_create(new_rollups)

    totals = {
        (t.method, t.status_class, t.route): t
        for t in RequestTotal.objects.select_for_update()
        .filter(route__in={route for _, _, route in tallies})
        .order_by("id")
    }
    new_totals: list[RequestTotal] = []
    for (method, klass, route), tally in sorted(tallies.items()):
        total = totals.get((method, klass, route))
        if total is None:
            total = RequestTotal(method=method, status_class=klass, route=route, buckets=[])
            new_totals.append(total)
        _add(total, tally)
    RequestTotal.objects.bulk_update(list(totals.values()), fields)
    RequestTotal.objects.bulk_create(new_totals)


def rollups_flush(*, now: float | None = None) -> int:
    """Move every complete minute from Redis into the database; returns how many minutes."""
    cache = _store()
    if cache is None:
        return 0
    now = time.time() if now is None else now
    client = _client(cache)
    pending = cache.make_key(_PENDING)
    flushed = 0
    for raw in sorted(client.smembers(pending), key=int):
        minute = int(raw)
        if minute + 60 + GRACE_SECONDS > now:
            continue  # still being written to
        key = _minute_key(cache, minute)
        taken = f"{key}:flushing:{uuid.uuid4().hex}"
        try:
            client.rename(key, taken)
        except Exception:  # noqa: BLE001 - ResponseError "no such key": taken by another flush
            client.srem(pending, raw)
            continue
        tallies = parse_minute(client.hgetall(taken))
        if tallies:
            rollup_merge(minute=datetime.fromtimestamp(minute, tz=UTC), tallies=tallies)
        client.delete(taken)
        client.srem(pending, raw)
        flushed += 1
    return flushed


def quantile_ms(buckets: list[int], q: float) -> float | None:
    """The ``q`` quantile of a latency histogram, interpolated linearly inside its bucket (as
    Prometheus's ``histogram_quantile``); in the last, open bucket: the highest bound."""
    counts = padded(buckets)
    total = sum(counts)
    if not total:
        return None
    rank = q * total
    seen = 0
    for i, count in enumerate(counts):
        if count and seen + count >= rank:
            if i == len(BUCKETS_MS):
                return float(BUCKETS_MS[-1])
            lower = BUCKETS_MS[i - 1] if i else 0.0
            return round(lower + (BUCKETS_MS[i] - lower) * (rank - seen) / count, 2)
        seen += count
    return float(BUCKETS_MS[-1])
