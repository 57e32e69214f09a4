"""The offline default SOAP engine: lexicons + a small classifier over MiniLM sentence embeddings.

Sentences are split within turns; each is classified (embeddings + cue words + speaker), then turned
into draft items whose evidence spans point at the exact transcript text.
"""

from __future__ import annotations

import re
from typing import Any, cast

import numpy as np

from soapify.core.draft_schema import ITEM_KINDS, SECTIONS, Draft, Item, empty_draft
from soapify.core.transcript import SPEAKER_DOCTOR, SPEAKER_PATIENT, TranscriptView, detect_language

from . import lexicons as lx
from .base import DraftResult
from .classifier import SENT_LABELS
from .extract import extract_durations, extract_medications, extract_vitals, is_negated, is_uncertain
from .stt import infer_speakers, unlabelled
from .style import doctor_to_note, guess_gender, patient_to_third, render_section, sentence_case
from .text import Sentence, normalize_digits, number_view, split_sentences

VERSION = "1.0.0"
_KIND_ORDER = {k: i for s in SECTIONS for i, k in enumerate(ITEM_KINDS[s])}
_PATIENT_KINDS = ("allergy", "family_history", "social_history", "past_history", "medication")
_PROBLEM = re.compile(
    r"(?:looks like|sounds like|consistent with|diagnos(?:is|ed) (?:of|with)|you have|you've got|"
    r"this is|most likely|suspect|concerned (?:about|for)|دچار|تشخیص)\s+(?:an? |the |some )?([^,.;?!]{3,60})",
    re.IGNORECASE,
)


def _ev(transcript: TranscriptView, start: int, end: int, segment_id: int | None) -> dict:
    return {"start": start, "end": end, "text": transcript.text[start:end], "segment_id": segment_id}


class RulesEngine:
    """Offline SOAP extraction. Options: ``use_embeddings`` (MiniLM classifier; off = lexicons only)."""

    name = "rules"
    version = VERSION

    def __init__(self, *, use_embeddings: bool = True) -> None:
        self.use_embeddings = use_embeddings
        self.model = "lexicons+all-MiniLM-L6-v2-lr" if use_embeddings else "lexicons"

    # ------------------------------------------------------------------ public
    def warmup(self) -> None:
        """Load the section classifier and the embedder now instead of on the first English draft."""
        if self.use_embeddings:
            from .classifier import warmup

            warmup()

    def generate(self, transcript: TranscriptView, *, language: str | None = None) -> DraftResult:
        lang = language or transcript.language or detect_language(transcript.text)
        lang = "fa" if lang.startswith("fa") else "en"
        sents = split_sentences(transcript)
        if unlabelled(sents):  # speech recognition output: no speakers, no punctuation
            sents = infer_speakers(sents, lang)
        labels, confs = self._classify(sents, lang)
        draft = _Builder(transcript, lang, sents, labels, confs).build()
        return DraftResult(draft=draft, engine=self.name, model=self.model, version=self.version)

    # ------------------------------------------------------------------ classification
    def _classify(self, sents: list[Sentence], lang: str) -> tuple[list[str], list[float]]:
        labels = ["other" if lx.ASSISTANT.search(s.text) else cue_label(s) or "other" for s in sents]
        confs = [0.6 if lab != "other" else 0.5 for lab in labels]
        if lang != "en" or not self.use_embeddings:
            for i, s in enumerate(sents):
                if labels[i] == "other" and s.speaker != SPEAKER_DOCTOR and not s.question and _content(s):
                    labels[i] = "hpi"
            return labels, confs
        from .classifier import get_classifier

        # Embed only what the classifier decides: doctor questions never become items themselves, and a
        # patient sentence naming a symptom is history whatever the classifier says.
        idx = [i for i, s in enumerate(sents) if _content(s) and not _settled(s)]
        for i, s in enumerate(sents):
            if s.speaker != SPEAKER_DOCTOR and _content(s) and lx.SYMPTOM_RE.search(s.text):
                labels[i], confs[i] = "hpi", 0.7
        probs = get_classifier().sentence_probs([sents[i].text for i in idx], [sents[i].speaker for i in idx])
        for row, i in zip(probs, idx, strict=True):
            labels[i], confs[i] = _combine(row, sents[i], labels[i])
        return labels, confs


def _settled(s: Sentence) -> bool:
    if s.speaker == SPEAKER_DOCTOR:
        return s.question
    return bool(lx.SYMPTOM_RE.search(s.text))


