"""Development SMS engine: writes each message to the ``soapify.sms`` logger, sends nothing."""

from __future__ import annotations

import logging
import uuid
from collections import deque

from soapify.core.engines import EngineError

from .base import InvalidPhoneNumber, SendResult, normalize_phone

logger = logging.getLogger("soapify.sms")


class ConsoleSMSEngine:
    """Logs the whole message (development only: OTP codes appear in the log on purpose).

    The last ``keep`` messages stay in ``self.sent`` as ``(to, body, message_id)`` so tests of the
    code around it can read them, like Django's ``mail.outbox``.
    """

    provider = "console"

    def __init__(self, keep: int = 100) -> None:
        self.sent: deque[tuple[str, str, str]] = deque(maxlen=keep)

    def send(self, to: str, body: str) -> SendResult:
        try:
            number = normalize_phone(to)
        except InvalidPhoneNumber as exc:
            raise EngineError(str(exc), code="invalid_phone") from exc
        message_id = uuid.uuid4().hex
        self.sent.append((number, body, message_id))
        logger.info("SMS to %s (id %s):\n%s", number, message_id, body)
        return SendResult(message_id=message_id, provider=self.provider)
