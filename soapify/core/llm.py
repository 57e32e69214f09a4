"""A small client for OpenAI-compatible chat APIs (OpenAI, GapGPT, vLLM, Ollama, llama.cpp).

``ChatClient.chat`` posts to ``{base_url}/chat/completions`` (``/v1`` is added when the base URL has
no version segment). Connection failures, and ``max_retries`` times 429/5xx answers, are retried in
the request by the session (``core.http.engine_session``); what is left raises ``EngineError``,
``transient`` for time-outs, connection failures, 429 and 5xx (the job runner retries those later).

``ChatClient.chat_json`` negotiates how to ask for JSON, because servers differ:

1. ``json_schema`` (OpenAI, GapGPT, vLLM, recent Ollama and llama.cpp);
2. ``{"type": "json_object", "schema": ...}`` (llama-cpp-python's server, which answers 500 to 1);
3. ``{"type": "json_object"}`` (older OpenAI-compatible servers);
4. no ``response_format``: the schema is written into the prompt.

A format the server refuses (400/422, or a 500/501 that the next format then gets past) steps down to
the next; the format that worked is remembered per server and model for a day, so later calls ask
that way at once. Two formats in a row failing with a 5xx mean the server is down: that error is
raised (transient), after two requests rather than four. ``response_format`` pins one format instead (``LLM_RESPONSE_FORMAT``).

Local models on CPUs need minutes per note: ``stream=True`` reads the answer as it is generated
(server-sent events), so ``timeout`` bounds the silence between tokens rather than the whole answer;
``max_seconds`` bounds the whole answer either way.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from cachetools import TTLCache

from soapify.core.engines import EngineError
from soapify.core.http import BAD_URL, engine_session, retry_after_seconds

_VERSIONED = re.compile(r"/v\d+[a-z0-9]*/?$")
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)

#: the ways of asking for JSON, best first (see the module's docstring)
JSON_FORMATS = ("json_schema", "json_object_schema", "json_object", "prompt")
#: (completions URL, model) -> the format that server accepted last; a day, then asked again
_ACCEPTED: TTLCache[tuple[str, str], str] = TTLCache(maxsize=256, ttl=24 * 3600)
_ACCEPTED_LOCK = threading.Lock()
#: statuses that may mean "this response_format is not supported" rather than "the server is down"
_REFUSALS = {400, 422, 500, 501}


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
        stream: bool = False,
        max_seconds: float | None = None,
        response_format: str = "auto",
    ) -> None:
        if response_format != "auto" and response_format not in JSON_FORMATS:
            raise EngineError(
                f"LLM_RESPONSE_FORMAT must be auto or one of {', '.join(JSON_FORMATS)}.",
                code="llm_misconfigured",
            )
        self.url = completions_url(base_url)
        self.api_key = api_key
        self.model = model
        self.timeout = timeout
        self.stream = stream
        self.max_seconds = max_seconds
        self.response_format = response_format
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
        """A JSON reply (parsed), asked for in the best format the server accepts."""
        last: EngineError | None = None
        for fmt in self._formats(schema):
            try:
                resp = self.chat(
                    _with_schema_prompt(messages, schema) if fmt == "prompt" else messages,
                    response_format=_response_format(fmt, schema, schema_name),
                    temperature=temperature,
                    max_tokens=max_tokens,
                )
            except EngineError as exc:
                status = getattr(exc, "http_status", None)
                if self.response_format != "auto" or status not in _REFUSALS:
                    raise
                if status >= 500 and last is not None and getattr(last, "http_status", 0) >= 500:
                    raise  # two formats in a row failed with a 5xx: the server is down
                last = exc  # perhaps this format: try the next one
                continue
            if self.response_format == "auto":
                with _ACCEPTED_LOCK:
                    _ACCEPTED[(self.url, self.model)] = fmt
            return parse_json_content(resp.content), resp
        assert last is not None
        raise last

    def _formats(self, schema: dict[str, Any] | None) -> list[str]:
        if self.response_format != "auto":
            return [self.response_format]
        formats = [f for f in JSON_FORMATS if schema is not None or "schema" not in f]
        with _ACCEPTED_LOCK:
            known = _ACCEPTED.get((self.url, self.model))
        return formats[formats.index(known) :] if known in formats else formats

    # ------------------------------------------------------------------ transport
    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.stream:
            body = {**body, "stream": True}
        try:
            resp = self.session.post(
                self.url, json=body, headers=self._headers(), timeout=self.timeout, stream=self.stream
            )
        except BAD_URL:
            raise EngineError("The chat API base URL is not valid.", code="llm_misconfigured") from None
        except requests.Timeout:
            raise EngineError("The chat API timed out.", transient=True, code="llm_timeout") from None
        except requests.RequestException:
            raise EngineError(
                "The chat API is unreachable.", transient=True, code="llm_unavailable"
            ) from None
        with resp:
            if resp.status_code >= 400:
                raise _status_error(resp)
            if self.stream and resp.headers.get("Content-Type", "").startswith("text/event-stream"):
                return self._read_stream(resp)
            try:
                return resp.json()
            except ValueError:
                raise EngineError("The chat API returned a non-JSON body.", code="llm_bad_response") from None

    def _read_stream(self, resp: requests.Response) -> dict[str, Any]:
        """Server-sent events of chat completion chunks, joined into one completion."""
        deadline = time.monotonic() + self.max_seconds if self.max_seconds else None
        parts: list[str] = []
        model = ""
        usage: dict[str, Any] = {}
        try:
            for line in resp.iter_lines(decode_unicode=True):
                if deadline is not None and time.monotonic() > deadline:
                    raise EngineError(
                        "The chat API took too long to answer.", transient=True, code="llm_timeout"
                    )
                if not line or not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                try:
                    chunk = json.loads(data)
                    delta = chunk["choices"][0].get("delta") or {} if chunk.get("choices") else {}
                except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                    raise EngineError(
                        "The chat API sent a malformed stream.", code="llm_bad_response"
                    ) from None
                parts.append(delta.get("content") or "")
                model = chunk.get("model") or model
                usage = chunk.get("usage") or usage
        except requests.RequestException:
            raise EngineError(
                "The chat API stream was interrupted.", transient=True, code="llm_timeout"
            ) from None
        message = {"role": "assistant", "content": "".join(parts)}
        return {"model": model, "usage": usage, "choices": [{"index": 0, "message": message}]}


def _status_error(resp: requests.Response) -> EngineError:
    status = resp.status_code
    if status == 429 or status >= 500:
        error = EngineError(
            f"The chat API answered {status}.",
            transient=True,
            code="llm_rate_limited" if status == 429 else "llm_unavailable",
            retry_after=retry_after_seconds(resp.headers.get("Retry-After")),
        )
    else:
        code = "llm_bad_request" if status in (400, 422) else "llm_rejected"
        error = EngineError(f"The chat API refused the request ({status}).", code=code)
    error.http_status = status  # type: ignore[attr-defined]  # read by the format negotiation
    return error


def _response_format(fmt: str, schema: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    if fmt == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": False}}
    if fmt == "json_object_schema":
        return {"type": "json_object", "schema": schema}
    if fmt == "json_object":
        return {"type": "json_object"}
    return None


def _with_schema_prompt(
    messages: list[dict[str, str]], schema: dict[str, Any] | None
) -> list[dict[str, str]]:
    """The messages with the schema spelled out in the system prompt (servers with no JSON mode)."""
    rule = "Answer with one JSON object only, no prose and no code fence."
    if schema is not None:
        rule += " It must follow this JSON schema: " + json.dumps(schema, ensure_ascii=False)
    if messages and messages[0]["role"] == "system":
        return [{**messages[0], "content": messages[0]["content"] + "\n\n" + rule}, *messages[1:]]
    return [{"role": "system", "content": rule}, *messages]
