"""One error shape for the whole API, produced by one exception handler.

    {"error": {"code": "validation_error", "message": "...", "fields": {...}}}

Services raise ``ApiError`` subclasses (they carry an HTTP status and a stable code); DRF's own
exceptions are reshaped; anything else is logged and becomes a 500 with no internals in the body.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from soapify.core.parsers import InputError

logger = logging.getLogger("soapify.errors")


class ApiError(exceptions.APIException):
    """An error a service raises on purpose; ``code`` is stable and documented."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"
    default_detail = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict | None = None,
        status_code: int | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(detail=message or self.default_detail, code=code or self.default_code)
        self.code = code or self.default_code
        self.message = message or str(self.default_detail)
        self.fields = fields
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class Unprocessable(ApiError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"
    default_detail = "The request is well-formed but cannot be processed."


class PayloadTooLarge(ApiError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class UnsupportedMedia(ApiError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_code = "unsupported_media_type"
    default_detail = "The media type is not supported."


class Forbidden(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "forbidden"
    default_detail = "You do not have permission to perform this action."


class NotFound(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_detail = "Not found."


_DRF_CODES: dict[type, str] = {
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "validation_error",
}


def error_body(code: str, message: str, fields: Any = None, **extra: Any) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return {"error": body}


def _message_of(detail: Any) -> str:
    if isinstance(detail, list | tuple) and detail:
        return _message_of(detail[0])
    if isinstance(detail, dict):
        if "detail" in detail:
            return _message_of(detail["detail"])
        return "Some fields are invalid."
    return str(detail)


#: Seconds a client is told to wait (``Retry-After``) when the database is unreachable.
DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException | None) -> bool:
    """``exc`` says the database could not be reached or the connection broke (not a bad query)."""
    return isinstance(exc, OperationalError | InterfaceError)


def _database_unavailable_body() -> dict:
    return error_body("database_unavailable", "The database is unavailable; retry later.")


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if database_unavailable(exc):
        logger.warning("database unavailable: %s", (str(exc).strip().splitlines() or [""])[0])
        set_rollback()
        return Response(
            _database_unavailable_body(),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge("The request body exceeds the maximum allowed size.")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError("The request was malformed.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
        return Response(
            error_body("internal_error", "An internal error occurred."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, ApiError | InputError):
        response.data = error_body(exc.code, exc.message, exc.fields, **exc.extra)
        return response

    # a subclass that names its own code (e.g. accounts' SessionExpired: "session_expired") keeps it
    own_code = type(exc).__dict__.get("default_code") if type(exc) not in _DRF_CODES else None
    code = own_code or next((c for t, c in _DRF_CODES.items() if isinstance(exc, t)), "error")
    detail = getattr(exc, "detail", str(exc))
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        message = "Invalid input."
        if isinstance(detail, dict) and list(detail) == ["non_field_errors"]:
            message = _message_of(detail["non_field_errors"])
        response.data = error_body(code, message, fields)
    elif isinstance(exc, exceptions.Throttled):
        response.data = error_body(
            code, "Too many requests; retry later.", retry_after=getattr(exc, "wait", None)
        )
    else:
        if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
            response.status_code = status.HTTP_401_UNAUTHORIZED
        response.data = error_body(code, _message_of(detail))
    return response


def json_error_view(status_code: int, code: str, message: str):
    """Django's own error handlers (``handler400`` ...) in the one error shape. A body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` read outside DRF (Django raises ``RequestDataTooBig``, a
    ``SuspiciousOperation`` it answers with ``handler400``) is a 413."""

    def view(request, exception=None):  # noqa: ARG001 - Django handler signature
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(
                error_body("payload_too_large", "The request body exceeds the maximum allowed size."),
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        return JsonResponse(error_body(code, message), status=status_code)

    return view


def server_error(request):
    """``handler500``: whatever escaped a view or a middleware. A database that cannot be reached
    is a 503 ``database_unavailable`` with ``Retry-After`` (Django calls this while the exception
    is being handled), anything else the usual 500."""
    if database_unavailable(sys.exc_info()[1]):
        response = JsonResponse(_database_unavailable_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    return JsonResponse(error_body("internal_error", "An internal error occurred."), status=500)
