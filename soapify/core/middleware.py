from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import JsonResponse

from soapify.core.errors import error_body
from soapify.core.parsers import InvalidCharacters, has_bad_characters


class InputCharactersMiddleware:
    """Every request: a NUL or a lone UTF-16 surrogate in the path, in a query parameter (name or
    value) or in a header, or a query string that is not UTF-8, is a 400 ``invalid_characters``
    before anything (sessions, auth, views, the database) sees it. Bodies are checked by the
    parsers in ``core.parsers``."""

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _bad_part(request) -> tuple[str, str] | None:
        """``(where, why)`` of the first bad part, or None."""
        if has_bad_characters(request.path_info):
            return "path", _BAD_CHARACTER.format(where="path")
        try:  # Django decodes the query leniently: a surrogate sent as UTF-8 bytes would become U+FFFD
            unquote_to_bytes(request.META.get("QUERY_STRING", "")).decode("utf-8")
        except UnicodeDecodeError:
            return (
                "query",
                "The query is not UTF-8 (an encoded unpaired UTF-16 surrogate, or other invalid bytes).",
            )
        for key, values in request.GET.lists():
            if has_bad_characters(key) or any(has_bad_characters(v) for v in values):
                return "query", _BAD_CHARACTER.format(where="query")
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and has_bad_characters(value):
                return "headers", _BAD_CHARACTER.format(where="headers")
        return None

    def __call__(self, request):
        bad = self._bad_part(request)
        if bad is not None:
            where, why = bad
            response = JsonResponse(
                error_body(InvalidCharacters.default_code, InvalidCharacters.default_detail, {where: [why]}),
                status=400,
            )
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


_BAD_CHARACTER = "The {where} contains a NUL character or an unpaired UTF-16 surrogate."


class ApiHeadersMiddleware:
    """API requests: bodies over the limit are refused with 413 before anything reads them, and
    responses are never cached by browsers or proxies (they carry patient data).

    JSON and form bodies may be at most ``DATA_UPLOAD_MAX_MEMORY_SIZE``; multipart uploads at most
    ``UPLOAD_REQUEST_MAX_BYTES``; paths under ``BODY_LIMIT_EXEMPT_PREFIXES`` (signed raw uploads)
    enforce their own limits while streaming.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _limit_for(self, request) -> int | None:
        if any(request.path.startswith(p) for p in settings.BODY_LIMIT_EXEMPT_PREFIXES):
            return None
        if (request.content_type or "").startswith("multipart/"):
            return settings.UPLOAD_REQUEST_MAX_BYTES
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def __call__(self, request):
        path = request.path
        is_api = path.startswith("/api/") or path.startswith("/adminplus/")
        if is_api:
            limit = self._limit_for(request)
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if limit is not None and length > limit:
                response = JsonResponse(
                    error_body("payload_too_large", f"The request body exceeds {limit} bytes."), status=413
                )
                response["Cache-Control"] = "no-store"
                return response
        response = self.get_response(request)
        if is_api:
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
