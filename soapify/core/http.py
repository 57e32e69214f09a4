"""The one retry layer of the engines' outbound HTTP: a ``requests.Session`` with urllib3's ``Retry``.

``engine_session(retries=n)`` retries in the request only what is quick: connection failures (the
request never reached the server), and ``n`` times 429/5xx answers (POST included) with a capped
exponential backoff, honouring ``Retry-After`` up to ``max_wait`` seconds (a longer one is not
waited for: the answer is handed back at once). Time-outs are never retried in the request. Engines
run by a job pass ``retries=0`` and leave the rest to the job runner, so attempts do not multiply
(docs/DESIGN-NOTES.md, "Outbound HTTP"). When retries run out the last answer is returned, or the
requests exception raised, for the caller to turn into its ``EngineError``. A URL requests cannot
use raises one of :data:`BAD_URL` before anything is sent (a configuration error, never retried).
"""

from __future__ import annotations

import sys
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry

__all__ = ["BAD_URL", "RETRY_STATUSES", "QuickRetry", "engine_session", "retry_after_seconds"]

#: requests' errors for a URL it cannot use at all (a configuration error: never retried)
BAD_URL = (
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class QuickRetry(Retry):
    """urllib3's ``Retry`` that never sleeps longer than ``retry_after_max``: an answer whose
    ``Retry-After`` asks for more is returned at once instead of waited for, and a ``Retry-After``
    urllib3 cannot parse (e.g. ``1.5``) falls back to the backoff instead of failing the call."""

    def parse_retry_after(self, retry_after: str) -> float:
        return min(retry_after_seconds(retry_after) or 0.0, self.retry_after_max)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> QuickRetry:
        if response is not None and error is None:
            wanted = retry_after_seconds(response.headers.get("Retry-After"))
            if wanted is not None and wanted > self.retry_after_max:
                raise MaxRetryError(_pool, url or "", ResponseError(f"Retry-After {wanted:.0f} s"))
        return super().increment(method, url, response, error, _pool, _stacktrace)


def retry_after_seconds(value: str | None) -> float | None:
    """The seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return float(Retry(retry_after_max=sys.maxsize).parse_retry_after(value))
    except InvalidHeader:
        try:
            return max(0.0, float(value))
        except ValueError:
            return None


def engine_session(
    *, retries: int = 0, connect_retries: int = 2, backoff: float = 0.5, max_wait: int = 5
) -> requests.Session:
    """A session for one engine. ``retries``: in-request retries of 429/5xx answers."""
    retry = QuickRetry(
        total=None,
        connect=connect_retries,
        read=False,
        status=retries,
        other=0,
        allowed_methods=None,  # every method, POST included: the engines' calls are all POSTs
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        backoff_max=max_wait,
        backoff_jitter=backoff / 4,
        respect_retry_after_header=True,
        retry_after_max=max_wait,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
