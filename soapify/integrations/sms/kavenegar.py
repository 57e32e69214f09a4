"""Kavenegar (the common Iranian SMS provider) over its REST API.

    POST {base_url}/v1/{api_key}/sms/send.json   receptor, message, sender (form fields)
    GET  {base_url}/v1/{api_key}/account/info.json   (health check: the account answers)

Kavenegar answers JSON ``{"return": {"status", "message"}, "entries": [{"messageid", ...}]}`` with
the HTTP status equal to ``return.status`` (200 on success; 4xx for a bad key, number, sender or
no credit). Like the generic HTTP engine, this one is sent inside a web request and is its own
retry layer (connection failures, and ``max_retries`` 429/5xx answers, in the request; time-outs
not retried). The API key is part of the URL, so neither it nor the URL ever reaches an error
message or a log line of ours, and urllib3's own retry log lines have the key masked.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from soapify.core.engines import EngineError
from soapify.core.http import BAD_URL, engine_session

from .base import InvalidPhoneNumber, SendResult, mask_phone, normalize_phone

logger = logging.getLogger("soapify.sms")


#: urllib3's loggers that write a request's URL (retries, connection errors)
_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")


class _MaskKey(logging.Filter):
    """urllib3 logs the URL of a retried request; the key is a path segment of it."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def filter(self, record: logging.LogRecord) -> bool:
        if self.key and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                str(a).replace(self.key, "[redacted]") if self.key in str(a) else a for a in args
            )
        return True


def receptor(number: str) -> str:
    """Kavenegar's form of an E.164 number: ``09121234567`` for Iran, ``00<digits>`` otherwise."""
    if number.startswith("+98"):
        return "0" + number[3:]
    return "00" + number[1:]


class KavenegarSMSEngine:
    provider = "kavenegar"

    def __init__(
        self,
        api_key: str,
        sender: str = "",
        base_url: str = "https://api.kavenegar.com",
        timeout: float = 10.0,
        max_retries: int = 2,
        backoff: float = 0.5,
    ) -> None:
        self.api_key = api_key or ""
        self.sender = sender or ""
        self.base_url = (base_url or "").rstrip("/")
        self.timeout = timeout
        self.session = engine_session(retries=max(0, int(max_retries)), backoff=backoff)
        for name in _URLLIB3_LOGGERS:
            url_logger = logging.getLogger(name)
            if self.api_key and not any(getattr(f, "key", None) == self.api_key for f in url_logger.filters):
                url_logger.addFilter(_MaskKey(self.api_key))

    def _url(self, path: str) -> str:
        if not self.api_key:
            raise EngineError("KAVENEGAR_API_KEY is not set.", code="sms_misconfigured")
        return f"{self.base_url}/v1/{self.api_key}/{path}"

    def send(self, to: str, body: str) -> SendResult:
        try:
            number = normalize_phone(to)
        except InvalidPhoneNumber as exc:
            raise EngineError(str(exc), code="invalid_phone") from exc
        data = {"receptor": receptor(number), "message": body}
        if self.sender:
            data["sender"] = self.sender
        response = self._call("post", "sms/send.json", number, data=data)
        entries = _json(response).get("entries")
        message_id = ""
        if isinstance(entries, list) and entries and isinstance(entries[0], dict):
            message_id = str(entries[0].get("messageid") or "")
        if not message_id:
            logger.warning("SMS to %s: Kavenegar's answer has no message id", mask_phone(number))
            raise EngineError("SMS provider sent a malformed reply.", code="sms_bad_reply")
        logger.info("SMS to %s sent (id %s)", mask_phone(number), message_id)
        return SendResult(message_id=message_id, provider=self.provider)

    def check(self) -> None:
        self._call("get", "account/info.json", None)

    def _call(self, method: str, path: str, number: str | None, **kwargs: Any) -> requests.Response:
        who = mask_phone(number) if number else "account"
        try:
            response = self.session.request(method, self._url(path), timeout=self.timeout, **kwargs)
        except BAD_URL:
            raise EngineError("KAVENEGAR_BASE_URL is not a usable URL.", code="sms_misconfigured") from None
        except requests.RequestException as exc:
            kind = "timeout" if isinstance(exc, requests.Timeout) else "connection"
            logger.warning("Kavenegar call for %s failed: %s", who, kind)
            raise EngineError(
                f"SMS provider unavailable: {kind}", transient=True, code="sms_unavailable"
            ) from None
        status = response.status_code
        if status == 429 or status >= 500:
            logger.warning("Kavenegar call for %s failed: HTTP %d", who, status)
            raise EngineError(
                f"SMS provider unavailable: HTTP {status}", transient=True, code="sms_unavailable"
            )
        if status >= 400:
            provider_status = _json(response).get("return", {})
            code = provider_status.get("status") if isinstance(provider_status, dict) else None
            logger.warning("Kavenegar refused the call for %s: HTTP %d (status %s)", who, status, code)
            kind = "sms_misconfigured" if status in (401, 403) else "sms_rejected"
            raise EngineError(f"SMS provider refused the message: HTTP {status}", code=kind)
        return response


def _json(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
