"""Helpers for fake HTTP providers served by pytest-httpserver's ``httpserver`` fixture.

    httpserver.expect_oneshot_request("/v1/chat/completions").respond_with_json(..., status=503)
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(slow(1.0))

One-shot handlers answer in the order they were added; a permanent ``expect_request`` answers the
rest. ``httpserver.log`` holds every ``(request, response)`` seen.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from werkzeug import Request, Response


def base_url(httpserver: Any) -> str:
    """The server's root URL without a trailing slash."""
    return httpserver.url_for("/").rstrip("/")


def slow(seconds: float, body: Any = None, status: int = 200) -> Callable[[Request], Response]:
    """A handler that answers ``body`` as JSON after ``seconds`` (for time-out tests)."""

    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return Response(json.dumps(body or {}), status=status, content_type="application/json")

    return handler


def chat_completion(content: Any, model: str = "served-model") -> dict:
    """An OpenAI-compatible chat completion whose message is ``content`` (JSON-encoded unless a str)."""
    text = content if isinstance(content, str) or content is None else json.dumps(content)
    return {
        "id": "x",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
    }


def statuses(httpserver: Any) -> list[int]:
    """The status of every answer the server gave, in order."""
    return [response.status_code for _request, response in httpserver.log]


def drain(httpserver: Any) -> None:
    """Return once the server has finished every request it received (it answers one at a time)."""
    httpserver.expect_request("/__drain__").respond_with_data("")
    urllib.request.urlopen(httpserver.url_for("/__drain__"), timeout=30).close()  # noqa: S310 - local
