"""API errors of the integrations (the one error shape; codes are stable and documented)."""

from __future__ import annotations

from rest_framework import exceptions

from soapify.core.engines import EngineError
from soapify.core.errors import ApiError


def directory_error(exc: EngineError) -> ApiError:
    """A directory engine's failure as the API's answer: 504 for a time-out, 502 otherwise."""
    if exc.code == "directory_timeout":
        return ApiError(
            "The patient directory did not answer in time; retry later.", code=exc.code, status_code=504
        )
    code = exc.code if exc.code.startswith("directory_") else "directory_unavailable"
    return ApiError(f"The patient directory could not answer: {exc.message}", code=code, status_code=502)


def sms_error(exc: EngineError) -> ApiError:
    """An SMS engine's failure: 503 when the provider is unavailable, 502 when it refused."""
    if exc.transient:
        return ApiError(
            "The SMS provider is unavailable; retry later.", code="sms_unavailable", status_code=503
        )
    return ApiError("The SMS provider could not send the code.", code="sms_failed", status_code=502)


class OTPLocked(exceptions.Throttled):
    """The number is locked after too many wrong codes: 429 with ``Retry-After``."""

    default_detail = "Too many wrong codes for this number; retry later."


class OTPInvalid(ApiError):
    default_code = "otp_invalid"
    default_detail = "The code is wrong, has expired or was already used."
