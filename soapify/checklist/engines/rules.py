"""The default, offline checklist evaluator: keyword rules plus MiniLM sentence similarity.

How an item is decided
  1. Keyword rules (see ``base`` for the syntax) run over the Persian-normalised transcript.
     Every group satisfied → ``covered``; some terms of an ``all`` group (or only part of the
     groups) → ``partial``. A negated mention still covers the item: "no known allergies" and
     "I don't smoke" mean the question was asked and answered; the polarity goes to ``details``.
     When every mention is followed by an uncertain answer ("I'm not sure", "نمی‌دونم") the item
     is ``unclear`` instead.
  2. With no keyword evidence (and, with the classifier on, only for items without a reviewed
     topic profile), the transcript's sentences (embedded once per evaluation, in one
     batch) are compared with the item's prototypes (title + description, the English question,
     the synonyms); the best cosine decides ``partial`` (≥ ``partial_threshold``) or ``missing``.
     Similarity alone never reports ``covered`` unless it reaches ``cover_threshold`` — a missed
     question must not be reported as covered. Thresholds were calibrated on the labelled
     ACI-BENCH training cases in ``bench/data/checklist_labels.jsonl``.

  3. With ``semantic`` on (the default), the trained section classifier (``topics``) reads the
     visit as question→answer units and statements and decides what the keywords cannot: an item
     is ``covered`` when a segment of its section (an answer, or a doctor's statement for exam,
     assessment and plan items) scores at least ``topic_cover_threshold`` — for items sharing a
     section, with one of its keywords in that segment — or when a unit's attribute answers it
     ("How high?" / "thirty nine point five" is severity). Keyword hits only in statements of the
     wrong speaker (a prescription in the doctor's plan for the medication *history*) no longer
     cover. The evidence is the answering sentence of the unit, and ``notes`` say why the status.
     A sentence on its own that says nothing ("uh-", "sure.") never decides an item. Thresholds:
     cover 0.5 (set before any figure was read), partial 0.45 (``bench/checklist_eval.py
     --calibrate`` on the training splits' weak labels; below it the classifier is guessing, and
     a guessed "partial" points the doctor at an unrelated sentence; ``docs/CHECKLIST-QUALITY.md``).

Keyword matching lives in ``keywords``, sentences and answers in ``sentences``, the section
classifier in ``topics``; this module scores.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable

import numpy as np
from cachetools import LRUCache

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
from soapify.checklist.engines.topics import (
    LAST_TIME,
    ItemContext,
    Segment,
    TopicProfile,
    asks_impact,
    classified_profile,
    finding_or_assessment,
    item_contexts,
    item_parts,
    load_classifier,
    names_condition,
    names_drug,
    reads_a_result,
    segment_patterns,
    segment_vectors,
    segments,
    starter_profiles,
    states_the_plan,
    visit_patterns,
)
from soapify.core.embeddings import get_embedder
from soapify.core.transcript import TranscriptView, detect_language
from soapify.nlp.dialogue.scope import clause_bounds

ENGINE_NAME = "rules"
ENGINE_VERSION = "2.0"

# Calibrated on bench/data/checklist_labels.jsonl (see bench/checklist_eval.py --calibrate).
DEFAULT_PARTIAL_THRESHOLD = 0.55
DEFAULT_COVER_THRESHOLD = 0.80
# Cover: set before any figure was read. Partial: chosen with bench/checklist_eval.py --calibrate on
# the training splits' tuning parts (best binary accuracy at every cover value; 0.3 before 2026-12-07).
DEFAULT_TOPIC_COVER_THRESHOLD = 0.5
DEFAULT_TOPIC_PARTIAL_THRESHOLD = 0.45
_ATTRIBUTE_SCORE = 0.9


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
        topics: bool = True,
        topic_cover_threshold: float = DEFAULT_TOPIC_COVER_THRESHOLD,
        topic_partial_threshold: float = DEFAULT_TOPIC_PARTIAL_THRESHOLD,
    ) -> None:
        self.semantic = semantic
        self.topics = topics and semantic
        self.topic_cover_threshold = topic_cover_threshold
        self.topic_partial_threshold = topic_partial_threshold
        self.semantic_evidence = semantic_evidence
        self.partial_threshold = partial_threshold
        self.cover_threshold = cover_threshold
        self.min_sentence_words = min_sentence_words
        self._embedder = embedder
        self._compiled: dict[str, CompiledItem] = {}
        self._profiles: LRUCache[str, TopicProfile] = LRUCache(maxsize=5000)
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
        found = [find_hits(norm, starts, comp) for comp in compiled]
        hits = [
            _in_context(self._without_excluded(item_hits, item, sentences, norm), item, sentences, norm)
            for item, item_hits in zip(items, found, strict=True)
        ]
        # where an item's own words were voided (a plan word, a condition, another sense of the word)
        voided = [_set_aside(item_hits, kept) for item_hits, kept in zip(found, hits, strict=True)]
        sims = None
        if self.semantic and items:
            # Similarity decides the status only of items the keywords did not find at all; with
            # ``semantic_evidence`` it also ranks the keyword hits (slower: more sentences embedded).
            needs = [self.semantic_evidence or not h for h in hits]
            if self.topics:  # items with a reviewed profile are decided by the section classifier
                profiled = starter_profiles()
                needs = [n and item.key not in profiled for n, item in zip(needs, items, strict=True)]
            wanted = self._sentences_to_embed(sentences, compiled, hits, needs)
            sims = self._similarities(sentences, compiled, wanted, needs)
        model = self.model
        context = self._topic_context(transcript, lang) if self.topics and items else None
        results = []
        for i, (item, comp) in enumerate(zip(items, compiled, strict=True)):
            item_sims = sims[:, i] if sims is not None else None
            result = self._evaluate_item(transcript, norm, sentences, hits[i], item, comp, item_sims, lang)
            if context is not None:
                result = self._with_topics(transcript, result, item, hits[i], voided[i], context, lang)
                result = self._in_full(transcript, result, item, hits[i], context, norm, lang)
            else:
                result.notes = _notes(result)
            if _outside_its_visit(item, norm) or not _evidence_in_context(result, item, sentences, norm):
                result = _not_discussed(result, item, lang)
            result.model = model
            results.append(result)
        return results

    def _without_excluded(
        self, hits: list[Hit], item: ItemSpec, sentences: list[Sentence], norm: str
    ) -> list[Hit]:
        """The item's keyword hits minus those with one of its profile's ``exclude`` terms right
        beside them ("are you allergic to any medications?" asks about allergies, not current
        medicines), or in their clause with ``exclude_clause`` ("یه آزمایش مدفوع … می‌نویسم" orders a
        test, it reviews no result); for a history item also those in a doctor's conditional advice
        ("if the headache is sudden and severe, go to the emergency room" is no onset or severity)."""
        profile = starter_profiles().get(item.key) if self.topics and item.key else None
        if not hits or profile is None:
            return hits
        pattern = profile.exclude

        def excluded(h: Hit) -> bool:  # an exclusion term beside the hit, in the same sentence
            sentence = sentences[h.sentence]
            if profile.history and _hypothetical(sentence):
                return True
            # the doctor answering the patient's question ("is it a strong one?" / "it's a moderate one") explains;
            # the patient wondering about a cause ("could it be an allergy?") asks; neither is the history
            if profile.history and (_answers_their_question(sentences, h.sentence) or _wonders(sentence)):
                return True
            if profile.not_as_impact and asks_impact(_question_of(sentences, h.sentence)):
                return True
            if (
                profile.not_in_advice
                and (sentence.speaker or "") == "doctor"
                and (
                    _hypothetical(sentence)
                    or states_the_plan(sentence.text)
                    or _continues_the_plan(sentences, h.sentence)
                )
            ):
                return True
            if (
                profile.not_in_findings
                and (sentence.speaker or "") == "doctor"
                and not sentence.text.rstrip().endswith(("?", "؟"))
                and finding_or_assessment(sentence.text)
            ):
                return True
            if (
                profile.not_in_patient_questions
                and (sentence.speaker or "doctor") != "doctor"
                and sentence.text.rstrip().endswith(("?", "؟"))
                and is_persian(sentence.text)
            ):
                return True
            if profile.declined and _declined(norm, sentence, h):
                return True
            if profile.not_words is not None and profile.not_words.fullmatch(norm, h.start, h.end):
                return True
            if (
                profile.not_in_results
                and (sentence.speaker or "") == "doctor"
                and reads_a_result(sentence.text)
            ):
                return True
            if profile.named_condition and not _weighs_a_condition(sentence, h, norm):
                return True
            if pattern is None:
                return False
            if profile.exclude_clause:  # the plan word before the term (English) or after it (Persian)
                a, b = clause_bounds(
                    norm[sentence.start : sentence.end], h.start - sentence.start, h.end - sentence.start
                )
                if is_persian(norm[h.start : h.end]):
                    lo, hi = h.end, sentence.start + b
                else:
                    lo, hi = sentence.start + a, h.start
            else:
                lo, hi = (
                    max(sentence.start, h.start - _EXCLUDE_REACH),
                    min(sentence.end, h.end + _EXCLUDE_REACH),
                )
                # "any medical problems, medicines or allergies?" lists the allergies as a topic of
                # their own; "medication or food allergies" and "allergic to any medications" do not
                return any(not _coordinated(norm, h, m) for m in pattern.finditer(norm, lo, hi))
            return pattern.search(norm, lo, hi) is not None

        return [h for h in hits if not excluded(h)]

    # --- the section classifier ------------------------------------------------------------------

    def _topic_context(self, transcript: TranscriptView, lang: str) -> _TopicContext:
        segs = segments(transcript, language=lang)
        clf = load_classifier()
        encode = self._get_embedder().encode  # type: ignore[attr-defined]
        probs = clf.proba(segment_vectors(encode, segs))
        found = [segment_patterns(seg) for seg in segs]
        visit_patterns(segs, found)
        return _TopicContext(segs, probs, clf.sections, found)

    def _profile(self, item: ItemSpec) -> TopicProfile:
        profile = starter_profiles().get(item.key) if item.key else None
        if profile is not None:
            return profile
        cache_key = f"profile:{item.title}|{item.description}|{item.question_template}"
        with self._lock:
            cached = self._profiles.get(cache_key)
        if cached is None:
            clf = load_classifier()
            encode = self._get_embedder().encode  # type: ignore[attr-defined]
            vec = np.asarray(encode(list(_prototypes(item))), dtype=np.float32).mean(axis=0, keepdims=True)
            vec /= max(float(np.linalg.norm(vec)), 1e-9)
            cached = classified_profile(clf.proba(vec)[0], clf.sections)
            with self._lock:
                self._profiles[cache_key] = cached
        return cached

    def _with_topics(
        self,
        transcript: TranscriptView,
        result: ItemResult,
        item: ItemSpec,
        hits: list[Hit],
        voided: list[int],
        context: _TopicContext,
        lang: str,
    ) -> ItemResult:
        """The keyword verdict checked and completed by the section classifier (see the module doc).
        ``voided``: where the item's keywords were set aside by its profile's exclusions; the classifier
        alone does not cover the item from those segments either ("we don't need an x-ray right now"
        reviews no result, whatever its section score)."""
        profile = self._profile(item)
        cols = [context.sections.index(s) for s in profile.sections if s in context.sections]
        hit_starts = [h.start for h in hits]
        best: tuple[float, int, str] = (0.0, -1, "")
        best_key: tuple[bool, bool, int, float] = (False, False, _NO_RANK, 0.0)
        own_best: tuple[float, int] = (0.0, -1)  # the best answered segment naming the item
        accepted = 0
        for j, seg in enumerate(context.segments):
            shown = context.patterns[j]
            patterned = bool(shown & set(profile.patterns))
            hinted = patterned or any(seg.start <= h < seg.end for h in hit_starts)
            # (urgent advice, "if it gets worse go to the emergency room", is the safety net, not a return)
            only_touched = (
                not hinted and bool(shown & set(profile.partial_patterns)) and "urgent_return" not in shown
            )
            # for an item of its own section (no hint needed) a pattern is evidence in itself,
            # whoever says it: "he is a 56-year-old man here with abnormal lab findings" states
            # the reason for the visit; for items sharing a section it stays a hint (a return
            # "if ..." is often a scheduled visit, not safety-net advice)
            decisive = bool(shown & set(profile.decisive)) and (
                not profile.roles or seg.role in profile.roles
            )
            states_it = (patterned and not profile.needs_hint or decisive) and not seg.question
            if profile.roles and seg.role not in profile.roles and not states_it:
                continue
            # (a pattern that only touches the item still does: «اگه چیزی شد تماس بگیرید» leaves a door open)
            if (
                not hinted
                and not states_it
                and not only_touched
                and any(seg.start <= v < seg.end for v in voided)
            ):
                continue
            if not seg.says_something and not hinted:
                continue
            if profile.history and not hinted and "told_diagnosis" in shown:
                continue  # the doctor's assessment of today's problem is not the patient's history
            accepted += 1
            if profile.opening and accepted > profile.opening:
                break
            score = float(context.probs[j, cols].sum()) if cols else 0.0
            why = "section"
            if profile.needs_hint and not hinted:
                score = min(score, self.topic_cover_threshold - 1e-3) if only_touched else 0.0
                if only_touched and lang == "fa":  # the English classifier cannot read it; the pattern can
                    score = self.topic_partial_threshold
            answers_attribute = (
                bool(seg.attribute)
                and seg.attribute in profile.attributes
                # "when was your last period?" asks when something last happened, not when this began
                and not (seg.attribute == "onset" and LAST_TIME.search(seg.sentences[0]))
                # "how much alcohol?", "وزنش چقدره؟" ask an amount, not how bad the complaint is
                and not (seg.attribute == "severity" and _amount_asked(seg.sentences[0]))
            )
            # of two answers or statements that decide the item: an answer to the item's own question, then
            # the pattern the profile lists first ("go to the emergency room" before "let me know"),
            # whatever their order in the visit
            rank = _NO_RANK
            if answers_attribute:
                rank = 0
            elif decisive:
                rank = -min(profile.decisive.index(p) for p in shown & set(profile.decisive))
            if answers_attribute and not seg.question and score < _ATTRIBUTE_SCORE:
                score, why = _ATTRIBUTE_SCORE, f"answer to a {seg.attribute} question"
            elif states_it and score < _ATTRIBUTE_SCORE:
                said = shown & (set(profile.patterns) | set(profile.decisive))
                score, why = _ATTRIBUTE_SCORE, "stated: " + ", ".join(sorted(said))
            elif not hinted and not only_touched and (score < profile.unhinted_min or lang == "fa"):
                # the classifier alone, unsure (a short remark is not an exam or a result), or on
                # Persian, which the English sentence model does not read: its guess decides nothing
                continue
            if seg.question and score:  # a question nobody answered is asked, not covered
                score = min(score, self.topic_cover_threshold - 1e-3)
            # the best segment: one that reaches the cover threshold, then one holding the item's own
            # words (a told diagnosis, not "pedal pulses are present" that the classifier also liked)
            key = (score >= self.topic_cover_threshold, hinted or states_it, rank, score)
            if score > 0 and key > best_key:
                best, best_key = (score, j, why), key
            if (
                (hinted or states_it)
                and not seg.question
                and score >= max(_NAMED_EVIDENCE_MIN, own_best[0] + 1e-9)
            ):
                own_best = (score, j)
        score, j, why = best
        if best_key[0] and not best_key[1] and own_best[1] >= 0:
            # covered by the classifier alone; the evidence shown is the segment that names the item
            # ("who do we have here today? / she's been pulling at her right ear"), not the one the
            # classifier liked more ("two nights ago", "I'd rather not take pills")
            j = own_best[1]
        details = dict(result.details)
        details["topic_score"] = round(score, 3)
        details["topic_profile"] = {"sections": list(profile.sections), "source": profile.source}
        chosen: Segment | None = context.segments[j] if j >= 0 else None
        if chosen is not None:
            details["topic_section"] = context.sections[int(np.argmax(context.probs[j]))]

        # A keyword verdict of "partial" (weak terms, qualifiers, some of the ``all`` terms) is not
        # turned into "covered" by a section match that rests on those same keywords.
        keyword_partial = result.status == "partial" and result.details.get("reason") != "semantic similarity"
        capped = keyword_partial and profile.needs_hint and why == "section"
        if result.status == "unclear":
            status = "unclear"
        elif chosen is not None and score >= self.topic_cover_threshold and not capped:
            status = "covered"
            # an answer decided by its question ("any blood in the urine?" / "it looked a little pink
            # yesterday") is shown with the question
            said = context.patterns[j] & (set(profile.patterns) | set(profile.decisive))
            result = _with_evidence(transcript, result, chosen, with_question=bool(said & _FROM_QUESTION))
            result.confidence_score = round(min(1.0, 0.6 + 0.4 * score), 3)
            details["reason"] = f"trained classifier: {why}"
        elif (
            (result.status == "covered" or keyword_partial)
            and profile.roles
            and hits
            and not _hit_in_role(hits, context, profile)
        ):
            # every keyword sits in a statement of the wrong speaker (the doctor's plan, not history)
            if chosen is not None and score >= self.topic_partial_threshold:
                status = "partial"
                result = _with_evidence(transcript, result, chosen)
            else:
                status = "missing"
                result.evidence_text, result.anchor_positions = "", []
            result.confidence_score = 0.6
            details["reason"] = "keywords only in statements that do not answer this item"
        elif result.status == "covered":
            status = "covered"
            if chosen is not None and score >= self.topic_partial_threshold:
                result = _with_evidence(transcript, result, chosen)
            elif profile.roles and (own := _best_in_role(hits, context, profile, cols)) is not None:
                # the keyword evidence in the right speaker's words: the doctor's plan, not the
                # patient's list of the medicines taken now
                result = _with_evidence(transcript, result, own)
        elif chosen is not None and score >= self.topic_partial_threshold:
            status = "partial"
            if result.status == "missing" or not result.evidence_text:
                result = _with_evidence(transcript, result, chosen)
            result.confidence_score = round(0.4 + 0.3 * score, 3)
            details["reason"] = "trained classifier: the topic's section, below the cover threshold"
        else:
            status = result.status
        result.status = status
        result.details = details
        result.generated_question = None if status == "covered" else render_question(item, lang)
        result.notes = _notes(result)
        return result

    def _in_full(
        self,
        transcript: TranscriptView,
        result: ItemResult,
        item: ItemSpec,
        hits: list[Hit],
        context: _TopicContext,
        norm: str,
        lang: str,
    ) -> ItemResult:
        """A "covered" item whose meaning asks for a part the visit left out is "partial" (``parts`` of
        ``item_topics.json``, ``topics.ItemPart``): smoking with no amount ("occasionally"), work without home,
        breathlessness without lying flat, an ECG without troponin, "Location and radiation" without whether it
        spreads, a plan's medicine without its dose. The notes name the parts missing."""
        parts = item_parts().get(item.key or "", ())
        if result.status != "covered" or not parts:
            return result
        profile = self._profile(item)
        own = set(profile.patterns) | set(profile.decisive)
        anchors = [(a["start"], a["end"]) for a in result.anchor_positions]
        segs = context.segments
        region = [
            j
            for j, seg in enumerate(segs)
            if any(seg.start < e and s < seg.end for s, e in anchors)
            or (
                (not profile.roles or seg.role in profile.roles)
                and (any(seg.start <= h.start < seg.end for h in hits) or context.patterns[j] & own)
            )
        ]
        everywhere = [
            j
            for j, seg in enumerate(segs)
            if not (seg.role == "doctor" and not seg.question and _CONDITIONAL.search(seg.text))
        ]
        at = anchors[0][0] if anchors else -1
        here = next((j for j, seg in enumerate(segs) if seg.start <= at < seg.end), None)
        evidence = normalize_text(result.evidence_text)
        absent = []
        for part in parts:
            if part.unless is not None and part.unless.search(evidence) is not None:
                continue
            if (part.terms is not None and part.terms.search(evidence)) or (
                part.regex is not None and part.regex.search(result.evidence_text)
            ):  # the evidence itself tells it
                continue
            if part.reach:  # the segment before the evidence's to ``reach`` after it
                near = (
                    range(max(0, here - 1), min(len(segs), here + part.reach + 1)) if here is not None else ()
                )
                scope = list(near)
            else:
                scope = everywhere if part.anywhere or part.doctor else region
            found = False
            for j in scope:
                seg = segs[j]
                statement = seg.role == "doctor" and not seg.question
                if (part.asked and statement) or (
                    part.doctor and not (statement and len(seg.sentences) == 1)
                ):
                    continue
                asked_before = normalize_text(seg.lead) if seg.lead and len(seg.sentences) > 1 else ""
                if (
                    (part.terms is not None and part.terms.search(norm, seg.start, seg.end))
                    or (part.terms is not None and asked_before and part.terms.search(asked_before))
                    or (part.regex is not None and part.regex.search(transcript.text, seg.start, seg.end))
                    or context.patterns[j] & set(part.patterns)
                    or (part.denied and seg.polarity == "no")
                ):
                    found = True
                    break
            if not found:
                absent.append(part.name)
        if not absent:
            return result
        result.status = "partial"
        result.details = {**result.details, "reason": "covered only in part, nothing on " + ", ".join(absent)}
        result.generated_question = render_question(item, lang)
        result.confidence_score = min(result.confidence_score, 0.7)
        result.notes = _notes(result)
        return result

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
        # "if it's not improving in two weeks, come back" sets a condition, it answers nothing
        negated = is_negated(norm, sentences, chosen) and not _hypothetical(sentences[chosen.sentence])
        extra = {"polarity": "negated" if negated else "affirmed"}
        sim = float(sims[chosen.sentence]) if sims is not None else 0.0
        if not certain:
            extra["reason"] = "mentioned with an uncertain answer"
            return "unclear", 0.5, span, extra
        extra["reason"] = "keywords"
        return "covered", 0.75 + 0.25 * _scale(sim, 0.2, 0.7, 0.0, 1.0), span, extra


