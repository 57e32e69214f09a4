"""SMS engines: ``send(to, body) -> SendResult``; console for development, HTTP and Kavenegar for providers."""

from soapify.core.engines import EngineHandler

from .base import InvalidPhoneNumber, SendResult, SMSEngine, normalize_phone
from .console import ConsoleSMSEngine
from .http import HttpSMSEngine
from .kavenegar import KavenegarSMSEngine

#: the configured SMS engines (``SMS_ENGINES``): ``sms_engines["default"].send(to, body)``
sms_engines = EngineHandler("SMS_ENGINES")

__all__ = [
    "ConsoleSMSEngine",
    "HttpSMSEngine",
    "InvalidPhoneNumber",
    "KavenegarSMSEngine",
    "SMSEngine",
    "SendResult",
    "normalize_phone",
    "sms_engines",
]
