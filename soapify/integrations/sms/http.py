"""An SMS provider over HTTP: ``POST url`` with JSON ``{to, from, text}`` and a bearer key.

Rate limits (429), server errors (5xx), time-outs and connection failures are retried
(``core.http.post_with_retries``: exponential backoff, ``Retry-After`` honoured up to
``max_backoff``); when retries run out the ``EngineError`` is transient, so a Celery task may try again later. Other 4xx answers are not
transient. Every attempt of one message carries the same ``Idempotency-Key`` header, so a provider
that supports it sends once even when an answer was lost to a time-out.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import requests

from soapify.core.engines import EngineError
from soapify.core.http import RetryPolicy, Unavailable, post_with_retries

from .base import InvalidPhoneNumber, SendResult, mask_phone, normalize_phone

logger = logging.getLogger("soapify.sms")


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
        self.retry = RetryPolicy(
            max_retries=max(0, int(max_retries)), backoff=backoff, max_backoff=max_backoff
        )
        self.session = requests.Session()

    def send(self, to: str, body: str) -> SendResult:
        try:
            number = normalize_phone(to)
        except InvalidPhoneNumber as exc:
            raise EngineError(str(exc), code="invalid_phone") from exc
        key = uuid.uuid4().hex
        payload = {"to": number, "from": self.sender, "text": body}
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": key}

        def log_failure(attempt: int, failure: Unavailable) -> None:
            # the kind and status only: a provider's answer may echo the number
            logger.warning(
                "SMS to %s: attempt %d failed: %s %s",
                mask_phone(number),
                attempt,
                failure.kind,
                failure.status or "",
            )

        try:
            response = post_with_retries(
                self.session,
                self.url,
                policy=self.retry,
                timeout=self.timeout,
                on_failed_attempt=log_failure,
                json=payload,
                headers=headers,
            )
        except Unavailable as exc:
            raise EngineError(
                f"SMS provider unavailable after {exc.attempts} attempts: {exc.kind}"
                + (f" (HTTP {exc.status})" if exc.status else ""),
                transient=True,
                code="sms_unavailable",
            ) from None
        if response.status_code >= 400:
            raise EngineError(
                f"SMS provider refused the message: HTTP {response.status_code}", code="sms_rejected"
            )
        message_id = _message_id(response) or key
        logger.info("SMS to %s sent (id %s)", mask_phone(number), message_id)
        return SendResult(message_id=message_id, provider=self.provider)


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