def _in_context(hits: list[Hit], item: ItemSpec, sentences: list[Sentence], norm: str) -> list[Hit]:
    """The item's keyword hits that mean the item (``topics.item_contexts``): with one of its ``near``
    words in the sentence, the two before it ("any chest pain? / only when I climb stairs") or the next one
    of the same turn ("your feet? any numbness?"), and not in
    a doctor's conditional advice for a history item; none in a visit that never names the item's kind."""
    context = item_contexts().get(item.key or "")
    if context is None or not hits:
        return hits
    if context.visit is not None and context.visit.search(norm) is None:
        return []
    about_it = _opening_names(context, sentences, norm)

    def means_it(h: Hit) -> bool:
        sentence = sentences[h.sentence]
        if context.not_in_advice and _hypothetical(sentence):
            return False
        if context.near is None:
            return True
        if context.terms is not None and not context.terms.fullmatch(norm, h.start, h.end):
            return True
        # a chest-pain visit: "does it go anywhere, your arm, your jaw?" is about the chest pain
        if about_it and not _doctor_statement(sentence):
            return True
        lo = sentences[max(0, h.sentence - _NEAR_SENTENCES)].start
        after = sentences[h.sentence + 1] if h.sentence + 1 < len(sentences) else sentence
        hi = after.end if after.segment == sentence.segment else sentence.end
        return context.near.search(norm, lo, hi) is not None

    return [h for h in hits if means_it(h)]


