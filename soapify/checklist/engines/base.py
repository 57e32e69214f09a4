"""What every checklist evaluator takes and gives: plain dataclasses, no ORM, no HTTP.

Keyword objects (``ChecklistCatalog.keywords``)
------------------------------------------------
One object with up to five keys, each a non-empty list of non-empty strings::

    {"any": [...], "all": [...], "synonyms": [...], "partial": [...], "limited": [...]}

* ``synonyms`` – names of the topic itself ("vital signs", "family history"): any one of them
  covers the item on its own. The English ones are also embedded for the semantic matcher.
* ``any``      – the topic is covered when at least one term occurs.
* ``all``      – every term must occur; when only some do the item is ``partial``.

* ``partial``  – weak evidence: on its own it gives ``partial``, never ``covered`` (a generic
  "call me if you need anything" for the safety-net advice).
* ``limited``  – qualifiers: a mention in a sentence with one of these terms, or in the answer to a
  question that had one, gives only ``partial`` ("seasonal allergies" for drug allergies).

At least one of ``any``/``all``/``synonyms`` is required. ``any`` and ``all`` combine with AND (one ``any`` term and every ``all`` term); ``synonyms`` are
an alternative to both (synonym found OR the ``any``/``all`` conditions hold). A match of only
part of the conditions gives ``partial``. Lists are **mixed-language**: English and Persian terms sit side by side in
the same list (``{"any": ["allergy", "allergies", "حساسیت"]}``); there is no per-language
sub-object, because the matcher does not need to know the visit's language to find a term.

Term syntax: case-insensitive, whole words; several words match across any run of spaces,
hyphens or ZWNJ (``"follow up"`` finds "follow-up"). An English term also finds its plural in
``-s``/``-es`` ("smoke" finds "smokes" but not "smokey" or "smoker"); a trailing ``*`` makes a
prefix ("smok*" finds smoke, smoker, smoking), also on a word inside a term ("pass* out" finds
"passed out"; before 2026-12-07 that "*" was taken literally and such terms never matched); ``|`` separates alternatives inside one term, which
is how an ``all`` entry can have synonyms (``"heart rate|pulse|ضربان"``). Persian terms are
normalised (Arabic ي/ك → ی/ک, ZWNJ → space, Persian/Arabic digits → ASCII) and also find the
common attached suffixes (ها، های، ی، ای، م، ت، ش، مان، تان، شان، رو …).

Question templates (``ChecklistCatalog.question_template``) are either one string or
``{"en": "...", "fa": "..."}``; ``{title}`` in a template is replaced by the item's title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from soapify.core.transcript import TranscriptView

STATUSES = ("covered", "partial", "missing", "unclear")
CATEGORIES = ("subjective", "objective", "assessment", "plan", "general")
PRIORITIES = ("low", "medium", "high", "critical")
KEYWORD_KEYS = ("any", "all", "synonyms", "partial", "limited")
_MAIN_KEYWORD_KEYS = ("any", "all", "synonyms")
LANGUAGES = ("en", "fa")

_MAX_TERMS = 200
_MAX_TERM_LENGTH = 120


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One checklist item as the evaluator sees it (built from a ``ChecklistCatalog`` row)."""

    id: Any
    title: str
    description: str = ""
    category: str = "general"
    priority: str = "medium"
    keywords: dict = field(default_factory=dict)
    question_template: str | dict = ""
    key: str = ""  # the catalog key ("allergies"); ties a starter item to its topic profile


@dataclass(slots=True)
class ItemResult:
    """The evaluation of one item against one transcript (maps onto a ``ChecklistEval`` row).

    ``anchor_positions`` holds one primary span with
    ``transcript.text[start:end] == evidence_text``; both are empty when nothing was found.
    ``details`` carries engine-specific diagnostics (matched terms, similarity, polarity).
    """

    item_id: Any
    status: str
    confidence_score: float
    evidence_text: str = ""
    anchor_positions: list[dict] = field(default_factory=list)
    generated_question: str | None = None
    engine: str = ""
    engine_version: str = ""
    model: str = ""
    details: dict = field(default_factory=dict)
    notes: str = ""  # why the status: shown to the doctor until they write notes of their own

    def as_dict(self) -> dict:
        return {
            "item_id": self.item_id,
            "status": self.status,
            "confidence_score": self.confidence_score,
            "evidence_text": self.evidence_text,
            "anchor_positions": list(self.anchor_positions),
            "generated_question": self.generated_question,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "model": self.model,
            "details": dict(self.details),
            "notes": self.notes,
        }


