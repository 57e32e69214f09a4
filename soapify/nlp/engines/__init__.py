"""SOAP-draft engines. Chosen by the ``NOTE_ENGINES`` setting, e.g.

    NOTE_ENGINES = {
        "default": {"BACKEND": "soapify.nlp.engines.rules.RulesEngine", "OPTIONS": {}},
        "llm": {"BACKEND": "soapify.nlp.engines.llm.LLMEngine",
                "OPTIONS": {"base_url": "...", "api_key": "...", "model": "...", "fallback": "rules"}},
    }

Every engine: ``generate(transcript: TranscriptView, *, language=None) -> DraftResult`` (see ``base``).
"""

from soapify.core.engines import EngineHandler

#: The one registry of note engines (one instance per alias, reset when the setting changes).
note_engines = EngineHandler("NOTE_ENGINES")