#: how many sentences before a keyword's own may hold the word that gives it its sense (the question it
#: answers)
_NEAR_SENTENCES = 2


def _doctor_statement(sentence: Sentence) -> bool:
    """A doctor's sentence that asks nothing (advice, a plan, a finding); a question is one with its mark or,
    typed without it, one opening as a question does ("does it go anywhere else, your arm, your jaw")."""
    text = sentence.text.strip()
    return (
        (sentence.speaker or "") == "doctor"
        and not text.endswith(("?", "؟"))
        and not (_OPENS_A_QUESTION.match(text) and not text.endswith((".", "!")))
    )


_OPENS_A_QUESTION = re.compile(
    r"^(?:(?:okay|ok|alright|right|so|and|now|well|um|uh)[\s,]+)*(?:what|when|where|why|how|which|who|do|does|did|have|"
    r"has|are|is|was|were|can|could|would|any|anything|tell me)\b",
    re.IGNORECASE,
)


def _opening_names(context: ItemContext, sentences: list[Sentence], norm: str) -> bool:
    """Whether the patient's first ``context.opening`` sentences (the visit's complaint) name one of the item's
    ``near`` words: the visit is about it («این چند وقته سینه‌م یه جوری میشه», "a tightness in my chest when I
    walk"), so the history's questions and answers are about it however far from the word they are ("does it
    go anywhere else, your arm, your jaw?" / "down my left arm"); a doctor's statement still needs the word."""
    if not context.opening or context.near is None:
        return False
    own = [s for s in sentences if (s.speaker or "patient") != "doctor"][: context.opening]
    return any(context.near.search(norm, s.start, s.end) for s in own)


