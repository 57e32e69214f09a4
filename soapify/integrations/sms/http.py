"""An SMS provider over HTTP: ``POST url`` with JSON ``{to, from, text}`` and a bearer key.

The message is sent inside the web request that asks for it and nothing retries it later, so this
engine is the one retry layer: connection failures and rate limits / server errors (429, 5xx) are
retried in the request (``core.http.engine_session``: short backoff, a ``Retry-After`` of up to 5 s
honoured, a longer one not waited for). A time-out is not retried (it would hold the request for
another ``timeout``). What is left is a transient ``EngineError``; other 4xx answers are not
transient. Every attempt of one message carries the same ``Idempotency-Key`` header, so a provider
that supports it sends once even when an answer was lost.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import requests

from soapify.core.engines import EngineError
from soapify.core.http import BAD_URL, engine_session

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
    ) -> None:
        if not url:
            raise ValueError("HttpSMSEngine needs a url")
        self.url = url
        self.api_key = api_key
        self.sender = sender
        self.timeout = timeout
        self.session = engine_session(retries=max(0, int(max_retries)), backoff=backoff)

    def send(self, to: str, body: str) -> SendResult:
        try:
            number = normalize_phone(to)
        except InvalidPhoneNumber as exc:
            raise EngineError(str(exc), code="invalid_phone") from exc
        key = uuid.uuid4().hex
        payload = {"to": number, "from": self.sender, "text": body}
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": key}

        try:
            response = self.session.post(self.url, json=payload, headers=headers, timeout=self.timeout)
        except BAD_URL:
            raise EngineError("SMS_HTTP_URL is not a usable URL.", code="sms_misconfigured") from None
        except requests.RequestException as exc:
            # the kind of failure only: the provider's answer or the URL may carry secrets
            kind = "timeout" if isinstance(exc, requests.Timeout) else "connection"
            logger.warning("SMS to %s failed: %s", mask_phone(number), kind)
            raise EngineError(
                f"SMS provider unavailable: {kind}", transient=True, code="sms_unavailable"
            ) from None
        if response.status_code == 429 or response.status_code >= 500:
            logger.warning("SMS to %s failed: HTTP %d", mask_phone(number), response.status_code)
            raise EngineError(
                f"SMS provider unavailable: HTTP {response.status_code}",
                transient=True,
                code="sms_unavailable",
            )
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
