"""One retry policy for the outbound HTTP calls of engines (chat LLMs, speech-to-text APIs).

:func:`post_with_retries` retries what is worth retrying — time-outs, connection errors, 429 and
5xx answers — with exponential backoff and a little jitter, honouring ``Retry-After`` (capped),
and hands any other answer (2xx–4xx) back to the caller, who judges it. When the attempts run out
it raises :class:`Unavailable` describing the last failure; the caller turns that into its own
``EngineError``. A URL requests cannot use at all raises at once (``requests.exceptions.
MissingSchema`` / ``InvalidSchema`` / ``InvalidURL``), never retried.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

__all__ = ["BAD_URL", "RetryPolicy", "Unavailable", "post_with_retries", "retry_after_seconds"]

#: requests' errors for a URL it cannot use at all (a configuration error: never retried)
BAD_URL = (
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    backoff: float = 0.5  # seconds before the first retry; doubled for each next one
    max_backoff: float = 20.0  # no wait is longer, ``Retry-After`` included
    sleep: Callable[[float], None] = time.sleep

    def delay(self, retry: int, hinted: float | None) -> float:
        """The wait before retry number ``retry`` (1, 2, …)."""
        if hinted is not None:
            return min(hinted, self.max_backoff)
        return min(self.backoff * 2 ** (retry - 1) * (1 + random.random() / 4), self.max_backoff)  # noqa: S311


class Unavailable(Exception):
    """Every attempt failed for a reason worth retrying. ``kind`` is ``"timeout"``,
    ``"connection"`` or ``"status"`` (then ``status`` is the last HTTP status)."""

    def __init__(self, reason: str, *, kind: str, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.status = status
        self.attempts = attempts


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:  # an HTTP date: fall back to the backoff
        return None


def post_with_retries(
    session: requests.Session,
    url: str,
    *,
    policy: RetryPolicy,
    timeout: float,
    on_failed_attempt: Callable[[int, Unavailable], None] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """``on_failed_attempt(attempt, failure)`` (1-based) sees every attempt that failed, e.g. to
    log it."""
    last: Unavailable | None = None
    hinted: float | None = None
    for attempt in range(policy.max_retries + 1):
        if attempt:
            assert last is not None
            if on_failed_attempt is not None:
                on_failed_attempt(attempt, last)
            policy.sleep(policy.delay(attempt, hinted))
        hinted = None
        try:
            response = session.post(url, timeout=timeout, **kwargs)
        except BAD_URL:
            raise
        except requests.Timeout:
            last = Unavailable("timed out", kind="timeout")
            continue
        except requests.RequestException as exc:
            last = Unavailable(f"{type(exc).__name__}: {exc}", kind="connection")
            continue
        status = response.status_code
        if status == 429 or status >= 500:
            last = Unavailable(f"HTTP {status}: {response.text[:200]}", kind="status", status=status)
            hinted = retry_after_seconds(response)
            continue
        return response
    assert last is not None
    last.attempts = policy.max_retries + 1
    if on_failed_attempt is not None:
        on_failed_attempt(last.attempts, last)
    raise last