def _outside_its_visit(item: ItemSpec, norm: str) -> bool:
    """Whether the item belongs to a kind of visit this one is not (no diabetes named anywhere)."""
    context = item_contexts().get(item.key or "")
    return context is not None and context.visit is not None and context.visit.search(norm) is None


def _evidence_in_context(result: ItemResult, item: ItemSpec, sentences: list[Sentence], norm: str) -> bool:
    """Whether the evidence fits the item's context: not only a doctor's conditional advice for a history
    item, and, when every keyword needs a ``near`` word, one beside it: a sentence only similar to the item
    ("does the pain go anywhere?" in a sciatica visit) is not about chest pain."""
    context = item_contexts().get(item.key or "")
    if context is None or not result.anchor_positions or not sentences:
        return True
    start, end = result.anchor_positions[0]["start"], result.anchor_positions[-1]["end"]
    first = next((i for i, s in enumerate(sentences) if s.end > start), 0)
    if context.not_in_advice and all(_hypothetical(s) for s in sentences if s.start < end and s.end > start):
        return False
    if context.near is None or context.terms is not None:
        return True
    if _opening_names(context, sentences, norm) and not _doctor_statement(sentences[first]):
        return True
    lo = sentences[max(0, first - _NEAR_SENTENCES)].start
    # the next sentence of the same speaker too, as for a keyword ("let me see your feet. no ulcers, the
    # monofilament is felt")
    last = next((i for i in range(len(sentences) - 1, -1, -1) if sentences[i].start < end), first)
    if last + 1 < len(sentences) and sentences[last + 1].speaker == sentences[last].speaker:
        end = sentences[last + 1].end
    return context.near.search(norm, lo, end) is not None


