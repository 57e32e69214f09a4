"""An SMS provider over HTTP: ``POST url`` with JSON ``{to, from, text}`` and a bearer key.

Rate limits (429), server errors (5xx), time-outs and connection failures are retried with
exponential backoff (``Retry-After`` honoured up to ``max_backoff``); when retries run out the
``EngineError`` is transient, so a Celery task may try again later. Other 4xx answers are not
transient. Every attempt of one message carries the same ``Idempotency-Key`` header, so a provider
that supports it sends once even when an answer was lost to a time-out.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from typing import Any

import requests

from soapify.core.engines import EngineError

from .base import InvalidPhoneNumber, SendResult, mask_phone, normalize_phone

logger = logging.getLogger("soapify.sms")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class HttpSMSEngine:
    provider = "http"

    def __init__(
        self,
        url: str,
        api_key: str,
        sender: str,
        timeout: float = 10.0,
        max_retries: int = 2,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
    ) -> None:
        if not url:
            raise ValueError("HttpSMSEngine needs a url")
        self.url = url
        self.api_key = api_key
        self.sender = sender
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.session = requests.Session()

    def send(self, to: str, body: str) -> SendResult:
        try:
            number = normalize_phone(to)
        except InvalidPhoneNumber as exc:
            raise EngineError(str(exc), code="invalid_phone") from exc
        key = uuid.uuid4().hex
        payload = {"to": number, "from": self.sender, "text": body}
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": key}
        last_error = ""
        retry_after: str | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(self._delay(attempt, retry_after))
            retry_after = None
            try:
                response = self.session.post(self.url, json=payload, headers=headers, timeout=self.timeout)
            except (requests.Timeout, requests.ConnectionError) as exc:
                last_error = f"{type(exc).__name__}"
                logger.warning(
                    "SMS to %s: attempt %d failed: %s", mask_phone(number), attempt + 1, last_error
                )
                continue
            if response.status_code in RETRY_STATUSES:
                last_error = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After")
                logger.warning("SMS to %s: attempt %d got %s", mask_phone(number), attempt + 1, last_error)
                continue
            if response.status_code >= 400:
                raise EngineError(
                    f"SMS provider refused the message: HTTP {response.status_code}", code="sms_rejected"
                )
            message_id = _message_id(response) or key
            logger.info("SMS to %s sent (id %s)", mask_phone(number), message_id)
            return SendResult(message_id=message_id, provider=self.provider)
        raise EngineError(
            f"SMS provider unavailable after {self.max_retries + 1} attempts: {last_error}",
            transient=True,
            code="sms_unavailable",
        )

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        delay = self.backoff * 2 ** (attempt - 1)
        if retry_after:
            with contextlib.suppress(ValueError):
                delay = max(delay, float(retry_after))
        return min(delay, self.max_backoff)


def _message_id(response: requests.Response) -> str:
    try:
        data: Any = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        for key in ("message_id", "messageId", "id"):
            if data.get(key) not in (None, ""):
                return str(data[key])
    return ""
