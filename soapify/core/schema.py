"""OpenAPI schema: the error answers every operation can give, documented once.

A drf-spectacular post-processing hook adds to each operation the error statuses the framework
itself produces, with the one error body (``#/components/schemas/Error``):

- 400 everywhere (a NUL or a lone surrogate in the path, query or headers; malformed bodies);
- 401 where the operation accepts credentials (a missing, expired or revoked token);
- 404 where the path has parameters, or the body or query names another object (``*_id``,
  ``encounter``, ``template``) or a page of a list: unknown ids, other users' objects, pages
  past the end;
- 405 nowhere (methods not in the schema are simply not documented);
- 413 and 415 where the operation takes a body (too large; a media type it does not parse);
- 429 everywhere, with ``Retry-After``; operations limited by the rate-limit profiles
  (``accounts/throttles.py``, the default throttle) also document the ``RateLimit-*`` headers,
  those with throttles of their own (sign-in, share links) only ``Retry-After``;
- 503 everywhere (the database is unreachable: ``database_unavailable`` with ``Retry-After``).

Error statuses a view documents itself (409, 422, 429, ...) keep their description and get the
error body when they have none; ``errors(409, 422)`` in a view's ``extend_schema(responses=...)``
documents them with the standard descriptions.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import OpenApiResponse

from soapify.accounts.throttles import ProfileRateThrottle

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": 'One error shape everywhere: {"error": {"code", "message", "fields"?}}.',
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable code."},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Per-field messages (validation errors).",
                },
            },
            "required": ["code", "message"],
            "additionalProperties": True,
        }
    },
    "required": ["error"],
}

_DESCRIPTIONS = {
    400: "Invalid input: a validation error, malformed JSON, or a NUL / lone surrogate in the text.",
    401: "Not authenticated: credentials missing, invalid, expired or revoked.",
    404: "Not found, or not the caller's (never reveals existence).",
    413: "The request body is too large.",
    415: "The request body's media type is not accepted.",
    503: "The database is unavailable; retry after `Retry-After` seconds.",
}

_DESCRIPTIONS.update(
    {
        403: "Authenticated but not allowed.",
        409: "Conflicts with the current state (`error.code` says which).",
        410: "Gone: the upload session expired.",
        411: "A raw body needs a Content-Length.",
        422: "Well-formed but unusable (`error.code` says why).",
        429: "Too many requests: retry after `Retry-After` seconds.",
        502: "A provider (patient directory, SMS) answered wrongly or not at all (`error.code` says which).",
        504: "A provider (patient directory) did not answer in time.",
    }
)

_METHODS = ("get", "put", "post", "patch", "delete")


def _header(description: str) -> dict[str, Any]:
    return {"schema": {"type": "integer", "minimum": 0}, "description": description}


#: the headers of a 429 (docs/RATE-LIMITS.md); the RateLimit-* ones are on every answer of an
#: operation limited by the rate-limit profiles (not on the sign-in limiter's refusals)
RATE_LIMIT_HEADERS: dict[str, Any] = {
    "Retry-After": {**_header("Seconds to wait before retrying."), "required": True},
    "RateLimit-Limit": _header("Requests allowed in the current window (the caller's profile and scope)."),
    "RateLimit-Remaining": _header("Requests left in the current window (0 when refused)."),
    "RateLimit-Reset": _header("Seconds until the current window ends."),
    "RateLimit-Policy": {
        "schema": {"type": "string"},
        "description": 'The limit and window in seconds, e.g. `600;w=60;comment="default read"`.',
    },
}
# names of query parameters and body fields that point at another object (or at a page of a list)
_REFERENCE = re.compile(r"(^|_)id$|^encounter$|^template$|^catalog_item$|^page$")


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """``responses={201: X, **errors(409, 422)}``: error statuses with the standard description."""
    return {code: OpenApiResponse(description=_DESCRIPTIONS[code]) for code in codes}


def _references(operation: dict, schemas: dict) -> bool:
    """The query or the JSON body names another object by id."""
    names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    for media in operation.get("requestBody", {}).get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        names += list(schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}))
    return any(_REFERENCE.search(name) for name in names)


def _accepts_credentials(operation: dict, default_security: list) -> bool:
    security = operation.get("security", default_security)
    return any(requirement for requirement in security)


def _own_throttles(generator) -> set[tuple[str, str]]:
    """(path, method) of the operations whose views replace the profiles' throttle with their own."""
    own = set()
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or []:
        initkwargs = getattr(callback, "initkwargs", None) or {}
        classes = initkwargs.get(
            "throttle_classes", getattr(getattr(callback, "cls", None), "throttle_classes", ())
        )
        if not any(issubclass(cls, ProfileRateThrottle) for cls in classes or ()):
            own.add((path, method.lower()))
    return own


def error_responses(result: dict, generator, request, public) -> dict:  # noqa: ARG001 - hook signature
    own_throttles = _own_throttles(generator)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    default_security = result.get("security", [])
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            codes = {400, 429, 503}
            if _accepts_credentials(operation, default_security):
                codes.add(401)
            if "{" in path or _references(operation, schemas):
                codes.add(404)
            if "requestBody" in operation:
                codes |= {413, 415}
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(str(code), {"description": _DESCRIPTIONS[code]})
            limited_by_profiles = (path, method) not in own_throttles
            responses["429"].setdefault(
                "headers",
                RATE_LIMIT_HEADERS
                if limited_by_profiles
                else {"Retry-After": RATE_LIMIT_HEADERS["Retry-After"]},
            )
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400:
                    content = response.setdefault("content", {})
                    if not content.get("application/json", {}).get("schema"):
                        content["application/json"] = error_content["application/json"]
    return result