def _not_discussed(result: ItemResult, item: ItemSpec, lang: str) -> ItemResult:
    """The result of an item the visit does not concern (or of words of another sense): missing, whatever a
    similar sentence scored."""
    result.status = "missing"
    result.evidence_text, result.anchor_positions = "", []
    result.details = {**result.details, "reason": "the visit does not concern this item"}
    result.generated_question = render_question(item, lang)
    result.notes = _notes(result)
    return result


class _TopicContext:
    """The visit's segments and their section probabilities, computed once per evaluation."""

    __slots__ = ("patterns", "probs", "sections", "segments")

    def __init__(
        self, segs: list[Segment], probs: np.ndarray, sections: tuple[str, ...], patterns: list[set[str]]
    ) -> None:
        self.segments = segs
        self.probs = probs
        self.sections = sections
        self.patterns = patterns


#: patterns found in a unit's question: its answer is shown with the question ("any blood in the urine?" /
#: "I think it looked a little pink yesterday")
_FROM_QUESTION = frozenset(
    {
        "bleeding_asked",
        "past_illness",
        "modifying_factor",
        "adherence_check",
        "medicine_taken",
        "stated_severity",
        "understanding_checked",
        "warning_sign_asked",
        "home_told",
    }
)

#: the rank of a segment that neither answers the item's question nor states one of its decisive patterns
_NO_RANK = -99

