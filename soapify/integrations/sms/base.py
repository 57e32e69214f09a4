"""The SMS engine interface and the phone-number rules every engine applies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SEPARATORS = re.compile(r"[\s\-().\u200c\u200e\u200f]")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_IRAN_MOBILE = re.compile(r"^09\d{9}$")


class InvalidPhoneNumber(ValueError):
    """The number is neither E.164 nor an Iranian mobile number."""


@dataclass(frozen=True, slots=True)
class SendResult:
    message_id: str
    provider: str


@runtime_checkable
class SMSEngine(Protocol):
    def send(self, to: str, body: str) -> SendResult:
        """Send ``body`` to ``to`` (any form :func:`normalize_phone` accepts); raise ``EngineError``."""
        ...


def normalize_phone(number: str) -> str:
    """E.164 (``+989121234567``) from what people type.

    Accepts E.164 with spaces, dashes or brackets, a ``00`` international prefix, Persian or Arabic
    digits, and Iranian mobile numbers in national form (``09121234567`` -> ``+989121234567``).
    """
    raw = _SEPARATORS.sub("", str(number or "").translate(_DIGITS))
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if _IRAN_MOBILE.match(raw):
        raw = "+98" + raw[1:]
    if raw.startswith("+980"):  # +98 0912... written with the trunk prefix
        raw = "+98" + raw[4:]
    if not _E164.match(raw):
        raise InvalidPhoneNumber(f"Not a valid phone number: {mask_phone(str(number))!r}")
    return raw


def mask_phone(number: str) -> str:
    """``+98912***4567``: enough to tell numbers apart in logs, not enough to call them."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:-7] + "***" + number[-4:]
