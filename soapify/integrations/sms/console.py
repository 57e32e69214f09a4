"""Development SMS engine: writes each message to the ``soapify.sms`` logger, sends nothing."""

from __future__ import annotations

import logging
import re
import uuid
from collections import deque

from django.conf import settings

from soapify.core.engines import EngineError
from soapify.core.logs import redact

from .base import InvalidPhoneNumber, SendResult, mask_phone, normalize_phone

logger = logging.getLogger("soapify.sms")

_DIGIT = re.compile(r"\d")  # any script's digits (Persian and Arabic-Indic included)


class ConsoleSMSEngine:
    """Logs each message instead of sending it.

    Links with secret tokens (share links, signed URLs) are always redacted. One-time codes and the
    full phone number appear only with ``show_codes`` (default: ``settings.DEBUG``), so a developer
    can sign in with a code read from the log; otherwise every digit of the text is masked and the
    number is shown as ``+98912***4567``.

    The last ``keep`` messages stay in ``self.sent`` as ``(to, body, message_id)``, unredacted and
    in memory only, so tests of the code around it can read them, like Django's ``mail.outbox``.
    """

    provider = "console"

    def __init__(self, keep: int = 100, show_codes: bool | None = None) -> None:
        self.sent: deque[tuple[str, str, str]] = deque(maxlen=keep)
        self.show_codes = show_codes

    def send(self, to: str, body: str) -> SendResult:
        try:
            number = normalize_phone(to)
        except InvalidPhoneNumber as exc:
            raise EngineError(str(exc), code="invalid_phone") from exc
        message_id = uuid.uuid4().hex
        self.sent.append((number, body, message_id))
        show = settings.DEBUG if self.show_codes is None else self.show_codes
        text = redact(body)
        if not show:
            text = _DIGIT.sub("•", text)
        logger.info("SMS to %s (id %s):\n%s", number if show else mask_phone(number), message_id, text)
        return SendResult(message_id=message_id, provider=self.provider)