def _content(s: Sentence) -> bool:
    return (
        len(_WORDS.findall(s.text)) >= 3
        and not lx.SMALL_TALK.match(s.text)
        and not lx.ASSISTANT.search(s.text)
    )


_WORDS = re.compile(r"\w+")
_ALLERGEN = re.compile(
    r"\ballergic to (?:an? |the |some )?([a-z][\w-]*(?: (?:drugs?|antibiotics?))?)", re.IGNORECASE
)
_NEGATIVE_FINDING = re.compile(
    r"^\W*(?:no|negative|without|there (?:is|are|was|were) no|i (?:do not|don't) (?:see|hear|feel))\b|"
    r"^\W*(?:نه|هیچ|بدون)",
    re.IGNORECASE,
)
_DOCTOR_CUES = ("exam", "result", "plan", "assessment", "hpi")
_PATIENT_DAMP = np.array([1.0 if lab in ("other", "hpi", "ros") else 0.35 for lab in SENT_LABELS])


def _combine(probs: np.ndarray, s: Sentence, cue: str) -> tuple[str, float]:
    p = probs.copy()
    if s.speaker == SPEAKER_PATIENT:
        p = p * _PATIENT_DAMP
    elif cue in _DOCTOR_CUES:
        # A doctor's statement with a clear cue ("come back in two weeks", "this looks like a migraine")
        # keeps the cue's section unless the classifier is confident; a plan cue beats "assessment"
        # (the weakly labelled head mixes the two).
        top = SENT_LABELS[int(p.argmax())]
        if top in ("hpi", "ros") or p.max() < 0.6 or (cue == "plan" and top == "assessment"):
            p[SENT_LABELS.index(cue)] = p.max() + 0.05
    if cue != "other" and cue in SENT_LABELS:
        p[SENT_LABELS.index(cue)] += 0.2
    p = p / p.sum()
    k = int(p.argmax())
    return SENT_LABELS[k], round(float(p[k]), 3)


def cue_label(s: Sentence) -> str | None:
    """A section label from cue words alone (used for Persian and to steer the classifier)."""
    t = normalize_digits(s.text)
    doctor = s.speaker == SPEAKER_DOCTOR
    if doctor and not s.question:
        if lx.HISTORY_VERB.search(t):
            return "hpi"  # dictation: "she denies fever or shortness of breath"
        for label in ("exam", "plan", "result", "assessment"):
            if lx.CUES[label].search(t):
                return label
        if extract_vitals(t):
            return "exam"
        if any(lx.CUES[k].search(t) for k in _PATIENT_KINDS[:-1]):
            return "hpi"  # "she is a nonsmoker", "her mother had breast cancer"
    if not doctor and (lx.SYMPTOM_RE.search(t) or any(lx.CUES[k].search(t) for k in _PATIENT_KINDS)):
        return "hpi"
    return None


