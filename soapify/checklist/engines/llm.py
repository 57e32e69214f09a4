"""Optional checklist evaluator using any OpenAI-compatible chat API (OpenAI, vLLM, Ollama, …).

The model gets the transcript and the items and answers, per item, a status, a confidence and a
verbatim quote. Quotes are located in the transcript (exactly, then ignoring case and spacing);
a quote that cannot be found is dropped, so every evidence span is real text of the visit.

The HTTP work is done by ``soapify.core.llm.ChatClient`` (``chat_json(messages, schema=...)``,
which asks for a JSON-schema answer and falls back to ``json_object``), built from
``base_url``/``api_key``/``model``. It runs in a job, so a 429/5xx/time-out is not retried in the
request: the transient ``EngineError`` goes to the job runner, which retries it later. Pass ``client=`` to use any object with either
``chat_json(messages, *, schema=...) -> (dict, response)`` or the simpler
``complete_json(messages, schema) -> dict`` (tests use both).
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from soapify.checklist.engines.base import STATUSES, ItemResult, ItemSpec, render_question
from soapify.core.engines import EngineError
from soapify.core.transcript import TranscriptView, detect_language

ENGINE_NAME = "llm"
ENGINE_VERSION = "1.0"

SYSTEM_PROMPT = (
    "You audit a doctor-patient visit transcript against a checklist. For every checklist item decide "
    "whether the visit covered it: 'covered' (asked and answered, or clearly addressed - a negative "
    "answer such as 'no allergies' or 'I don't smoke' still counts as covered), 'partial' (touched on "
    "but incomplete), 'missing' (not discussed) or 'unclear' (ambiguous). Give a confidence from 0 to 1 "
    "and, unless missing, one short quote copied verbatim from the transcript as evidence. Answer with "
    "JSON only, following the schema."
)

RESULT_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "status": {"type": "string", "enum": list(STATUSES)},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    "quote": {"type": "string"},
                },
                "required": ["id", "status", "confidence"],
            },
        }
    },
    "required": ["items"],
}


class JSONChatClient(Protocol):
    def chat_json(
        self, messages: list[dict[str, str]], *, schema: dict[str, Any] | None = ..., schema_name: str = ...
    ) -> tuple[Any, Any]: ...


class LLMEvaluator:
    name = ENGINE_NAME
    version = ENGINE_VERSION

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        model: str = "",
        *,
        client: JSONChatClient | None = None,
        max_items_per_call: int = 25,
        max_transcript_chars: int = 60_000,
        timeout: float = 60.0,
        **client_options: Any,
    ) -> None:
        self.model = model
        self.served_model = ""
        self._client_options = client_options  # ChatClient's stream, max_seconds, response_format
        self.max_items_per_call = max_items_per_call
        self.max_transcript_chars = max_transcript_chars
        self._client = client
        self._base_url, self._api_key, self._timeout = base_url, api_key, timeout

    def _get_client(self) -> JSONChatClient:
        client = self._client
        if client is None:
            from soapify.core.llm import ChatClient

            if not self._base_url:
                raise EngineError("LLM_BASE_URL is not configured.", code="llm_unconfigured")
            client = self._client = ChatClient(
                self._base_url, self._api_key or "", self.model, timeout=self._timeout, **self._client_options
            )
        return client

    def evaluate(
        self, transcript: TranscriptView, items: list[ItemSpec], *, language: str | None = None
    ) -> list[ItemResult]:
        lang = language or transcript.language or detect_language(transcript.text)
        lang = "fa" if lang.startswith("fa") else "en"
        if len(transcript.text) > self.max_transcript_chars:
            raise EngineError("Transcript too long for the LLM evaluator.", code="transcript_too_long")
        answers: dict[str, dict] = {}
        for start in range(0, len(items), self.max_items_per_call):
            batch = items[start : start + self.max_items_per_call]
            answers.update(self._ask(transcript, batch))
        return [self._result(transcript, item, answers.get(str(item.id)), lang) for item in items]

    def _ask(self, transcript: TranscriptView, items: list[ItemSpec]) -> dict[str, dict]:
        catalog = [
            {"id": str(i.id), "title": i.title, "description": i.description, "category": i.category}
            for i in items
        ]
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {
                "role": "user",
                "content": "Checklist items:\n"
                + json.dumps(catalog, ensure_ascii=False)
                + "\n\nTranscript:\n"
                + transcript.text,
            },
        ]
        try:
            client = self._get_client()
            if hasattr(client, "complete_json"):
                reply = client.complete_json(messages, RESULT_SCHEMA)
            else:
                reply, response = client.chat_json(
                    messages, schema=RESULT_SCHEMA, schema_name="checklist_evaluation"
                )
                served = getattr(response, "model", "")
                if served:
                    self.served_model = served
        except EngineError:
            raise
        except (OSError, TimeoutError) as exc:
            raise EngineError(f"Chat API unreachable: {exc}", transient=True, code="llm_unreachable") from exc
        rows = reply.get("items") if isinstance(reply, dict) else None
        if not isinstance(rows, list):
            raise EngineError("The model's answer had no 'items' list.", code="llm_bad_output")
        return {str(r["id"]): r for r in rows if isinstance(r, dict) and "id" in r}

    def _result(
        self, transcript: TranscriptView, item: ItemSpec, answer: dict | None, lang: str
    ) -> ItemResult:
        details: dict[str, Any] = {}
        if answer is None:
            status, conf, quote = "unclear", 0.0, ""
            details["reason"] = "item absent from the model's answer"
        else:
            status = str(answer["status"]) if answer.get("status") in STATUSES else "unclear"
            conf = _clamp(answer.get("confidence"))
            quote = answer.get("quote") or ""
        span = locate_quote(transcript.text, quote) if quote and status != "missing" else None
        if quote and span is None and status != "missing":
            details["quote_dropped"] = quote[:200]
            conf *= 0.5
        evidence = transcript.text[span[0] : span[1]] if span else ""
        return ItemResult(
            item_id=item.id,
            status=status,
            confidence_score=round(conf, 3),
            evidence_text=evidence,
            anchor_positions=[{"start": span[0], "end": span[1]}] if span else [],
            generated_question=None if status == "covered" else render_question(item, lang),
            engine=self.name,
            engine_version=self.version,
            model=self.served_model or self.model,
            details=details,
        )


def locate_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Offsets of ``quote`` in ``text``: exact, else case- and whitespace-insensitive; None if absent."""
    quote = quote.strip().strip("\"'«»“”")
    if not quote:
        return None
    idx = text.find(quote)
    if idx >= 0:
        return idx, idx + len(quote)
    words = quote.split()
    pattern = r"[\s\u200c]+".join(re.escape(w) for w in words)
    m = re.search(pattern, text, flags=re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def _clamp(value: Any) -> float:
    try:
        return min(1.0, max(0.0, float(value)))
    except (TypeError, ValueError):
        return 0.0
