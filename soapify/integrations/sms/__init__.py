"""SMS engines: ``send(to, body) -> SendResult``; console for development, HTTP for a provider."""

from .base import InvalidPhoneNumber, SendResult, SMSEngine, normalize_phone
from .console import ConsoleSMSEngine
from .http import HttpSMSEngine

__all__ = [
    "ConsoleSMSEngine",
    "HttpSMSEngine",
    "InvalidPhoneNumber",
    "SMSEngine",
    "SendResult",
    "normalize_phone",
]
