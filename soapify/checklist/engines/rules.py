"""The default, offline checklist evaluator: keyword rules plus MiniLM sentence similarity.

How an item is decided
  1. Keyword rules (see ``base`` for the syntax) run over the Persian-normalised transcript.
     Every group satisfied → ``covered``; some terms of an ``all`` group (or only part of the
     groups) → ``partial``. A negated mention still covers the item: "no known allergies" and
     "I don't smoke" mean the question was asked and answered; the polarity goes to ``details``.
     When every mention is followed by an uncertain answer ("I'm not sure", "نمی‌دونم") the item
     is ``unclear`` instead.
  2. With no keyword evidence, the transcript's sentences (embedded once per evaluation, in one
     batch) are compared with the item's prototypes (title + description, the English question,
     the synonyms); the best cosine decides ``partial`` (≥ ``partial_threshold``) or ``missing``.
     Similarity alone never reports ``covered`` unless it reaches ``cover_threshold`` — a missed
     question must not be reported as covered. Thresholds were calibrated on the labelled
     ACI-BENCH training cases in ``bench/data/checklist_labels.jsonl``.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from soapify.checklist.engines.base import (
    ItemResult,
    ItemSpec,
    is_persian,
    normalize_text,
    render_question,
)
from soapify.core.transcript import TranscriptView, detect_language

ENGINE_NAME = "rules"
ENGINE_VERSION = "1.1"

# Calibrated on bench/data/checklist_labels.jsonl (see bench/checklist_eval.py --calibrate).
DEFAULT_PARTIAL_THRESHOLD = 0.55
DEFAULT_COVER_THRESHOLD = 0.80

_FA_SUFFIXES = r"(?:هایی|های|ها|ای|یی|ی|ام|ات|اش|م|ت|ش|مان|تان|شان|مون|تون|شون|رو|را|ه|تر|ترین)"
_FA_SUFFIX = rf"(?:\s?{_FA_SUFFIXES})?{_FA_SUFFIXES}?"  # up to two attached suffixes: داروهام
_EN_PLURAL = r"(?:s|es)?"
_MAX_SENTENCE_WORDS = 40
_ANSWER_LOOKAHEAD = 2
_WINDOW_WORDS = 30
_STOP = frozenset(
    ["about", "after", "again", "also", "andy", "any", "anything", "been", "before", "being", "could", "does", "doing", "down", "each", "else", "from", "have", "having", "here", "how", "into", "just", "know", "like", "make", "more", "most", "much", "need", "only", "other", "over", "patient", "please", "really", "right", "should", "since", "some", "such", "tell", "than", "that", "their", "them", "then", "there", "these", "they", "thing", "think", "this", "those", "through", "time", "today", "very", "want", "well", "were", "what", "when", "where", "which", "while", "will", "with", "would", "your", "yours", "you're", "okay", "alright"]
)
_SENTENCE_END = re.compile(r"(?<=[.?!؟;])\s+")
_WORD = re.compile(r"\w+", re.UNICODE)

_NEGATION = re.compile(
    r"\b(?:no|not|nope|never|none|denies|denied|deny|without|negative|n't|dont|doesnt|didnt|quit|"
    r"nothing|neither|nor)\b|n't"
    r"|(?:^|\s)(?:نه|خیر|هیچ|ندارم|نداره|ندارد|نداشتم|نمی|نکشیدم|نمیکشم|بدون)",
)
_NEGATIVE_ANSWER = re.compile(r"^\W*(?:no|nope|never|none|not really|nah|نه|خیر|نخیر|هیچ)\b")
_UNCERTAIN = re.compile(
    r"\b(?:not sure|unsure|i do n't know|i don't know|i dont know|do n't remember|don't remember|"
    r"can't remember|ca n't remember|cannot remember|no idea|not certain|i can't recall|ca n't recall)\b"
    r"|(?:نمی دونم|نمیدونم|نمی دانم|نمیدانم|مطمئن نیستم|یادم نیست|یادم نمیاد|خاطرم نیست)"
)


@dataclass(frozen=True, slots=True)
class _Sentence:
    start: int
    end: int
    segment: int
    speaker: str | None
    text: str


@dataclass(frozen=True, slots=True)
class _CompiledItem:
    synonyms: re.Pattern | None
    any: re.Pattern | None
    all_terms: tuple[re.Pattern, ...]
    prototypes: tuple[str, ...]
    stems: frozenset[str]
    weak: re.Pattern | None = None
    limited: re.Pattern | None = None


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    sentence: int
    group: str  # "syn", "any" or "all:<i>"


def compile_term(term: str) -> str:
    """Regex source for one keyword term (alternatives with ``|``, prefix with ``*``)."""
    return "|".join(_compile_alternative(alt) for alt in term.split("|") if alt.strip(" *"))


def _compile_alternative(alt: str) -> str:
    text = normalize_text(alt.strip())
    prefix = text.endswith("*")
    tokens = text.rstrip("*").split()
    persian = is_persian(text)
    parts: list[str] = []
    for i, tok in enumerate(tokens):
        if i:
            parts.append(r"[\s\-]*" if persian else r"[\s\-]+")
        parts.append(re.escape(tok))
    body = "".join(parts)
    if prefix:
        tail = r"\w*"
    elif persian:
        tail = _FA_SUFFIX
    elif tokens and tokens[-1][-1:].isalpha():
        tail = _EN_PLURAL
    else:
        tail = ""
    return rf"(?<!\w)(?:{body}{tail})(?!\w)"


def _compile_group(terms: list[str]) -> re.Pattern | None:
    sources = [compile_term(t) for t in terms if isinstance(t, str) and t.strip(" *|")]
    sources = [s for s in sources if s]
    return re.compile("|".join(f"(?:{s})" for s in sources)) if sources else None


def split_sentences(transcript: TranscriptView) -> list[_Sentence]:
    """Sentences with their offsets in ``transcript.text`` (never crossing a segment)."""
    segments = transcript.segments or []
    spans = [(s.start_char, s.end_char, s.speaker) for s in segments]
    if not spans and transcript.text:
        spans = [(0, len(transcript.text), None)]
    out: list[_Sentence] = []
    for seg_index, (s_start, s_end, speaker) in enumerate(spans):
        chunk = transcript.text[s_start:s_end]
        pos = 0
        for piece in _SENTENCE_END.split(chunk):
            idx = chunk.find(piece, pos)
            if idx < 0:
                continue
            pos = idx + len(piece)
            stripped = piece.strip()
            if not stripped:
                continue
            lead = len(piece) - len(piece.lstrip())
            start = s_start + idx + lead
            for w_start, w_end in _windows(stripped):
                out.append(
                    _Sentence(start + w_start, start + w_end, seg_index, speaker, stripped[w_start:w_end])
                )
    return out


def _windows(sentence: str) -> list[tuple[int, int]]:
    """Split an over-long sentence (unpunctuated speech) into windows of ``_WINDOW_WORDS`` words."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", sentence)]
    if len(words) <= _MAX_SENTENCE_WORDS:
        return [(0, len(sentence))]
    return [
        (words[i][0], words[min(i + _WINDOW_WORDS, len(words)) - 1][1])
        for i in range(0, len(words), _WINDOW_WORDS)
    ]