class _Builder:
    def __init__(
        self,
        transcript: TranscriptView,
        lang: str,
        sents: list[Sentence],
        labels: list[str],
        confs: list[float],
    ) -> None:
        self.t = transcript
        self.lang = lang
        self.sents = sents
        self.labels = labels
        self.confs = confs
        self.gender = guess_gender(transcript.text) if lang == "en" else None
        self.items: dict[str, list[Item]] = {s: [] for s in SECTIONS}

    # ------------------------------------------------------------------ helpers
    def add(
        self, section: str, kind: str, text: str, spans: list[tuple[int, int, int | None]], **kw: Any
    ) -> Item:
        item: Item = {
            "kind": kind,
            "text": text,
            "negated": bool(kw.pop("negated", False)),
            "uncertain": bool(kw.pop("uncertain", False)),
            "confidence": round(float(kw.pop("confidence", 0.5)), 3),
            "evidence": [_ev(self.t, a, b, seg) for a, b, seg in spans],  # type: ignore[misc]
        }
        item.update({k: v for k, v in kw.items() if v is not None})  # type: ignore[typeddict-item]
        self.items[section].append(item)
        return item

    @staticmethod
    def span(s: Sentence) -> tuple[int, int, int | None]:
        return (s.start, s.end, s.segment_id)

    def patient_text(self, s: Sentence) -> str:
        if self.lang == "fa":
            return f"بیمار گزارش می‌دهد: {s.text.strip()}"
        return patient_to_third(s.text, self.gender)

    def doctor_text(self, s: Sentence) -> str:
        return s.text.strip() if self.lang == "fa" else doctor_to_note(s.text, self.gender)

    # ------------------------------------------------------------------ build
    def build(self) -> Draft:
        self.chief_complaint()
        prev_question: Sentence | None = None
        for i, s in enumerate(self.sents):
            self.sentence(i, s, prev_question)
            if s.speaker == SPEAKER_DOCTOR:
                prev_question = s if s.question else None
        draft = empty_draft(self.lang)
        for section in SECTIONS:
            items = sorted(self.items[section], key=lambda it: _KIND_ORDER.get(it["kind"], 99))
            text = render_section(cast(list[dict], items), self.lang)
            draft["sections"][section] = {"text": text, "items": items}
        return draft

    def sentence(self, i: int, s: Sentence, question: Sentence | None) -> None:
        label, conf = self.labels[i], self.confs[i]
        nv = number_view(s.text, s.start)
        vitals = extract_vitals(s.text, s.start, nv)
        for v in vitals:
            self.add(
                "objective", "vital", v.label(self.lang), [(v.start, v.end, s.segment_id)], confidence=0.9,
                name=v.name, value=v.value, unit=v.unit, systolic=v.systolic, diastolic=v.diastolic,
                negated=False, uncertain=is_uncertain(s.text),
            )  # fmt: skip
        doctor = s.speaker == SPEAKER_DOCTOR
        plan_like = doctor and label in ("plan", "assessment")
        allergy = bool(lx.CUES["allergy"].search(s.text))
        meds = [] if allergy else extract_medications(s.text, s.start, nv, heard=plan_like)
        for m in meds:
            text = " ".join(x for x in (m.name, m.dose and f"{m.dose} {m.unit or ''}".strip(), m.route, m.frequency,
                                        m.duration and f"for {m.duration}") if x)  # fmt: skip
            self.add(
                "plan" if plan_like else "subjective", "medication", text, [(m.start, m.end, s.segment_id)],
                confidence=0.8, name=m.name, dose=m.dose, unit=m.unit, route=m.route, frequency=m.frequency,
                duration=m.duration, negated=not plan_like and is_negated(s.text, m.start - s.start),
                uncertain=is_uncertain(s.text),
            )  # fmt: skip
        if s.speaker != SPEAKER_DOCTOR and question is not None and self.answer(s, question):
            return
        if doctor:
            if lx.DEMOGRAPHIC.search(s.text) and not s.question and not lx.ASSISTANT.search(s.text):
                label = "hpi"  # "martha is a 50-year-old female with ... who presents for ..."
            if not s.question and label != "other" and not (vitals and label == "exam"):
                self.doctor_item(s, label, conf)
        elif label != "other" or lx.SYMPTOM_RE.search(s.text):
            self.patient_item(s, conf, has_meds=bool(meds))

    def answer(self, s: Sentence, q: Sentence) -> bool:
        """A bare yes/no answer to a doctor's question about symptoms or history."""
        no, yes = lx.BARE_NO.match(s.text), lx.BARE_YES.match(s.text)
        if not (no or yes):
            return False
        spans = [self.span(q), self.span(s)]
        terms = list(dict.fromkeys(m.group(0).lower() for m in lx.SYMPTOM_RE.finditer(q.text)))
        if terms:
            for term in terms:
                word = lx.canonical_symptom(term) if self.lang == "en" else term
                text = (f"Denies {word}." if no else f"Reports {word}.") if self.lang == "en" else (
                    f"{word}: {'ندارد' if no else 'دارد'}")  # fmt: skip
                self.add("subjective", "ros", text, spans, negated=bool(no), confidence=0.75,
                         name=lx.canonical_symptom(term))  # fmt: skip
            return True
        for kind in ("allergy", "medication", "family_history", "social_history", "past_history"):
            if lx.CUES[kind].search(q.text):
                self.add("subjective", kind, self.answer_text(kind, q, s, bool(no)), spans, negated=bool(no),
                         confidence=0.7)  # fmt: skip
                return True
        return False

    def answer_text(self, kind: str, q: Sentence, a: Sentence, no: bool) -> str:
        if len(_WORDS.findall(a.text)) >= 4:  # "No, I have never smoked in my entire life."
            return self.patient_text(a)
        if self.lang == "fa":
            return f"{q.text.strip()} {'خیر' if no else 'بله'}"
        if no and kind == "allergy":
            return "No known allergies."
        if no and kind == "medication":
            return "Takes no medications."
        return f"Answers {'no' if no else 'yes'} to: {q.text.strip()}"

    def patient_item(self, s: Sentence, conf: float, has_meds: bool = False) -> None:
        kind = next((k for k in _PATIENT_KINDS if lx.CUES[k].search(s.text)), "hpi")
        if kind == "medication" and has_meds:
            return  # the structured medication item already covers this sentence
        self.history_item(s, kind, self.patient_text(s), conf)

    def history_item(self, s: Sentence, kind: str, note_text: str, conf: float) -> None:
        """A history statement plus one review-of-systems item per symptom it names (negated or not)."""
        text = s.text
        terms = list(lx.SYMPTOM_RE.finditer(text))
        neg_terms = [is_negated(text, m.start()) for m in terms]
        negated = all(neg_terms) if terms else (kind != "hpi" and is_negated(text))
        durations = extract_durations(normalize_digits(text))
        allergen = _ALLERGEN.search(text) if kind == "allergy" and not negated else None
        self.add(
            "subjective", kind, note_text, [self.span(s)], negated=negated,
            uncertain=is_uncertain(text), confidence=conf, duration=durations[0][2] if durations else None,
            name=allergen.group(1).lower() if allergen else None,
        )  # fmt: skip
        for m, neg in zip(terms, neg_terms, strict=True):
            name = lx.canonical_symptom(m.group(0))
            word = name if self.lang == "en" else m.group(0)
            if self.lang == "en":
                label = f"Denies {word}." if neg else f"Reports {word}."
            else:
                label = f"{m.group(0)}: {'ندارد' if neg else 'دارد'}"
            self.add(
                "subjective", "ros", label, [(s.start + m.start(), s.start + m.end(), s.segment_id)],
                negated=neg, uncertain=is_uncertain(text), confidence=0.7, name=name,
            )  # fmt: skip

    def doctor_item(self, s: Sentence, label: str, conf: float) -> None:
        text = self.doctor_text(s)
        spans = [self.span(s)]
        unc = is_uncertain(s.text)
        if label in ("hpi", "ros"):
            kind = next((k for k in _PATIENT_KINDS[:-1] if lx.CUES[k].search(s.text)), "hpi")
            self.history_item(s, kind, text, conf)
        elif label in ("exam", "result"):
            negated = bool(_NEGATIVE_FINDING.match(s.text))  # "no murmurs", "there is no effusion"
            self.add("objective", label, text, spans, confidence=conf, uncertain=unc, negated=negated)
        elif label == "assessment":
            m = _PROBLEM.search(s.text)
            name = m.group(1).strip() if m else None
            self.add("assessment", "problem", text, spans, confidence=conf, uncertain=unc, name=name)
        elif label == "plan":
            kind = next(
                (k for k in ("test", "referral", "follow_up") if lx.CUES[k].search(s.text)), "instruction"
            )
            interval = None
            if kind == "follow_up":
                du = extract_durations(number_view(s.text).text)
                interval = du[0][2] if du else None
            self.add("plan", kind, text, spans, confidence=conf, uncertain=unc, interval=interval)

    def chief_complaint(self) -> None:
        """The first complaint the patient voices, preferably in answer to 'what brings you in'."""
        asked = not any(s.speaker == SPEAKER_DOCTOR and lx.CHIEF_Q.search(s.text) for s in self.sents)
        for s in self.sents:
            if s.speaker == SPEAKER_DOCTOR and lx.CHIEF_Q.search(s.text):
                asked = True
                continue
            if s.speaker == SPEAKER_DOCTOR or not asked:
                continue
            terms = [m for m in lx.SYMPTOM_RE.finditer(s.text) if not is_negated(s.text, m.start())]
            if not terms:
                continue
            norm = normalize_digits(s.text)
            dur = extract_durations(norm) or extract_durations(number_view(s.text).text)
            words = list(dict.fromkeys(
                lx.canonical_symptom(m.group(0)) if self.lang == "en" else m.group(0) for m in terms))  # fmt: skip
            if self.lang == "en":
                text = sentence_case(", ".join(words) + (f" for {dur[0][2]}" if dur else ""))
            else:
                text = "، ".join(words) + (f" ({s.text[dur[0][0] : dur[0][1]]})" if dur else "")
            self.add("subjective", "chief_complaint", text, [self.span(s)], confidence=0.7,
                     uncertain=is_uncertain(s.text),
                     duration=dur[0][2] if dur else None, name=lx.canonical_symptom(words[0]))  # fmt: skip
            return