#: how close (characters) an ``exclude`` term must be to a keyword hit to void it: "allergic to any
#: medications", "به دارویی حساسیت", not "what medications are you taking, and any allergies?"
_EXCLUDE_REACH = 20

#: the least section score at which a segment holding the item's own words (keyword or pattern) is shown
#: as the evidence of an item the classifier covered with another segment: it need not reach the cover
#: threshold, only not be rejected outright (a family-history question naming "history of" scores ~0)
_NAMED_EVIDENCE_MIN = 0.1

#: only a coordinator and determiners between two terms: two items of a list ("medicines or allergies",
#: "medications, and any allergies", "surgery and will need"), not one modifying the other
_COORDINATOR_GAP = re.compile(
    r"^[\s,،]*(?:or|and|and also|as well as|plus|یا|و)\s+(?:(?:any|some|your|his|her|their|the|other|also)\s+)*$",
    re.IGNORECASE,
)


def _coordinated(norm: str, h: Hit, m: re.Match) -> bool:
    """Whether the exclusion term ``m`` is another item of a list the keyword hit ``h`` is in."""
    if m.start() < h.end and m.end() > h.start:
        return False  # the same words
    gap = norm[h.end : m.start()] if m.start() >= h.end else norm[m.end() : h.start]
    return bool(_COORDINATOR_GAP.match(gap))


#: a doctor's conditional advice or warning: "if the pain gets severe or sudden, go to the ER",
#: "اگه سردرد خیلی شدید و ناگهانی اومد …"; not "if I understand correctly, it started yesterday"
_CONDITIONAL = re.compile(
    r"\b(?:if|unless|in case|whenever|should (?:he|she|it|you|they|the)|once (?:the|it|it's|you|your|he|she|they|that|this)"
    r")\b(?! (?:i|we) (?:understand|heard|remember|recall)\b)"
    r"|(?<![\u0600-\u06FF])(?:اگر|اگه|در صورت|درصورت|چنانچه|هر وقت|هروقت)(?![\u0600-\u06FF])",
    re.IGNORECASE,
)


#: a doctor announcing what will be done: "we'll give you an air cast and crutches for a few days"
_PLANNED = re.compile(
    r"^\W*(?:(?:so|okay|ok|and|then|also|now|alright|all right)\W+)*(?:i'll|we'll|i will|we will|"
    r"(?:i'm|we're|i am|we are) (?:going to|gonna))\b",
    re.IGNORECASE,
)


def _set_aside(found: list[Hit], kept: list[Hit]) -> list[int]:
    """Where the keyword hits ``found`` lost to the item's exclusions begin."""
    kept_starts = {h.start for h in kept}
    return [h.start for h in found if h.start not in kept_starts]


def _weighs_a_condition(sentence: Sentence, h: Hit, norm: str) -> bool:
    """Whether a differential's words ("could be", "ممکنه") name a condition in their sentence and are
    not a doctor's conditional warning: "it could be a kidney stone" weighs a diagnosis; "any chance you
    could be pregnant?", "ممکنه اوایل یه کم نفخ بده" (a side effect) and "if you get a fever, come back,
    it might be spreading to the kidneys" do not."""
    if (sentence.speaker or "") == "doctor" and _CONDITIONAL.search(sentence.text):
        return False
    lo = max(sentence.start, h.start - _CONDITION_REACH)
    hi = min(sentence.end, h.end + _CONDITION_REACH)
    return names_condition(norm[lo:hi])


#: how far (characters) from a differential's words the condition it weighs may be named
_CONDITION_REACH = 60


