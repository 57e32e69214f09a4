"""Keyword matching for the rules evaluator: keyword terms compiled to patterns (see ``base`` for the
syntax), their hits in the normalised transcript, whether the hits cover the item, and which hit
is the evidence (negated or not)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy as np

from soapify.checklist.engines.base import is_persian, normalize_text
from soapify.checklist.engines.sentences import Sentence, answer_sentence

_FA_SUFFIXES = r"(?:هایی|های|ها|ای|یی|ی|ام|ات|اش|م|ت|ش|مان|تان|شان|مون|تون|شون|رو|را|ه|تر|ترین)"
_FA_SUFFIX = rf"(?:\s?{_FA_SUFFIXES})?{_FA_SUFFIXES}?"  # up to two attached suffixes: داروهام
_EN_PLURAL = r"(?:s|es)?"


_NEGATION = re.compile(
    r"\b(?:no|not|nope|never|none|denies|denied|deny|without|negative|n't|dont|doesnt|didnt|quit|"
    r"nothing|neither|nor)\b|n't"
    r"|(?:^|\s)(?:نه|خیر|هیچ|ندارم|نداره|ندارد|نداشتم|نمی|نکشیدم|نمیکشم|بدون)",
)
# "no, just the tylenol" / "نه، فقط استامینوفن" names what there is: no denial
_NEGATIVE_ANSWER = re.compile(
    r"^\W*(?:no|nope|never|none|not really|nah|نه|خیر|نخیر|هیچ)\b"
    r"(?![\s,،.]*(?:just|only|but|except|apart from|other than|besides|فقط|ولی|اما|جز|به جز|بجز)(?!\w))"
)


@dataclass(frozen=True, slots=True)
class CompiledItem:
    synonyms: re.Pattern | None
    any: re.Pattern | None
    all_terms: tuple[re.Pattern, ...]
    prototypes: tuple[str, ...]
    stems: frozenset[str]
    weak: re.Pattern | None = None
    limited: re.Pattern | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    sentence: int
    group: str  # "syn", "any" or "all:<i>"


def compile_term(term: str) -> str:
    """Regex source for one keyword term (alternatives with ``|``, prefix with ``*``), bounded by
    non-word characters."""
    alternatives = _alternatives(term)
    return _bounded(alternatives) if alternatives else ""


def _alternatives(term: str) -> list[str]:
    return [f"(?:{_compile_alternative(alt)})" for alt in term.split("|") if alt.strip(" *")]


def _bounded(alternatives: list[str]) -> str:
    # One pair of boundaries around all the alternatives, not one per alternative: the same
    # matches (the alternation still backtracks through them in order), half the scanning time.
    return rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)"


#: Persian word endings after which the ezafe is written as «ی» («قفسه‌ی سینه», «پای چپ», «داروی فشار»)
_EZAFE_AFTER = frozenset("هاو")


def _compile_alternative(alt: str) -> str:
    text = normalize_text(alt.strip())
    prefix = text.endswith("*")
    tokens = text.rstrip("*").split()
    persian = is_persian(text)
    parts: list[str] = []
    for i, tok in enumerate(tokens):
        if i and persian and tokens[i - 1][-1:] in _EZAFE_AFTER:
            parts.append(r"(?:[\s\-]*ی)?[\s\-]*")  # the written ezafe: «قفسه‌ی سینه» for «قفسه سینه»
        elif i:
            parts.append(r"[\s\-]*" if persian else r"[\s\-]+")
        # a "*" ending a word inside the term is a prefix too ("pass* out" finds "passed out")
        parts.append(re.escape(tok[:-1]) + r"\w*" if tok.endswith("*") and tok.strip("*") else re.escape(tok))
    body = "".join(parts)
    if prefix:
        tail = r"\w*"
    elif persian:
        tail = _FA_SUFFIX
    elif tokens and tokens[-1][-1:].isalpha():
        tail = _EN_PLURAL
    else:
        tail = ""
    return f"{body}{tail}"


def compile_group(terms: list[str]) -> re.Pattern | None:
    alternatives = [a for t in terms if isinstance(t, str) and t.strip(" *|") for a in _alternatives(t)]
    return re.compile(_bounded(alternatives)) if alternatives else None


STRONG_GROUPS = frozenset({"syn", "any"})


def limited_sentences(comp: CompiledItem, hits: list[Hit], sentences: list[Sentence]) -> set[int]:
    """Sentences whose mentions only count as partial: those with a ``limited`` term ("seasonal"
    allergies), and the answer to a question that had one."""
    marked = {h.sentence for h in hits if h.group == "limited"}
    out = set(marked)
    for idx in marked:
        answer = answer_sentence(sentences, idx)
        if answer is not None:
            out.add(sentences.index(answer, idx))
    return out


def keyword_status(
    comp: CompiledItem, hits: list[Hit], sentences: list[Sentence] | None = None
) -> tuple[bool, list[Hit]]:
    """Whether the keyword rules cover the item, and the hits that count as its evidence.
    Mentions in ``limited`` sentences and ``partial`` terms never cover an item on their own."""
    if comp.limited is not None and sentences is not None:
        limited = limited_sentences(comp, hits, sentences)
        hits = [h for h in hits if h.sentence not in limited]
    hits = [h for h in hits if h.group not in ("weak", "limited")]
    syn_hits = [h for h in hits if h.group == "syn"]
    any_found = any(h.group == "any" for h in hits)
    all_found = {h.group for h in hits if h.group.startswith("all:")}
    has_conditions = comp.any is not None or bool(comp.all_terms)
    conditions_hold = (
        has_conditions and (comp.any is None or any_found) and len(all_found) == len(comp.all_terms)
    )
    if syn_hits and not conditions_hold:
        return True, syn_hits
    return conditions_hold, hits


def find_hits(norm: str, starts: list[int], comp: CompiledItem) -> list[Hit]:
    hits: list[Hit] = []
    groups: list[tuple[str, re.Pattern]] = []
    if comp.synonyms is not None:
        groups.append(("syn", comp.synonyms))
    if comp.any is not None:
        groups.append(("any", comp.any))
    groups += [(f"all:{i}", p) for i, p in enumerate(comp.all_terms)]
    if comp.weak is not None:
        groups.append(("weak", comp.weak))
    if comp.limited is not None:
        groups.append(("limited", comp.limited))
    for name, pat in groups:
        for m in pat.finditer(norm):
            sent = max(0, bisect.bisect_right(starts, m.start()) - 1)
            hits.append(Hit(m.start(), m.end(), sent, name))
    return hits


def best_hit(hits: list[Hit], sims: np.ndarray | None) -> Hit:
    """The hit whose sentence best matches the item (most distinct groups first, then similarity)."""
    groups_per_sentence: dict[int, set[str]] = {}
    for h in hits:
        groups_per_sentence.setdefault(h.sentence, set()).add(h.group)

    def key(h: Hit) -> tuple[int, float, int]:
        sim = float(sims[h.sentence]) if sims is not None and h.sentence < len(sims) else 0.0
        return (len(groups_per_sentence[h.sentence]), sim, -h.start)

    return max(hits, key=key)


def is_negated(norm: str, sentences: list[Sentence], hit: Hit) -> bool:
    sent = sentences[hit.sentence]
    window = norm[max(sent.start, hit.start - 60) : hit.start]
    if _NEGATION.search(window):
        return True
    answer = answer_sentence(sentences, hit.sentence)
    return bool(answer is not None and _NEGATIVE_ANSWER.search(norm[answer.start : answer.end]))