class RulesEvaluator:
    """Keyword + semantic evaluator. ``semantic=False`` gives keywords only (no model loaded).

    ``embedder`` is anything with ``encode(list[str]) -> np.ndarray`` of L2-normalised rows;
    by default the shared MiniLM embedder, loaded on first use.
    """

    name = ENGINE_NAME
    version = ENGINE_VERSION

    def __init__(
        self,
        *,
        semantic: bool = True,
        partial_threshold: float = DEFAULT_PARTIAL_THRESHOLD,
        cover_threshold: float = DEFAULT_COVER_THRESHOLD,
        embedder: object | None = None,
        min_sentence_words: int = 3,
        semantic_evidence: bool = False,
    ) -> None:
        self.semantic = semantic
        self.semantic_evidence = semantic_evidence
        self.partial_threshold = partial_threshold
        self.cover_threshold = cover_threshold
        self.min_sentence_words = min_sentence_words
        self._embedder = embedder
        self._compiled: dict[str, _CompiledItem] = {}
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        if not self.semantic:
            return ""
        return getattr(self._get_embedder(), "model", "all-MiniLM-L6-v2")

    def _get_embedder(self) -> object:
        if self._embedder is None:
            from soapify.core.embeddings import get_embedder

            self._embedder = get_embedder("minilm")  # the thresholds are tuned on MiniLM vectors
        return self._embedder

    # --- public API ------------------------------------------------------------------------------

    def evaluate(
        self, transcript: TranscriptView, items: list[ItemSpec], *, language: str | None = None
    ) -> list[ItemResult]:
        lang = language or transcript.language or detect_language(transcript.text)
        lang = "fa" if lang.startswith("fa") else "en"
        norm = normalize_text(transcript.text)
        sentences = split_sentences(transcript)
        starts = [s.start for s in sentences]
        compiled = [self._compile(item) for item in items]
        hits = [_find_hits(norm, starts, comp) for comp in compiled]
        sims = None
        if self.semantic and items:
            # Similarity decides the status only of items the keywords did not find at all; with
            # ``semantic_evidence`` it also ranks the keyword hits (slower: more sentences embedded).
            needs = [self.semantic_evidence or not h for h in hits]
            wanted = self._sentences_to_embed(sentences, compiled, hits, needs)
            sims = self._similarities(sentences, compiled, wanted, needs)
        model = self.model
        results = []
        for i, (item, comp) in enumerate(zip(items, compiled, strict=True)):
            item_sims = sims[:, i] if sims is not None else None
            result = self._evaluate_item(transcript, norm, sentences, hits[i], item, comp, item_sims, lang)
            result.model = model
            results.append(result)
        return results

    # --- compilation and embeddings --------------------------------------------------------------

    def _compile(self, item: ItemSpec) -> _CompiledItem:
        key = json.dumps(
            [item.title, item.description, item.keywords, item.question_template],
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        comp = self._compiled.get(key)
        if comp is None:
            kw = item.keywords if isinstance(item.keywords, dict) else {}
            all_terms = tuple(p for t in (kw.get("all") or []) if (p := _compile_group([t])) is not None)
            comp = _CompiledItem(
                _compile_group(list(kw.get("synonyms") or [])),
                _compile_group(list(kw.get("any") or [])),
                all_terms,
                protos := _prototypes(item),
                _stems(" ".join(protos)),
                _compile_group(list(kw.get("partial") or [])),
                _compile_group(list(kw.get("limited") or [])),
            )
            with self._lock:
                if len(self._compiled) > 5000:
                    self._compiled.clear()
                self._compiled[key] = comp
        return comp

    def _sentences_to_embed(
        self,
        sentences: list[_Sentence],
        compiled: list[_CompiledItem],
        hits: list[list[_Hit]],
        needs: list[bool],
    ) -> list[bool]:
        """Which sentences are worth embedding: for items the keywords did not find, those sharing a
        content word (5-letter stem) with the item's prototypes; with ``semantic_evidence`` also the
        sentences with a keyword hit."""
        wanted = [False] * len(sentences)
        open_stems: set[str] = set()
        for comp, item_hits, need in zip(compiled, hits, needs, strict=True):
            if not need:
                continue
            for h in item_hits:
                wanted[h.sentence] = True
            if not item_hits:
                open_stems |= comp.stems
        for i, sent in enumerate(sentences):
            if not wanted[i] and open_stems and not _stems(sent.text).isdisjoint(open_stems):
                wanted[i] = True
        return [
            w and len(_WORD.findall(s.text)) >= self.min_sentence_words
            for w, s in zip(wanted, sentences, strict=True)
        ]

    def _similarities(
        self,
        sentences: list[_Sentence],
        compiled: list[_CompiledItem],
        wanted: list[bool],
        needs: list[bool] | None = None,
    ) -> np.ndarray:
        """(n_sentences, n_items) best cosine of each sentence with each item's prototypes
        (0 for sentences not embedded and for items not in ``needs``)."""
        needs = needs if needs is not None else [True] * len(compiled)
        embedder = self._get_embedder()
        encode: Callable[[list[str]], np.ndarray] = embedder.encode  # type: ignore[attr-defined]
        usable = [s.text for s, w in zip(sentences, wanted, strict=True) if w]
        if not usable:
            return np.zeros((len(sentences), len(compiled)), dtype=np.float32)
        protos = [p for c, need in zip(compiled, needs, strict=True) if need for p in c.prototypes]
        vecs = encode(usable + protos)
        sent_vecs, proto_vecs = vecs[: len(usable)], vecs[len(usable) :]
        raw = sent_vecs @ proto_vecs.T
        per_item = np.zeros((len(usable), len(compiled)), dtype=np.float32)
        col = 0
        for j, c in enumerate(compiled):
            if not needs[j]:
                continue
            n = len(c.prototypes)
            per_item[:, j] = raw[:, col : col + n].max(axis=1) if n else 0.0
            col += n
        out = np.zeros((len(sentences), len(compiled)), dtype=np.float32)
        out[np.array(wanted, dtype=bool)] = per_item
        return out

    # --- one item --------------------------------------------------------------------------------

    def _evaluate_item(
        self,
        transcript: TranscriptView,
        norm: str,
        sentences: list[_Sentence],
        hits: list[_Hit],
        item: ItemSpec,
        comp: _CompiledItem,
        sims: np.ndarray | None,
        lang: str,
    ) -> ItemResult:
        satisfied, used = _keyword_status(comp, hits, sentences)
        strong = [h for h in hits if h.group in _STRONG or h.group.startswith("all:")]
        weak = [h for h in hits if h.group == "weak"]
        hits = used if satisfied else (strong or weak)
        all_found = {h.group for h in hits if h.group.startswith("all:")}
        best_sim = float(sims.max()) if sims is not None and len(sims) else 0.0
        details: dict = {
            "matched_terms": sorted({norm[h.start : h.end] for h in hits})[:20],
            "similarity": round(best_sim, 4),
        }
        if comp.all_terms:
            details["all_terms_found"] = f"{len(all_found)}/{len(comp.all_terms)}"

        if satisfied:
            status, conf, span, extra = self._from_keywords(transcript, norm, sentences, hits, sims)
            details.update(extra)
        elif hits:
            span = _evidence_span(transcript, sentences, _best_hit(hits, sims).sentence)
            status, conf = "partial", 0.5 + 0.2 * (len(all_found) / max(1, len(comp.all_terms)))
            if weak and not strong:
                details["reason"] = "only partial-evidence terms found"
            elif all_found and len(all_found) < len(comp.all_terms):
                details["reason"] = "some keyword terms found"
            else:
                details["reason"] = "only limited mentions (e.g. a qualified or unanswered topic)"
        elif sims is not None and best_sim >= self.partial_threshold:
            idx = int(np.argmax(sims))
            span = (sentences[idx].start, sentences[idx].end)
            if best_sim >= self.cover_threshold:
                status, conf = "covered", best_sim
            else:
                status, conf = (
                    "partial",
                    _scale(best_sim, self.partial_threshold, self.cover_threshold, 0.4, 0.7),
                )
            details["reason"] = "semantic similarity"
        else:
            span = None
            status = "missing"
            conf = _scale(self.partial_threshold - best_sim, 0.0, self.partial_threshold, 0.6, 0.95)
            details["reason"] = "no keyword or similar sentence"

        evidence, anchors = (
            ("", [])
            if span is None
            else (transcript.text[span[0] : span[1]], [{"start": span[0], "end": span[1]}])
        )
        return ItemResult(
            item_id=item.id,
            status=status,
            confidence_score=round(min(1.0, max(0.0, conf)), 3),
            evidence_text=evidence,
            anchor_positions=anchors,
            generated_question=None if status == "covered" else render_question(item, lang),
            engine=self.name,
            engine_version=self.version,
            details=details,
        )

    def _from_keywords(
        self,
        transcript: TranscriptView,
        norm: str,
        sentences: list[_Sentence],
        hits: list[_Hit],
        sims: np.ndarray | None,
    ) -> tuple[str, float, tuple[int, int], dict]:
        """Status, confidence, evidence span and details when every keyword group holds."""
        certain = [h for h in hits if not _uncertain(norm, sentences, h.sentence)]
        chosen = _best_hit(certain or hits, sims)
        span = _evidence_span(transcript, sentences, chosen.sentence)
        negated = _negated(norm, sentences, chosen)
        extra = {"polarity": "negated" if negated else "affirmed"}
        sim = float(sims[chosen.sentence]) if sims is not None else 0.0
        if not certain:
            extra["reason"] = "mentioned with an uncertain answer"
            return "unclear", 0.5, span, extra
        extra["reason"] = "keywords"
        return "covered", 0.75 + 0.25 * _scale(sim, 0.2, 0.7, 0.0, 1.0), span, extra


_STRONG = frozenset({"syn", "any"})


def _limited_sentences(comp: _CompiledItem, hits: list[_Hit], sentences: list[_Sentence]) -> set[int]:
    """Sentences whose mentions only count as partial: those with a ``limited`` term ("seasonal"
    allergies), and the answer to a question that had one."""
    marked = {h.sentence for h in hits if h.group == "limited"}
    out = set(marked)
    for idx in marked:
        answer = _answer_sentence(sentences, idx)
        if answer is not None:
            out.add(sentences.index(answer, idx))
    return out


def _keyword_status(
    comp: _CompiledItem, hits: list[_Hit], sentences: list[_Sentence] | None = None
) -> tuple[bool, list[_Hit]]:
    """Whether the keyword rules cover the item, and the hits that count as its evidence.
    Mentions in ``limited`` sentences and ``partial`` terms never cover an item on their own."""
    if comp.limited is not None and sentences is not None:
        limited = _limited_sentences(comp, hits, sentences)
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


def _stems(text: str) -> frozenset[str]:
    """Five-letter prefixes of the content words of English ``text`` (a cheap relevance filter)."""
    return frozenset(w[:5] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP)


def _prototypes(item: ItemSpec) -> tuple[str, ...]:
    protos = [f"{item.title}. {item.description}".strip(" .") if item.description else item.title]
    tmpl = item.question_template
    q_en = tmpl.get("en") if isinstance(tmpl, dict) else tmpl
    if q_en:
        protos.append(q_en.replace("{title}", item.title))
    kw = item.keywords if isinstance(item.keywords, dict) else {}
    syn = [t.replace("*", "") for t in (kw.get("synonyms") or []) if isinstance(t, str) and not is_persian(t)]
    if syn:
        protos.append(f"{item.title}: {', '.join(syn[:8])}")
    return tuple(p for p in protos if p)


def _find_hits(norm: str, starts: list[int], comp: _CompiledItem) -> list[_Hit]:
    hits: list[_Hit] = []
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
            hits.append(_Hit(m.start(), m.end(), sent, name))
    return hits


def _best_hit(hits: list[_Hit], sims: np.ndarray | None) -> _Hit:
    """The hit whose sentence best matches the item (most distinct groups first, then similarity)."""
    groups_per_sentence: dict[int, set[str]] = {}
    for h in hits:
        groups_per_sentence.setdefault(h.sentence, set()).add(h.group)

    def key(h: _Hit) -> tuple[int, float, int]:
        sim = float(sims[h.sentence]) if sims is not None and h.sentence < len(sims) else 0.0
        return (len(groups_per_sentence[h.sentence]), sim, -h.start)

    return max(hits, key=key)


def _answer_sentence(sentences: list[_Sentence], idx: int) -> _Sentence | None:
    """The first sentence of the next turn when sentence ``idx`` is a question near its turn's end
    (at most ``_ANSWER_LOOKAHEAD`` sentences of the same turn after it, e.g. "any allergies? i forgot
    to ask.") and the next turn is someone else's."""
    sent = sentences[idx]
    if not sent.text.rstrip().endswith(("?", "؟")):
        return None
    for nxt in sentences[idx + 1 : idx + 2 + _ANSWER_LOOKAHEAD]:
        if nxt.segment == sent.segment:
            continue
        if sent.speaker and nxt.speaker and sent.speaker == nxt.speaker:
            return None
        return nxt
    return None


def _evidence_span(transcript: TranscriptView, sentences: list[_Sentence], idx: int) -> tuple[int, int]:
    """The sentence, extended to the answer when it is a question answered in the next turn."""
    sent = sentences[idx]
    answer = _answer_sentence(sentences, idx)
    end = answer.end if answer is not None and answer.end - sent.start <= 600 else sent.end
    return sent.start, end


def _uncertain(norm: str, sentences: list[_Sentence], idx: int) -> bool:
    sent = sentences[idx]
    answer = _answer_sentence(sentences, idx)
    target = answer if answer is not None else sent
    return bool(_UNCERTAIN.search(norm[target.start : target.end]))


def _negated(norm: str, sentences: list[_Sentence], hit: _Hit) -> bool:
    sent = sentences[hit.sentence]
    window = norm[max(sent.start, hit.start - 60) : hit.start]
    if _NEGATION.search(window):
        return True
    answer = _answer_sentence(sentences, hit.sentence)
    return bool(answer is not None and _NEGATIVE_ANSWER.search(norm[answer.start : answer.end]))


def _scale(x: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    if hi <= lo:
        return out_hi
    t = min(1.0, max(0.0, (x - lo) / (hi - lo)))
    return out_lo + t * (out_hi - out_lo)