#: a test or treatment decided against: "we don't need an MRI", "not yet", «الان لازم نیست», «عکس چیزی رو عوض نمی‌کنه»
_DECLINE = re.compile(
    r"\b(?:(?:do|does|did)(?:n't| not) need|no need|not (?:needed|necessary|yet|now|right now|at this point)|won't (?:change|help)|"
    r"(?:doesn't|does not|wouldn't|would not) (?:change|help)|don't think (?:we|you) need)\b|"
    r"لازم نیست|لازم نداره|نیازی نیست|نیاز نیست|نمی[\s\u200c]?خواد|عوض نمی[\s\u200c]?کن\S*|فایده(?:ای)? نداره|"
    r"کمکی نمی[\s\u200c]?کن\S*|فعلا نه|فعلاً نه",
    re.IGNORECASE,
)


def _declined(norm: str, sentence: Sentence, h: Hit) -> bool:
    """Whether the keyword's clause declines it: "we don't need an MRI", «عکس الان چیزی رو عوض نمی‌کنه»."""
    a, b = clause_bounds(
        norm[sentence.start : sentence.end], h.start - sentence.start, h.end - sentence.start
    )
    return _DECLINE.search(norm, sentence.start + a, sentence.start + b) is not None


def _hypothetical(sentence: Sentence) -> bool:
    """A doctor's statement (not a question) that sets a condition or announces the plan: advice or
    the plan, not the patient's history."""
    text = sentence.text.rstrip()
    return (
        (sentence.speaker or "") == "doctor"
        and not text.endswith(("?", "؟"))
        and bool(_CONDITIONAL.search(text) or _PLANNED.search(text))
    )


#: a sentence that asks: a question mark, or a question's opening word where no mark was typed
_ASKS = re.compile(
    r"[?؟]\s*$|^\W*(?:(?:and|so|but|um|uh|oh|okay|ok|well)[\s,]+)*(?:is|are|was|were|do|does|did|can|could|should|"
    r"will|would|what|how|why|when|where|which)\b",
    re.IGNORECASE,
)
#: a question about the listener's own history ("do you smoke?"): asked of a patient, whatever the labels say (some
#: transcripts swap them); "do you think it's serious?" asks the doctor's opinion
_ASKED_OF_THEM = re.compile(
    r"\b(?:do|did|have|are|were) you\b(?! (?:think|mean|know|recommend|want|need)\b)", re.IGNORECASE
)
#: a patient wondering about the cause: "could it be an allergy?", "is it because of the new soap?"
_WONDER = re.compile(
    r"\b(?:could|can|might|may|would) (?:it|this|that|they) (?:be|come from)\b|"
    r"\bis (?:it|this|that) (?:because of|from|due to|caused by)\b",
    re.IGNORECASE,
)
#: a sentence that only adds to the one before it: "and an ecg before you go"
_AND_ALSO = re.compile(r"^\W*(?:and|also|plus|as well as)\b", re.IGNORECASE)


def _turn_start(sentences: list[Sentence], i: int) -> int:
    """The first sentence of the turn sentence ``i`` belongs to."""
    while i > 0 and sentences[i - 1].segment == sentences[i].segment:
        i -= 1
    return i


def _answers_their_question(sentences: list[Sentence], i: int) -> bool:
    """Whether sentence ``i`` is a doctor's statement in a turn that answers the other speaker's question (a
    question anywhere in the turn just before, not one about the listener's own history)."""
    sentence = sentences[i]
    if (sentence.speaker or "") != "doctor" or _ASKS.search(sentence.text):
        return False
    k = _turn_start(sentences, i) - 1
    if k < 0 or (sentences[k].speaker or "doctor") == "doctor":
        return False
    return any(
        _ASKS.search(s.text) and not _ASKED_OF_THEM.search(s.text)
        for s in sentences[_turn_start(sentences, k) : k + 1]
    )


def _wonders(sentence: Sentence) -> bool:
    """Whether an English sentence of the patient (or a carer) asks whether something is the cause."""
    return (sentence.speaker or "") != "doctor" and bool(
        _ASKS.search(sentence.text) and _WONDER.search(sentence.text)
    )


def _question_of(sentences: list[Sentence], i: int) -> str:
    """The doctor's question sentence ``i`` is or answers (the last sentence of the turn before), or ""."""
    sentence = sentences[i]
    if (sentence.speaker or "") == "doctor":
        return sentence.text if _ASKS.search(sentence.text) else ""
    k = _turn_start(sentences, i) - 1
    if k < 0 or (sentences[k].speaker or "") != "doctor" or not _ASKS.search(sentences[k].text):
        return ""
    return sentences[k].text


def _continues_the_plan(sentences: list[Sentence], i: int) -> bool:
    """Whether a doctor's sentence only adds to the plan the sentence before it in the turn announced ("i'll do bloods
    today." / "and an ecg before you go.")."""
    if i == 0 or sentences[i - 1].segment != sentences[i].segment or not _AND_ALSO.search(sentences[i].text):
        return False
    before = sentences[i - 1]
    return _hypothetical(before) or states_the_plan(before.text)