class ChecklistEvaluator(Protocol):
    name: str
    version: str

    def evaluate(
        self, transcript: TranscriptView, items: list[ItemSpec], *, language: str | None = None
    ) -> list[ItemResult]:
        """One result per item, in the order of ``items``. Raises ``EngineError`` on failure."""
        ...


def validate_keywords(obj: Any) -> list[str]:
    """Errors of a keyword object (empty list when it is valid); see the module docstring."""
    if not isinstance(obj, dict):
        return ["keywords must be an object."]
    if not obj:
        return [f"keywords must have at least one of {', '.join(KEYWORD_KEYS)}."]
    errors: list[str] = []
    for key, terms in obj.items():
        if key not in KEYWORD_KEYS:
            errors.append(f"Unknown key {key!r}; allowed keys are {', '.join(KEYWORD_KEYS)}.")
            continue
        errors.extend(_validate_term_list(key, terms))
    if not errors and not any(k in obj for k in _MAIN_KEYWORD_KEYS):
        errors.append(f"keywords must have at least one of {', '.join(_MAIN_KEYWORD_KEYS)}.")
    return errors


def _validate_term_list(key: str, terms: Any) -> list[str]:
    if not isinstance(terms, list):
        return [f"{key!r} must be a list of strings."]
    if not terms:
        return [f"{key!r} must not be empty."]
    if len(terms) > _MAX_TERMS:
        return [f"{key!r} has more than {_MAX_TERMS} terms."]
    errors: list[str] = []
    for i, term in enumerate(terms):
        if not isinstance(term, str):
            errors.append(f"{key}[{i}] must be a string.")
        elif not term.strip() or not any(alt.strip(" *") for alt in term.split("|")):
            errors.append(f"{key}[{i}] must not be empty.")
        elif len(term) > _MAX_TERM_LENGTH:
            errors.append(f"{key}[{i}] is longer than {_MAX_TERM_LENGTH} characters.")
        elif any(not alt.strip(" *") for alt in term.split("|")):
            errors.append(f"{key}[{i}] has an empty alternative.")
    return errors


def validate_question_template(obj: Any) -> list[str]:
    """Errors of a question template: a non-empty string or ``{"en": str, "fa": str}``."""
    if isinstance(obj, str):
        return [] if obj.strip() else ["question_template must not be empty."]
    if not isinstance(obj, dict) or not obj:
        return ["question_template must be a string or an object with 'en' and/or 'fa'."]
    errors = [
        f"Unknown language {k!r}; use one of {', '.join(LANGUAGES)}." for k in obj if k not in LANGUAGES
    ]
    errors += [
        f"question_template[{k!r}] must be a non-empty string."
        for k, v in obj.items()
        if k in LANGUAGES and not (isinstance(v, str) and v.strip())
    ]
    return errors


def render_question(item: ItemSpec, language: str) -> str | None:
    """The item's question in ``language`` (falling back to the other language, then the title)."""
    tmpl = item.question_template
    if isinstance(tmpl, dict):
        text = tmpl.get(language) or tmpl.get("en") or next((v for v in tmpl.values() if v), "")
    else:
        text = tmpl or ""
    if not text:
        text = f"{item.title}?" if language != "fa" else f"{item.title}؟"
    return text.replace("{title}", item.title)


# --- Persian-aware, length-preserving normalisation ----------------------------------------------

_CHAR_MAP = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0649": "\u06cc",  # alef maksura -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0624": "\u0648",  # waw with hamza -> waw ("سؤال" as "سوال")
        "\u064b": " ",  # tanween (word-final: "فوراً", "احتمالاً") -> space, so "فورا" matches
        "\u064c": " ",
        "\u064d": " ",
        "\u200c": " ",  # ZWNJ -> space
        "\u200d": " ",  # ZWJ -> space
        "\u2019": "'",  # right single quote -> apostrophe
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
    }
)


def normalize_text(text: str) -> str:
    """Lower-case and Persian-normalise ``text`` keeping its length, so offsets stay valid."""
    # tanween written before the alef ("فورًا") as after it ("فوراً"): the same length either way
    out = text.replace("\u064b\u0627", "\u0627\u064b").translate(_CHAR_MAP)
    lowered = out.lower()
    if len(lowered) == len(out):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in out)


_PERSIAN = re.compile(r"[\u0600-\u06FF]")


def is_persian(text: str) -> bool:
    return bool(_PERSIAN.search(text))
