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

Keyword matching lives in ``keywords``, sentences and answers in ``sentences``; this module scores.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable

import numpy as np

from soapify.checklist.engines.base import ItemResult, ItemSpec, is_persian, normalize_text, render_question
from soapify.checklist.engines.keywords import (
    STRONG_GROUPS,
    CompiledItem,
    Hit,
    best_hit,
    compile_group,
    find_hits,
    is_negated,
    keyword_status,
)
from soapify.checklist.engines.sentences import Sentence, evidence_span, is_uncertain, split_sentences
from soapify.core.embeddings import get_embedder
from soapify.core.transcript import TranscriptView, detect_language

ENGINE_NAME = "rules"
ENGINE_VERSION = "1.1"

# Calibrated on bench/data/checklist_labels.jsonl (see bench/checklist_eval.py --calibrate).
DEFAULT_PARTIAL_THRESHOLD = 0.55
DEFAULT_COVER_THRESHOLD = 0.80


_STOP = frozenset(
    (  # one string of words reads better than a 74-line list
        "about after again also andy any anything been before being could does doing down each else from have "
        "having here how into just know like make more most much need only other over patient please really "
        "right should since some such tell than that their them then there these they thing think this those "
        "through time today very want well were what when where which while will with would your yours you're "
        "okay alright"
    ).split()
)


_WORD = re.compile(r"\w+", re.UNICODE)


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
        self._compiled: dict[str, CompiledItem] = {}
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        if not self.semantic:
            return ""
        return getattr(self._get_embedder(), "model", "all-MiniLM-L6-v2")

    def _get_embedder(self) -> object:
        if self._embedder is None:
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
        hits = [find_hits(norm, starts, comp) for comp in compiled]
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

    def _compile(self, item: ItemSpec) -> CompiledItem:
        key = json.dumps(
            [item.title, item.description, item.keywords, item.question_template],
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        comp = self._compiled.get(key)
        if comp is None:
            kw = item.keywords if isinstance(item.keywords, dict) else {}
            all_terms = tuple(p for t in (kw.get("all") or []) if (p := compile_group([t])) is not None)
            comp = CompiledItem(
                compile_group(list(kw.get("synonyms") or [])),
                compile_group(list(kw.get("any") or [])),
                all_terms,
                protos := _prototypes(item),
                _stems(" ".join(protos)),
                compile_group(list(kw.get("partial") or [])),
                compile_group(list(kw.get("limited") or [])),
            )
            with self._lock:
                if len(self._compiled) > 5000:
                    self._compiled.clear()
                self._compiled[key] = comp
        return comp

    def _sentences_to_embed(
        self,
        sentences: list[Sentence],
        compiled: list[CompiledItem],
        hits: list[list[Hit]],
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
        sentences: list[Sentence],
        compiled: list[CompiledItem],
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
        sentences: list[Sentence],
        hits: list[Hit],
        item: ItemSpec,
        comp: CompiledItem,
        sims: np.ndarray | None,
        lang: str,
    ) -> ItemResult:
        satisfied, used = keyword_status(comp, hits, sentences)
        strong = [h for h in hits if h.group in STRONG_GROUPS or h.group.startswith("all:")]
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
            span = evidence_span(transcript, sentences, best_hit(hits, sims).sentence)
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
        sentences: list[Sentence],
        hits: list[Hit],
        sims: np.ndarray | None,
    ) -> tuple[str, float, tuple[int, int], dict]:
        """Status, confidence, evidence span and details when every keyword group holds."""
        certain = [h for h in hits if not is_uncertain(norm, sentences, h.sentence)]
        chosen = best_hit(certain or hits, sims)
        span = evidence_span(transcript, sentences, chosen.sentence)
        negated = is_negated(norm, sentences, chosen)
        extra = {"polarity": "negated" if negated else "affirmed"}
        sim = float(sims[chosen.sentence]) if sims is not None else 0.0
        if not certain:
            extra["reason"] = "mentioned with an uncertain answer"
            return "unclear", 0.5, span, extra
        extra["reason"] = "keywords"
        return "covered", 0.75 + 0.25 * _scale(sim, 0.2, 0.7, 0.0, 1.0), span, extra


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


def _scale(x: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    if hi <= lo:
        return out_hi
    t = min(1.0, max(0.0, (x - lo) / (hi - lo)))
    return out_lo + t * (out_hi - out_lo)
