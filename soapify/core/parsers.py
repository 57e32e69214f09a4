"""Request parsers that refuse what the database or the code behind them cannot take.

Every text that reaches a view is checked here, once, instead of in each serializer:

- JSON nested deeper than ``JSON_MAX_DEPTH`` (Python's decoder would otherwise recurse until it
  fails) is a 400 ``invalid_json``;
- a NUL (``\\x00``, which PostgreSQL text cannot store) or a lone UTF-16 surrogate (``\\ud800`` ..
  ``\\udfff``; JSON allows them as escapes, UTF-8 cannot encode them) anywhere in a JSON body (keys
  included, at any depth) or in a form/multipart text field is a 400 ``invalid_characters``.

Query strings and path parameters are checked by ``core.middleware.InputCharactersMiddleware``.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# a NUL or any surrogate code point: a decoded JSON string keeps only the unpaired ones
# (a valid pair such as "\ud83d\ude00" is decoded to one character outside this range)
BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


class InputError(ParseError):
    """A 400 with a stable code, shaped like ``core.errors.ApiError`` by the exception handler.
    (Not an ``ApiError``: DRF imports this module while ``core.errors`` imports DRF's views.)"""

    def __init__(self, message: str, *, code: str, fields: dict | None = None) -> None:
        super().__init__(detail=message, code=code)
        self.code = code
        self.message = message
        self.fields = fields
        self.extra: dict = {}


class InvalidCharacters(InputError):
    default_code = "invalid_characters"
    default_detail = "Text may not contain NUL characters or unpaired UTF-16 surrogates."

    def __init__(self, *, fields: dict | None = None) -> None:
        super().__init__(str(self.default_detail), code=self.default_code, fields=fields)


class TooDeep(InputError):
    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON is nested deeper than {max_depth} levels.", code="invalid_json")


def has_bad_characters(text: str) -> bool:
    return BAD_CHARACTERS.search(text) is not None


def check_text(text: str, where: str) -> None:
    if has_bad_characters(text):
        raise InvalidCharacters(fields={where: [InvalidCharacters.default_detail]})


def check_json_value(data: Any, *, max_depth: int) -> None:
    """Walk a decoded JSON document without recursion: depth at most ``max_depth``, no bad text."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, str):
            check_text(value, where or "non_field_errors")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > max_depth:
            raise TooDeep(max_depth)
        if isinstance(value, dict):
            for key, item in value.items():
                path = f"{where}.{key}" if where else key
                check_text(key, where or "non_field_errors")
                stack.append((item, depth + 1, path))
        else:
            stack.extend((item, depth + 1, where) for item in value)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit and the text checks above."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.load(codecs.getreader(encoding)(stream), parse_constant=_refuse_constant)
        except RecursionError:
            raise TooDeep(settings.JSON_MAX_DEPTH) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        check_json_value(data, max_depth=settings.JSON_MAX_DEPTH)
        return data


def _refuse_constant(name: str) -> None:
    """``NaN``/``Infinity`` are not JSON (DRF's strict mode refuses them too)."""
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


def _check_form(data, files=None) -> None:
    """Text fields and their names (Django already strips unprintable characters from file names)."""
    for key, values in data.lists():
        check_text(key, "non_field_errors")
        for value in values:
            if isinstance(value, str):
                check_text(value, key)
    for key in files or ():
        check_text(key, "non_field_errors")


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _check_form(result.data, result.files)
        return result
