"""Checklist evaluators: ``rules.RulesEvaluator`` (keywords + MiniLM, offline) and ``llm.LLMEvaluator``."""

from soapify.checklist.engines.base import (
    CATEGORIES,
    PRIORITIES,
    STATUSES,
    ChecklistEvaluator,
    ItemResult,
    ItemSpec,
    validate_keywords,
)

__all__ = [
    "CATEGORIES",
    "PRIORITIES",
    "STATUSES",
    "ChecklistEvaluator",
    "ItemResult",
    "ItemSpec",
    "validate_keywords",
]
