"""Request rates of the one-time code sends: per client IP and per phone number.

The rates are ``THROTTLE_RATES["otp"]`` (per IP) and ``["otp_phone"]`` (per number), written like
the sign-in limiter's (``"5/min"``, ``"3/10m"``) and read with its parser; addresses are taken as
the limiter takes them (IPv6 by /64) and numbers are hashed in the key."""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import APIException
from rest_framework.throttling import SimpleRateThrottle

from soapify.accounts.limiter import client_known, client_of, parse_rate

from .services_otp import otp_account, phone_digest
from .sms import InvalidPhoneNumber, normalize_phone


class OTPSendIPThrottle(SimpleRateThrottle):
    scope = "otp"

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def parse_rate(self, rate):
        parsed = parse_rate(rate)
        return (parsed.limit, parsed.period) if parsed else (None, None)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_of(request)}


def _number(request) -> str | None:
    try:
        data = request.data
        return normalize_phone(str(data.get("phone_number") or "")) if hasattr(data, "get") else None
    except (InvalidPhoneNumber, APIException):  # no usable number: the view answers its 400
        return None


class OTPSendPhoneThrottle(OTPSendIPThrottle):
    """Per number, for clients that never signed in with it: a stranger using up a number's sends
    does not stop its owner, whose usual client is known (``accounts.limiter.client_known``)."""

    scope = "otp_phone"

    def get_cache_key(self, request, view):
        number = _number(request)
        if not number or client_known(request, otp_account(number)):
            return None
        return self.cache_format % {"scope": self.scope, "ident": phone_digest(number)}
