"""A small client for OpenAI-compatible chat APIs (OpenAI, GapGPT, vLLM, Ollama, llama.cpp).

``ChatClient.chat`` posts to ``{base_url}/chat/completions`` (``/v1`` is added when the base URL has
no version segment), asks for JSON when told to (``json_schema`` first, ``json_object`` if the
server refuses schemas). Connection failures, and ``max_retries`` times 429/5xx answers, are retried in
the request by the session (``core.http.engine_session``); what is left raises ``EngineError``,
``transient`` for time-outs, connection failures, 429 and 5xx (the job runner retries those later).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import requests

from soapify.core.engines import EngineError
from soapify.core.http import BAD_URL, engine_session, retry_after_seconds

_VERSIONED = re.compile(r"/v\d+[a-z0-9]*/?$")
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


@dataclass(slots=True)
class ChatResponse:
    content: str
    model: str
    usage: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def completions_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if not _VERSIONED.search(base):
        base += "/v1"
    return base + "/chat/completions"


def parse_json_content(content: str) -> Any:
    """JSON from a model reply, tolerating a Markdown code fence; ``EngineError`` if it is not JSON."""
    text = content.strip()
    m = _FENCE.match(text)
    if m:
        text = m.group(1)
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(text[start : end + 1])
            except ValueError:
                pass
    raise EngineError("The model did not return valid JSON.", transient=False, code="llm_invalid_json")


class ChatClient:
    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        model: str = "",
        *,
        timeout: float = 60.0,
        max_retries: int = 0,
        backoff: float = 0.5,
    ) -> None:
        self.url = completions_url(base_url)
        self.api_key = api_key
        self.model = model
        self.timeout = timeout
        self.session = engine_session(retries=max_retries, backoff=backoff)

    # ------------------------------------------------------------------ public
    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        response_format: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        model: str | None = None,
    ) -> ChatResponse:
        body: dict[str, Any] = {
            "model": model or self.model,
            "messages": messages,
            "temperature": temperature,
        }
        if max_tokens:
            body["max_tokens"] = max_tokens
        if response_format:
            body["response_format"] = response_format
        data = self._post(body)
        try:
            content = data["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise EngineError("The chat API returned no message.", transient=False, code="llm_bad_response")
        return ChatResponse(content=content, model=data.get("model") or body["model"], usage=data.get("usage") or {},
                            raw=data)  # fmt: skip

    def chat_json(
        self,
        messages: list[dict[str, str]],
        *,
        schema: dict[str, Any] | None = None,
        schema_name: str = "result",
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> tuple[Any, ChatResponse]:
        """A JSON reply (parsed). Uses a JSON schema when given, falling back to ``json_object``."""
        fmt: dict[str, Any] = {"type": "json_object"}
        if schema is not None:
            fmt = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": False},
            }
        try:
            resp = self.chat(messages, response_format=fmt, temperature=temperature, max_tokens=max_tokens)
        except EngineError as exc:
            if exc.code != "llm_bad_request" or schema is None:
                raise
            resp = self.chat(messages, response_format={"type": "json_object"}, temperature=temperature,
                             max_tokens=max_tokens)  # fmt: skip
        return parse_json_content(resp.content), resp

    # ------------------------------------------------------------------ transport
    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            resp = self.session.post(self.url, json=body, headers=self._headers(), timeout=self.timeout)
        except BAD_URL:
            raise EngineError("The chat API base URL is not valid.", code="llm_misconfigured") from None
        except requests.Timeout:
            raise EngineError("The chat API timed out.", transient=True, code="llm_timeout") from None
        except requests.RequestException:
            raise EngineError(
                "The chat API is unreachable.", transient=True, code="llm_unavailable"
            ) from None
        if resp.status_code == 429 or resp.status_code >= 500:
            raise EngineError(
                f"The chat API answered {resp.status_code}.",
                transient=True,
                code="llm_rate_limited" if resp.status_code == 429 else "llm_unavailable",
                retry_after=retry_after_seconds(resp.headers.get("Retry-After")),
            )
        if resp.status_code >= 400:
            code = "llm_bad_request" if resp.status_code in (400, 422) else "llm_rejected"
            raise EngineError(f"The chat API refused the request ({resp.status_code}).", code=code)
        try:
            return resp.json()
        except ValueError:
            raise EngineError("The chat API returned a non-JSON body.", code="llm_bad_response") from None