#: a "how much" question about something other than the complaint: weight, age, a habit, a medicine
_AMOUNT_OF = re.compile(
    r"\bhow (?:much|many) (?:\w+ )?(?:alcohol|drinks?|beers?|wine|liquor|cigarettes?|packs?|cups?|coffee|tea|water|"
    r"caffeine|fluids?|sleep|hours|money|medicines?|medications?|pills?|tablets?|mg|milligrams?|weight|pounds|kilos?)\b|"
    r"\bhow much (?:do|does|did) (?:you|he|she|they) (?:\w+ )?(?:weigh|drink|smoke|sleep|eat|pay)\b|"
    r"\bhow (?:old|tall|heavy)\b|"
    r"(?<![^\W\d_])(?:وزن|کیلو|قد|سن|سیگار|الکل|مشروب|چای|قهوه|آب|مایعات|خواب|دارو|قرص|غذا|نمک|قند|پول|هزینه)"
    r"(?:\u200c?ها)?(?:ش|ت|م|تون|تان|شون|ی)?\s+(?:\S+\s+){0,2}?چقدر|"  # "وزنش", not "آبریزش"
    r"چقدر\s+(?:\S+\s+)?(?:آب|چای|قهوه|سیگار|الکل|مشروب|غذا|نمک|دارو|قرص|مایعات)(?![^\W\d_])|"  # "روزی چقدر آب"
    r"\bhow much (?:are|is|were|was) (?:you|he|she|they) (?:drinking|smoking|eating|sleeping|taking)\b",
    re.IGNORECASE,
)


def _amount_asked(question: str) -> bool:
    """A "how much" question about something other than the complaint: weight, a habit, a medicine by
    its class or its name ("how much tylenol did you give?")."""
    return bool(_AMOUNT_OF.search(question) or (_HOW_MUCH.search(question) and names_drug(question)))


_HOW_MUCH = re.compile(r"\bhow (?:much|many)\b|چقدر|چند تا", re.IGNORECASE)


#: the tag that makes a statement look like a question ("... an exacerbation of your arthritis, okay?")
_TAG_QUESTION = re.compile(
    r"[\s,](?:okay|ok|all right|alright|right|yeah|you know|does that make sense|sound good|باشه|خب|درسته)"
    r"\s*[?؟]\s*$",
    re.IGNORECASE,
)


def _asked(h: Hit, seg: Segment) -> bool:
    """Whether the hit is in a question: a question on its own, or the question sentence of a unit
    (not a statement between it and the answer); a statement with a tag ("you have an ear
    infection, okay?") is not asked."""
    unit = len(seg.sentences) > 1
    if not (seg.question or (unit and h.start < seg.asked_end)):
        return False
    question = seg.sentences[0]
    return not (_TAG_QUESTION.search(question) and len(question.split()) > 4)


def _hit_in_role(hits: list[Hit], context: _TopicContext, profile: TopicProfile) -> bool:
    """Whether some keyword hit lies in a segment spoken by a role the item accepts and, for an item
    that is said rather than asked (``statements_only``: "do you have children?" states no
    diagnosis), outside every question."""
    for h in hits:
        for seg in context.segments:
            if seg.start <= h.start < seg.end:
                # a unit is the answerer's; its question is also the doctor's own words
                in_question = h.start < seg.evidence[0]
                if profile.statements_only and _asked(h, seg):
                    break
                if seg.role in profile.roles or (in_question and "doctor" in profile.roles):
                    return True
                break
        else:
            return True  # outside every segment: no evidence against it
    return False


def _best_in_role(
    hits: list[Hit], context: _TopicContext, profile: TopicProfile, cols: list[int]
) -> Segment | None:
    """Of the statements by an accepted speaker that hold a keyword, the one the classifier puts
    most in the item's sections ("I'll increase lisinopril to 20 mg", not "sensation is decreased")."""
    found = [
        j
        for j, seg in enumerate(context.segments)
        if seg.role in profile.roles
        and not seg.question
        and any(seg.start <= h.start < seg.end for h in hits)
    ]
    if not found:
        return None
    return context.segments[max(found, key=lambda j: float(context.probs[j, cols].sum()) if cols else 0.0)]


def _with_evidence(
    transcript: TranscriptView, result: ItemResult, seg: Segment, *, with_question: bool = False
) -> ItemResult:
    start, end = seg.evidence
    if len(seg.sentences) > 1 and (
        with_question or seg.polarity in ("yes", "no") or len(_WORD.findall(seg.sentences[1])) <= 5
    ):
        # "No." or "Not that we know of." says nothing without its question: show both
        start = seg.start
    result.evidence_text = transcript.text[start:end]
    result.anchor_positions = [{"start": start, "end": end}]
    return result


def _notes(result: ItemResult) -> str:
    """One sentence for the doctor: why covered, why only partial, why unclear or missing."""
    reason = result.details.get("reason", "")
    quote = " ".join(result.evidence_text.split())
    quote = quote if len(quote) <= 160 else quote[:157] + "..."
    if result.status == "covered":
        if reason.startswith("trained classifier"):
            why = reason.split(": ", 1)[-1]
            return f'Covered ({why}): "{quote}".' if quote else "Covered."
        polarity = " (answered no)" if result.details.get("polarity") == "negated" else ""
        return f'Covered{polarity}: "{quote}".' if quote else "Covered."
    if result.status == "partial":
        return f"Partial: {reason or 'touched on but not fully covered'}" + (
            f' - "{quote}".' if quote else "."
        )
    if result.status == "unclear":
        return f'Unclear: asked, but the answer was uncertain - "{quote}".' if quote else "Unclear."
    return "Missing: not discussed in the visit."


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
