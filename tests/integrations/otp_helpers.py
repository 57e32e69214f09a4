"""Helpers of the OTP and session-window tests."""

from __future__ import annotations

import re

from rest_framework.test import APIClient

from soapify.integrations.sms import sms_engines

SEND = "/api/integrations/otp/send/"
VERIFY = "/api/integrations/otp/verify/"
PHONE = "09121234567"
E164 = "+989121234567"


def last_code(number: str = E164) -> str:
    """The code of the last SMS the console engine 'sent' to ``number``."""
    for to, body, _id in reversed(sms_engines["default"].sent):
        if to == number:
            return re.search(r"\d{6}", body).group()
    raise AssertionError(f"no SMS to {number}")


def sms_count() -> int:
    return len(sms_engines["default"].sent)


def sign_in(client: APIClient | None = None, phone: str = PHONE) -> dict:
    """Send and verify a code; the window's ``{access, refresh, expires_at, ...}``."""
    client = client or APIClient()
    assert client.post(SEND, {"phone_number": phone}, format="json").status_code == 200
    response = client.post(VERIFY, {"phone_number": phone, "code": last_code()}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
