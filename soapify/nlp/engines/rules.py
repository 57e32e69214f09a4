"""The offline default SOAP engine: dialogue understanding + lexicons + a small classifier over MiniLM
sentence embeddings.

The transcript is first understood as a dialogue (``soapify.nlp.dialogue``: speaker roles, questions and
their answers, negation scope, numbers); each sentence is classified (embeddings + cue words + speaker),
then turned into draft items whose evidence spans point at the exact transcript text. Questions and
pleasantries never become content; symptoms take their polarity from the dialogue (a doctor's "Any
rash?" answered "No" is a denied rash); a doctor's proposal the patient turns down is recorded as
declined; a new prescription is a plan item, never a current medication.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, cast

import numpy as np

from soapify.core.draft_schema import ITEM_KINDS, SECTIONS, Draft, Item, empty_draft
from soapify.core.transcript import SPEAKER_DOCTOR, SPEAKER_PATIENT, TranscriptView, detect_language
from soapify.nlp.dialogue import Dialogue, Mention, Unit, analyse, clause_bounds
from soapify.nlp.dialogue.analyse import cannot_do

from . import lexicons as lx
from . import problems
from .base import DraftResult
from .classifier import SENT_LABELS
from .extract import (
    extract_durations,
    extract_fa_labs,
    extract_medications,
    extract_vitals,
    fa_strength,
    is_negated,
    is_uncertain,
)
from .style import (
    CAREGIVER_ASKED,
    CAREGIVER_EN,
    CAREGIVER_FA,
    FIRST_PERSON_EN,
    FIRST_PERSON_FA,
    clean_spoken,
    doctor_to_note,
    fa_doctor_to_note,
    fa_patient_quote,
    guess_gender,
    patient_to_third,
    pronouns,
    render_section,
    sentence_case,
)
from .text import Sentence, digits_en, normalize_digits, number_view

VERSION = "2.0.0"
_KIND_ORDER = {k: i for s in SECTIONS for i, k in enumerate(ITEM_KINDS[s])}
_PATIENT_KINDS = ("allergy", "family_history", "social_history", "past_history", "medication")
_PROBLEM = re.compile(
    r"(?:looks like|sounds like|consistent with|diagnos(?:is|ed) (?:of|with)|you have|you've got|"
    r"(?:he|she|they) (?:has|have|'s got)|this is|it's|it is|most likely|suspect|concerned (?:about|for)|"
    r"دچار|مبتلا به|تشخیص|احتمالا|احتمالاً)\s+(?:an? |the |some )?([^,.;?!]{3,60})",
    re.IGNORECASE,
)


def _dosed(item: Item) -> bool:
    """Whether a medication item says a dose, a schedule or a course."""
    return bool(item.get("dose") or item.get("frequency") or item.get("duration"))


def _same_medicine(a: Item, b: Item) -> bool:
    """The same medicine, by brand or generic name ("tylenol" and "acetaminophen")."""
    return a["kind"] == b["kind"] == "medication" and lx.generic_name(a.get("name") or "") == lx.generic_name(
        b.get("name") or ""
    )


# a medicine taken, its dose or its schedule: "she takes vitamin b12", "25 milligram tablets twice daily"
_TAKEN_HOW = re.compile(rf"\btak(?:e|es|ing)\b|{lx.DOSE_RE.pattern}|{lx.FREQ_RE.pattern}", re.IGNORECASE)

# the kinds whose lines may repeat one another in words (not medicines, allergies, vitals: their fields count)
_REPEATABLE = frozenset({"hpi", "ros", "past_history", "social_history", "family_history", "exam", "result"})

_NO_ALLERGY = re.compile(r"^\W*(?:no|none|nope|nothing)\b|\bno (?:known )?(?:drug )?allerg", re.IGNORECASE)

_MED_DETAILS = ("dose", "unit", "frequency", "duration", "route")


def _says_no_more(a: Item, b: Item) -> bool:
    """Whether medication item ``a`` says nothing ``b`` does not (same medicine, same stop or denial, and
    every detail of ``a`` the same in ``b``): "metformin 1000 twice a day" after "metformin 1000 mg twice
    a day"; not the second step of a taper ("25 mg for a week, then 50 mg")."""
    return (
        _same_medicine(a, b)
        and bool(a.get("stopped")) == bool(b.get("stopped"))
        and a["negated"] == b["negated"]
        and a["text"].startswith("Declined") == b["text"].startswith("Declined")
        and all(a.get(k) in (None, "", b.get(k)) for k in _MED_DETAILS if k != "unit")
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
        dialogue = analyse(transcript, language=lang)
        # family members and other companions answer for the patient: the patient's side of the talk
        sents = [s if s.speaker in (SPEAKER_DOCTOR, SPEAKER_PATIENT) else replace(s, speaker=SPEAKER_PATIENT)
                 for s in dialogue.sentences]  # fmt: skip
        labels, confs = self._classify(sents, lang)
        draft = _Builder(transcript, lang, sents, labels, confs, dialogue).build()
        return DraftResult(draft=draft, engine=self.name, model=self.model, version=self.version)

    # ------------------------------------------------------------------ classification
    def _classify(self, sents: list[Sentence], lang: str) -> tuple[list[str], list[float]]:
        labels = ["other" if _noise(s) else cue_label(s) or "other" for s in sents]
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


def _noise(s: Sentence) -> bool:
    """Never note content: questions, pleasantries, the scribe assistant's commands."""
    return s.question or bool(lx.ASSISTANT.search(s.text) or lx.CHITCHAT.search(s.text))


def _settled(s: Sentence) -> bool:
    if s.speaker == SPEAKER_DOCTOR:
        return s.question
    return bool(lx.SYMPTOM_RE.search(s.text))


# A drug class a patient may turn down by name: "I'd rather not take a statin".
_DRUG_CLASSES = {"statin": "statin", "statins": "statin", "antibiotic": "mycin|cillin|floxacin|cycline|cef"}


def _refuses(reply: str, drug: str, proposed: str) -> bool:
    """Whether a patient's refusal is about ``drug``: a reply naming drugs (or a class, "a statin")
    that were among those ``proposed`` turns down those only; any other reply ("no, I'd rather
    not", "I'd rather not take Lipitor" for atorvastatin, "I already take metformin") turns down
    what was proposed."""
    words = set(re.findall(r"[\w\u200c-]+", reply.lower()))
    proposed = proposed.lower()
    named = {w for w in words if (w in lx.DRUGS or lx.DRUG_SUFFIX.fullmatch(w)) and w in proposed}
    classes = [_DRUG_CLASSES[w] for w in words if w in _DRUG_CLASSES]
    classes = [c for c in classes if re.search(rf"\w*(?:{c})\w*", proposed)]
    if not named and not classes:
        return True
    drug = drug.lower()
    return drug in named or any(re.search(rf"(?:{c})", drug) for c in classes)


def _a_relatives(text: str) -> bool:
    """Whether a sentence tells of a relative, not the speaker: "my mom had anxiety", "her brother had a
    cold last week" (not "my wife says i snore", where the speaker's own complaint follows)."""
    m = _RELATIVE_EN.search(text)
    return bool(
        m and not _SPEAKER_SUBJECT.search(text, m.end()) and not _SPEAKER_SUBJECT.search(text, 0, m.start())
    )


# the speaker as the subject: "i", "i'm", "i've", "me"
_SPEAKER_SUBJECT = re.compile(r"\b(?:i|i'm|i've|i'd|me)\b(?! think\b)", re.IGNORECASE)
# a sentence that opens on a condition: "if the thyroid is low, ...", "and if it comes back, ...", "should
# the rash spread, ..." (English)
_IF_FIRST = re.compile(
    r"^\W*(?:(?:and|but|so|also|okay|now)\W+)*(?:if|unless|should|in case)\b", re.IGNORECASE
)
# a third person as the subject: "she's tired all the time", "yeah, he had a stent put in"
_THIRD_SUBJECT = re.compile(
    r"^\W*(?:(?:yeah|yes|well|and|but|so|oh|um|uh|no)\W+)*(?:she|he|they)(?:'s|'d|'ve|'re)?\b", re.IGNORECASE
)
# a question asked, not a statement said rising: "is it contagious?", "can i work?"
_ASKS = re.compile(
    r"^\W*(?:(?:so|and|but|um|uh|oh|okay|well)\W+)*(?:is|are|was|were|do|does|did|can|could|should|would|will|"
    r"what|how|why|when|where|who|which|any|have|has)\b",
    re.IGNORECASE,
)
_RELATIVE_EN = re.compile(
    r"\b(?:my|his|her|your) (?:mom|mum|mother|dad|father|brother|sister|son|daughter|wife|husband|grand\w+|gran|nan|"
    r"aunt|uncle|cousin|niece|nephew)\b",
    re.IGNORECASE,
)
_OF_THEM = re.compile(r"\b(?:he|she|they|him|his|her|their|them)(?:'s|'d|'re)?\b", re.IGNORECASE)
_TO_YOU = re.compile(r"\b(?:you|your|you're|you've|yourself)\b", re.IGNORECASE)
_DRUG_WORD = re.compile(r"\b(?:drugs?|medications?|medicines?)\b|دارو", re.IGNORECASE)


# the speaker introducing themself as the patient's parent: "i'm her mom"
_PARENT_INTRO = re.compile(
    r"\b(?:i'm|i am) (?:his|her|their|the) (?:mom|mum|mother|dad|father|parent|guardian)\b", re.I
)


def _caregiver(sents: list[Sentence]) -> bool:
    """Whether the visit opens about the speaker's child ("what seems to be the problem with your
    son?", "my daughter has had a fever", "پسرم از دیروز تب داره"): the doctor's first three
    sentences and the patient's first two; a child named later is family history, not the patient."""
    if any(CAREGIVER_ASKED.search(s.text) for s in [s for s in sents if s.speaker == SPEAKER_DOCTOR][:3]):
        return True
    for s in [s for s in sents if s.speaker == SPEAKER_PATIENT][:3]:
        if _PARENT_INTRO.search(s.text):
            return True  # "this is maya, she's four. i'm her mom."
    for s in [s for s in sents if s.speaker == SPEAKER_PATIENT][:2]:
        child = CAREGIVER_EN.search(s.text) or CAREGIVER_FA.search(s.text)
        own = FIRST_PERSON_EN.search(s.text) or FIRST_PERSON_FA.search(s.text)
        if child and lx.SYMPTOM_RE.search(s.text) and not own:  # not "my daughter made me come in"
            return True
    return False


def _not_the_patients_now(text: str, pos: int, kind: str | None) -> bool:
    """A symptom named in the clause of an allergy ("به آسپرین حساسیت دارم، تنگی نفس میگیرم",
    "sulfa drugs give me a rash") or of a relative ("my sister had muscle pain on it"): a reaction
    or someone else's, not a symptom the patient has now."""
    if kind == "allergy":  # a substance named in the sentence: the symptom is its reaction
        words = re.findall(r"[\w\u200c-]+", text.lower())
        return bool(
            _allergen(text, denied=True) or _DRUG_WORD.search(text) or any(w in lx.DRUGS for w in words)
        )
    a, b = clause_bounds(text, pos)
    clause = text[a:b]
    return kind == "family_history" and bool(_RELATIVE_EN.search(clause) or lx.FA_RELATIVE.search(clause))


# The history questions whose answer is of their kind even when it names nothing ("Do you smoke?" /
# "I quit five years ago"); an answer with a "but", or a complaint it has now, is the patient's own
# account ("no but I've been having chest pain").
_QUESTION_KINDS = (
    ("allergy", lx.CUES["allergy"]),
    ("family_history", lx.CUES["family_history"]),
    # "does anyone in the family get headaches" / "my mum gets migraines"
    ("family_history", re.compile(r"\b(?:in|runs in|on either side of) (?:the|your) family\b", re.I)),
    (
        "social_history",
        re.compile(
            r"\b(?:smok\w*|tobacco|cigarettes?|alcohol|drink|drugs|marijuana)\b|سیگار|الکل|قلیان|قلیون|"
            # Persian habits and what the patient does all day: "تریاک؟", "کارت چیه؟", "مهدکودک میره؟"
            r"تریاک|مشروب|شغل|(?<![^\W\d_])کار(?:ت|تون|شون)\s+چیه|چه\s+کاره|مهد(?:[\u200c ]?کودک)?\s+می[\u200c ]?ره|"
            # who the patient lives with and what they do: "who's at home?", "what do you do for work?"
            r"\bwho(?:'s| is| else is)? (?:at home|in the house)\b|\blive (?:with|alone)\b|"
            r"\bwhat do you do(?: for (?:work|a living)|\W*$)|\b(?:your|for) (?:work|job)\b|\boccupation\b",
            re.I,
        ),
    ),
    (
        "past_history",
        re.compile(
            r"\bmedical (?:problems|conditions|history)\b|\bhistory of\b|سابقه|"
            # "any other health problems", "any heart problems before", "problems in the past"
            r"\b(?:health|medical) (?:problems?|issues|conditions?)\b|"
            r"\b\w+ (?:problems?|issues|trouble) (?:before|in the past)\b|"
            # Persian: "بیماری خاصی داری؟", "دیگه بیماری داری؟", "قبلاً مریضی داشته؟", "عمل جراحی داشتی؟"
            r"(?<![^\W\d_])(?:بیماری|مریضی)(?:\s+(?:خاص|زمینه|دیگه|دیگه‌ای)\S*)?\s+(?:\S+\s+)?دار|"
            r"(?:قبلاً|قبلا|تا حالا)\s+(?:\S+\s+){0,3}?(?:بیماری|مریضی|عمل|بستری|جراحی)|"
            r"(?<![^\W\d_])(?:عمل\s+جراحی|جراحی)(?![^\W\d_])|"
            r"\b(?:operations?|surger(?:y|ies)|c(?:a)?esarean|c-section)\b",  # "any operations?" / "appendix when i was a kid"
            re.I,
        ),
    ),
)
_OWN_ACCOUNT = re.compile(
    r"\b(?:but|though|although|except|i've been having|i have been having|i'm having|right now|these days|"
    r"when i)\b|ولی|اما|به جز|این چند روز",
    re.IGNORECASE,
)

# A medicine question narrower than "what do you take?": what was prescribed or given somewhere, taken
# for one complaint, or tried ("did they prescribe you any medications in the er?" / "no" says nothing of
# the medicines the patient takes)
_NARROW_MED_Q = re.compile(
    r"\b(?:prescrib\w*|gave|give you|given|er|emergency|hospital|urgent care|tried|try|for (?:it|this|that|the|your)|"
    r"new|recently|started|over the counter)\b",
    re.IGNORECASE,
)

# A medicine the doctor stops: "stop taking the ibuprofen", "ایبوپروفن رو دیگه نخورید".
_STOP_BEFORE = re.compile(
    r"\b(?:stop(?:ping)?(?: taking)?|discontinue|hold(?: off on)?|come off(?: of)?|no more|quit(?: taking)?|avoid|"
    r"switch(?:ing)?(?: you)?(?: (?:from|off))?|"
    r"get off(?: of)?|"
    # "please don't restart the empagliflozin", "never go back on the naproxen": a medicine not to take again
    r"(?:don't|do not|do n't|never) (?:re-?start|go back (?:on|to)|start (?:taking )?again))"
    r"\s+(?:the |your |all |taking )?(?:\w+\s+){0,1}$",
    re.IGNORECASE,
)
_FA_STOP_AFTER = re.compile(
    r"\s*(?:خوراکی\s+)?(?:(?:رو|را|(?<=\S)و)\s+)?"  # "آموکسی‌سیلینو قطع کنید": "رو" said as "و"
    r"(?:(?:دیگه|دیگر|کامل|کاملا|کاملاً|کلا|کلاً|فعلا|فعلاً|زیاد|خیلی|خودسرانه|سرخود|خودتون|با\s+\S+)\s+){0,2}"
    r"(?:نخورید|نخورین|نخور|مصرف نکنید|مصرف نکن|قطع کنید|قطع کن|"
    r"کنار بذارید|کنار بگذارید|دیگه\s+نمی[\u200c ]?(?:خورید|خورین|خوری))(?![^\W\d_])"
)


# a condition of no improvement: "اگه بهتر نشد", "اگر با این درمانا خوب نشدید", "اگه جواب نداد"
_FA_IF_NOT_BETTER = re.compile(
    r"(?<![^\W\d_])(?:اگه|اگر)\s+(?:[^،,.؟?!]{0,30}?\s+)?"
    r"(?:بهتر|خوب)\s+(?:نشد|نشدید|نشدین|نشدی|نشده)|(?<![^\W\d_])(?:اگه|اگر)\s+[^،,.؟?!]{0,30}?"
    r"(?:جواب نداد|فایده نداشت|ادامه پیدا کرد|ادامه داشت|بدتر شد)"
)
# the doctor's own later order after the name: "… اندانسترون می‌نویسم", "… رو اضافه می‌کنیم"
_FA_WILL_ORDER = re.compile(
    r"\s*(?:(?:رو|را|هم|براتون|بهتون)\s+){0,2}"
    r"(?:می[\u200c ]?(?:نویسم|نویسیم|دم|دیم)|(?:اضافه|شروع|تجویز)\s+می[\u200c ]?(?:کنم|کنیم))(?![^\W\d_])"
)
# the doctor about to look at something: "بذارید ببینم", "آفرین، بدید ببینم", "بذارید یه نگاه بکنم"
_FA_LET_ME_SEE = re.compile(
    r"^\W*(?:(?:آفرین|خب|خوب|باشه|بسیار خب|خیلی خب)[\s،,]+)?(?:بذارید|بذارین|بگذارید|بذار|بدید|بدین|بده)\s+"
    r"(?:یه\s+)?(?:ببینم|نگاه کنم|نگاه بکنم|نگاهی بکنم|نگاهی بندازم)\W*$|"
    # the exam announced in one word: "خب، معاینه.", "معاینه کنیم."
    r"^\W*(?:(?:خب|خوب|حالا|بسیار خب)[\s،,]+)?معاینه(?:\s+(?:کنیم|بکنیم|می[\u200c ]?کنم|کنم))?\W*$|"
    # what is about to be looked at, and a move asked for with it: "بذارید پاهاتون رو ببینم، جوراب رو
    # دربیارید", "بذارید یکی یکی ببینیم", "بیا ببینم"
    r"^\W*(?:(?:آفرین|خب|خوب|باشه|بسیار خب|خیلی خب)[\s،,]+)?(?:بذارید|بذارین|بگذارید|بذار|بیا|بیاید|بیاین)\s+"
    r"(?:[^\s.،,؟?!]+\s+){0,3}?(?:ببینم|ببینیم|نگاه کنم|معاینه کنم)(?:[\s،,]+(?:[^.؟?!]*?(?:دربیارید|دربیارین|بزنید بالا|بالا بزنید|بشینید|بشینین|دراز بکشید)[^.؟?!]*))?\W*$"
)
# when a reading was taken outside the visit: the times of day of a log, or at home
_FA_HOME_TIME = re.compile(
    r"(?<![^\W\d_])(?:صبحا|صبح[\u200c ]?ها|عصرا|عصر[\u200c ]?ها|شبا|شب[\u200c ]?ها|ظهرا|تو خونه|در منزل)(?![^\W\d_])"
)
_FA_HERE = re.compile(r"(?<![^\W\d_])(?:اینجا|الان|الآن|امروز)(?![^\W\d_])")
# the doctor putting something on file: "تو پرونده‌تون … ثبت میکنم"
_FA_ALLERGY_TO = re.compile(r"(?:حساسیت|آلرژی)\s+به\s+([\w\u200c]{3,})")
_FA_ON_FILE = re.compile(r"پرونده|ثبت\s*(?:می[\u200c ]?)?(?:کنم|کنیم|میکنم|شد)")
# someone outside the family the patient tells about: "همسایمون", "دوستم", "همکارم"
_FA_SOMEONE_ELSE = re.compile(
    r"(?<![^\W\d_])(?:همسای|دوست|همکار|رفیق|آشنا)[\w\u200c]*(?:مون|م|ش|مان)(?![^\W\d_])"
)
_FA_ROUTE_NAMES = {"oral": "خوراکی", "topical": "موضعی", "injection": "تزریقی", "inhaled": "استنشاقی"}
_WITH_BEFORE = re.compile(r"(?<![^\W\d_])با\s+$")
# "don't stop your metformin", "hold it the morning of the procedure", "stop it once the pain is
# gone": not a medicine stopped now
_NOT_A_STOP = re.compile(
    r"\b(?:don't|do not|do n't|never|shouldn't|should not|not|once|if|until|when|before|after|the morning of)\b|"
    r"اگر|اگه|وقتی|تا وقتی|قبل از|بعد از",
    re.IGNORECASE,
)


# the medicine named first, then stopped: "the ibuprofen, i'd really like you to avoid that"
_STOP_AFTER = re.compile(
    r"\W*,[^.;]{0,40}?\b(?:avoid|stop(?: taking)?|quit|hold off on|come off(?: of)?|get off(?: of)?) (?:that|it|them)\b",
    re.IGNORECASE,
)


def _stops(text: str, start: int, end: int) -> bool:
    """Whether the sentence stops the medicine at ``text[start:end]`` (now, unconditionally)."""
    a, b = clause_bounds(text, start)
    before = _STOP_BEFORE.search(text, a, start)
    if before is None and _STOP_AFTER.match(text, end):
        return not _NOT_A_STOP.search(text, start, end + 60)
    if before is None and not _FA_STOP_AFTER.match(text, end):
        return False
    if before is None and _WITH_BEFORE.search(text, a, start):
        return False  # "لوراتادین رو دیگه با ستیریزین نخورید": the drug after "با" is not the one stopped
    if before is not None:  # the stop's own "don't" ("don't restart the …") is no condition on it
        return not (_NOT_A_STOP.search(text, a, before.start()) or _NOT_A_STOP.search(text, before.end(), b))
    return not _NOT_A_STOP.search(text, a, b)


# a stop for a time: "hold the naproxen until the results are back", "stop the omeprazole for two weeks
# before the test"
_FOR_A_TIME = re.compile(
    r"\b(?:until|till|before|for (?:the )?(?:next |first )?(?:\w+ ){0,2}(?:days?|weeks?|months?))\b", re.I
)
_NOT_A_HOLD = re.compile(r"\b(?:don't|do not|do n't|never|shouldn't|should not|not|once|if|when)\b", re.I)


def _holds(text: str, start: int, end: int) -> bool:
    """Whether the sentence stops the medicine at ``text[start:end]`` for a time ("hold the naproxen until i've
    seen the results"): not taken meanwhile, so no order of it."""
    a, b = clause_bounds(text, start)
    before = _STOP_BEFORE.search(text, a, start)
    if before is None or _NOT_A_HOLD.search(text, a, before.start()):
        return False
    after = text[end:b]
    return bool(_FOR_A_TIME.search(after)) and not _NOT_A_HOLD.search(after)


# A complaint of these days, however it is worded ("I've had a fever since yesterday"), is the
# present illness, not past history.
_RECENT = re.compile(
    r"\b(?:since (?:yesterday|last night|this morning|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"for (?:about |around |almost |nearly |like |maybe |roughly |over |just )?(?:the (?:past|last) )?"
    r"(?:a |an |one |two |three |four |five |six |seven |eight |nine |ten |twelve |(?:twenty|thirty|forty)(?:[- ]\w+)? |"
    r"\d+ |a few |a couple of |several )?"
    r"(?:days?|weeks?|hours?)|today|yesterday|last night|this morning|this week)\b|از دیروز|از دیشب|روز پیش|امروز",
    re.IGNORECASE,
)


# the patient telling what they did or felt: "i was carrying boxes", "i felt something go"
_OWN_ACTION = re.compile(
    r"\bi (?:was|were) \w+ing\b|\bi (?:felt|fell|hurt|lifted|twisted|slipped|tripped|injured|pulled|strained)\b",
    re.IGNORECASE,
)


# a relative handing the patient a medicine: "خواهرم آلپرازولام داد", "مامانم از قرصای خودش بهم داد"
# the medicine used by someone else, said after its name: "(مادرم) انسولین می‌زد", "(خواهرم) سرترالین می‌خوره"
_FA_THEY_TOOK = re.compile(
    r"\s*(?:\S+\s+){0,2}?می[\u200c ]?(?:زد|خورد|زنه|خوره|زدن|خوردن|زنن|خورن)(?![^\W\d_])"
)
# whoever else a medicine can come from: a relative, a child or spouse, a housemate, friend or neighbour
_FA_OTHER_PERSON = (
    r"(?:"
    + lx.FA_RELATIVE.pattern
    + r"|(?<![^\W\d_])(?:پسر|دختر|بچه|زن|خانم|هم[\u200c ]?اتاقی|دوست|همسایه|همکار)(?:م|مون|هام)(?![^\W\d_]))"
)
_FA_GIVEN_BY_RELATIVE = re.compile(
    lx.FA_RELATIVE.pattern
    + r"[^.،,؟?!]{0,40}?(?<![^\W\d_])(?:بهم\s+)?(?:داد|داده|دادن|دادند)(?![^\W\d_])|"
    # the patient taking a relative's medicine: "چند شب از قرصای مامانم خوردم"
    + lx.FA_DOSAGE_FORM
    + r"\S*\s+(?:\S+\s+)?"
    + lx.FA_RELATIVE.pattern
    + r"[^.؟?!]{0,20}?(?<![^\W\d_])(?:خوردم|زدم|مصرف کردم)(?![^\W\d_])|"
    # borrowed from someone else: "همکارم یه کپسول داشت", "از شوهرم گرفتم", "مال دفعه‌ی پیش دخترم بود",
    # "(یه دونه هم) قرص قلب پدرم" (another's medicine, said with or without a verb)
    + _FA_OTHER_PERSON
    + r"\s+(?:یه\s+|یک\s+)?(?:دارو|"
    + lx.FA_DOSAGE_FORM
    + r")\S*\s+(?:\S+\s+)?داشت(?:ن|ند)?(?![^\W\d_])|"
    + r"(?<![^\W\d_])از\s+"
    + _FA_OTHER_PERSON
    + r"\s+(?:قرض\s+)?گرفتم(?![^\W\d_])|(?<![^\W\d_])مال\s+(?:\S+\s+){0,3}?"
    + _FA_OTHER_PERSON
    + r"|(?<![^\W\d_])(?:دارو|"
    + lx.FA_DOSAGE_FORM
    + r")(?:ی|های|ها|ای)?\s+(?:[^\W\d_]+[\u200c]?ی\s+)?"
    + _FA_OTHER_PERSON
)


def _history_kind(text: str, kinds: tuple[str, ...]) -> str:
    """The history kind by cue words; "I've had", the one past-history cue that also opens a
    complaint, yields to a recent time ("I've had a fever since yesterday"); a relative named in the
    patient's own account ("we were moving my sister and i felt something go") is no family history."""
    kind = next((k for k in kinds if lx.CUES[k].search(text)), "hpi")
    if kind == "family_history" and (_OWN_ACTION.search(text) or _FA_GIVEN_BY_RELATIVE.search(text)):
        return "hpi"  # "خواهرم آلپرازولام داد، چند شب خوردم": the patient's own medicine, no family history
    if kind == "family_history" and lx.FA_RECENT.search(text):
        return "hpi"  # "پسرخاله‌ش هفته‌ی پیش همین‌جوری شد": a sick contact, not family history
    if kind == "past_history" and _RECENT.search(text):
        cues = {m.group(0).lower() for m in lx.CUES["past_history"].finditer(text)}
        if cues == {"i've had"}:
            return "hpi"
    return kind


def _content(s: Sentence) -> bool:
    return len(_WORDS.findall(s.text)) >= 3 and not lx.is_pleasantry(s.text) and not _noise(s)


def _clinical(text: str) -> bool:
    """Whether a remark names anything a note may say: a symptom, a diagnosis, a medicine, a body part, a
    number or another clinical word; "sorry about the wait" and "here's the plan" name none."""
    words = _WORDS.findall(text.lower())
    return bool(
        lx.CLINICAL_WORD.search(text)
        or lx.SYMPTOM_RE.search(text)
        or lx.DIAGNOSIS.search(text)
        or lx.BODY_PART_RE.search(text)
        or any(lx.CUES[k].search(text) for k in ("exam", "result"))
        or _EXAM_WORDS.search(text)
        or lx.DRUG_SUFFIX.search(text)
        or any(w in lx.DRUGS for w in words)
        or _A_NUMBER.search(number_view(text).text)
    )


def _fa_clinical(text: str) -> bool:
    """Whether a Persian remark names anything a note may say: a symptom, a diagnosis, a medicine, a body
    part or another clinical word, a number or a time ("وای چه شلوغه امروز", "خوبه، این بهتره",
    "بفرمایید شیرینی عروسی" name none)."""
    nv = number_view(text).text
    return bool(
        lx.FA_CLINICAL_WORD.search(text)
        or lx.SYMPTOM_RE.search(text)
        or lx.DIAGNOSIS.search(text)
        or lx.PART_COMPLAINT.search(text)
        or extract_medications(text)
        or re.search(r"\d", nv)
        or extract_durations(nv)
    )


# a number in a remark, not the "one" of "one of those mornings"
_A_NUMBER = re.compile(r"\d(?<!\b1)(?!\d)|\d\d|\d[.,]\d")


_EXAM_WORDS = re.compile(r"\b(?:" + "|".join(p.pattern for _, p in lx.EXAM_SYSTEMS) + r")\b", re.IGNORECASE)


def _orders(text: str) -> bool:
    """An order or an instruction for after the visit ("avoid the ibuprofen", "a blood test on thursday",
    "i'll start you on ...")."""
    return bool(
        _instruction(text)
        or lx.PLAN_VERB.search(text)
        or lx.TEST_ORDER.search(text)
        or lx.PRESCRIBE.search(text)
        or any(lx.CUES[k].search(text) for k in ("test", "referral", "follow_up"))
    )


def _plan_content(text: str) -> bool:
    """A dose, a schedule, an order or an instruction for after the visit ("twenty-five milligrams once a
    day", "avoid the ibuprofen", "a blood test on thursday")."""
    nv = number_view(text).text
    return bool(lx.DOSE_RE.search(nv) or lx.FREQ_RE.search(nv) or _orders(text))


def _history_told(text: str) -> bool:
    """A doctor's statement of the patient's history: dictation, a recap, age and sex, or a history cue
    ("she denies fever", "so you've been ...", "your mother had ...")."""
    return bool(
        lx.HISTORY_VERB.search(text)
        or _RECAP.search(text)
        or lx.DEMOGRAPHIC.search(text)
        or _TAKEN_BY_PATIENT.search(text)
        or _PAST_OR_RECAP.search(text)
        or _PRESCRIBED_BEFORE.search(text)
        or any(lx.CUES[k].search(text) for k in _PATIENT_KINDS[:-1])
    )


def _counsels(text: str) -> bool:
    """A doctor's statement about a treatment, its effects or its choice that names no condition, no
    finding and no number: "you might feel a bit tired the first week", "it's one of the most important
    medicines for you", "no, macrobid doesn't affect yaz" (English)."""
    if lx.DIAGNOSIS.search(text) or lx.told_diagnosis(text) or _A_NUMBER.search(number_view(text).text):
        return False
    if any(lx.CUES[k].search(text) for k in ("exam", "result")) or _CAUSE_TOLD.search(text):
        return False  # "i think it's mostly the medicines adding up": the cause of the problem
    words = _WORDS.findall(text.lower())
    named = any(w in lx.DRUGS for w in words) or bool(lx.DRUG_SUFFIX.search(text))
    return named or bool(_TREATMENT_TALK.search(text))


# the doctor's inference of a cause: "i think it's mostly the medicines adding up", "probably from the
# new blood pressure pill"
_CAUSE_TOLD = re.compile(
    r"\b(?:i think|i suspect|probably|likely|caus(?:e|ed|es|ing)|due to|adding up|to blame|explains?|from the)\b",
    re.IGNORECASE,
)
# what a treatment is or does, told to the patient
_TREATMENT_TALK = re.compile(
    r"\b(?:side effects?|medicines?|medications?|pills?|tablets?|injections?|antibiotics?|treatment|"
    r"you(?:'ll| will| might| may| could) (?:feel|get|notice|pee|see|need to))\b",
    re.IGNORECASE,
)


def _recounts(text: str) -> bool:
    """A doctor's statement that recounts the patient's history in so many words: dictation ("she denies
    fever"), a recap ("so you've been ..."), age and sex, or a medicine taken ("he's on metformin")."""
    return bool(
        lx.HISTORY_VERB.search(text)
        or _RECAP.search(text)
        or lx.DEMOGRAPHIC.search(text)
        or _TAKEN_BY_PATIENT.search(text)
        or _PRESCRIBED_BEFORE.search(text)
        or _TOLD_BACK.search(text)
    )


# the patient's history said back to the patient: "i know that you had some early arthritis", "you said
# you haven't been taking it", "so you also have some shortness of breath", "you've been able to tolerate"
_TOLD_BACK = re.compile(
    r"\b(?:i know (?:that )?you|you (?:said|mentioned|told me|had|were|was)|you(?:'ve| have) (?:been|had)|"
    r"you(?:'re| are) (?:taking|doing)|so you (?:also )?(?:have|get)|endors\w+)\b",
    re.IGNORECASE,
)


# a medicine the patient takes, as the doctor says it ("she was taking ferrous sulfate 325 mg")
_TAKEN_BY_PATIENT = re.compile(
    r"\b(?:he|she|they|you|the patient)(?: was| is|'s| has been| have been|'ve been)? (?:taking|on)\b|"
    r"\b(?:he|she|the patient) takes\b",
    re.IGNORECASE,
)


_WORDS = re.compile(r"\w+")
_ALLERGEN = re.compile(
    r"\ballergic to (?:an? |the |some )?(?P<en>[a-z][\w-]*(?: (?:drugs?|antibiotics?))?)|"
    r"(?<!\S)به\s+(?P<fa>[\w\u200c]{3,})\s+(?:حساسیت|آلرژی)",  # "به پنی‌سیلین حساسیت دارم"
    re.IGNORECASE,
)
# words "به X حساسیت" also frames that name no substance: "به نظرم", "به شدت", "به دارویی"
_ALLERGY_AFTER = re.compile(r"\s*(?:allerg|حساسیت|آلرژی)", re.IGNORECASE)  # "your penicillin allergy"
_NOT_AN_ALLERGEN = frozenset(
    "نظرم نظر شدت خاطر دلیل علت این اون آن هیچ چی چیزی دارو دارویی داروها نور صدا بو".split()
)


def _allergen(text: str, *, denied: bool) -> str | None:
    """The substance an allergy statement names: the first one not denied in its own clause ("I'm
    not allergic to penicillin but I am to sulfa drugs": sulfa drugs), or, for a statement that
    denies as a whole, the substance denied."""
    for m in _ALLERGEN.finditer(text):
        name = (m.group("en") or m.group("fa") or "").lower()
        if name in _NOT_AN_ALLERGEN or name.startswith("نظر"):
            continue
        if denied or not is_negated(text, m.start()):
            return name
    return None


# A lab name said letter by letter, as the result lexicon knows it written: "a one c" is HbA1c, "t s h"
# is TSH (English)
_SPOKEN_A1C = re.compile(r"\b(?:(?:hemoglobin|h ?b) )?a (?:one|1) c\b", re.IGNORECASE)
_SPELLED_LAB = re.compile(r"(?<![\w'])([a-z])[ .]([a-z])[ .]([a-z])(?:[ .]([a-z]))?\b(?!')", re.IGNORECASE)
_SPELLED_LABS = {"tsh": "TSH", "ldl": "LDL", "hdl": "HDL", "psa": "PSA", "gfr": "GFR", "egfr": "eGFR",
                 "crp": "CRP", "esr": "ESR", "wbc": "WBC", "mcv": "MCV", "bnp": "BNP"}  # fmt: skip


def lab_names_en(text: str) -> str:
    """Spoken lab names written as a note writes them: "your a one c" → "your HbA1c"."""
    text = _SPOKEN_A1C.sub("HbA1c", text)
    return _SPELLED_LAB.sub(
        lambda m: _SPELLED_LABS.get("".join(filter(None, m.groups())).lower(), m.group(0)), text
    )


# A question about the readings the patient takes at home: "are you checking your sugars at home?",
# "what have your blood pressures been running?" (English)
_READINGS_Q = re.compile(
    r"\b(?:sugars?|glucose|blood pressures?|pressures|readings?|numbers)\b.*\b(?:at home|running|been)\b|"
    r"\b(?:check(?:ing)?|tak(?:e|ing)|monitor(?:ing)?|measur(?:e|ing))\b.*\b(?:sugars?|glucose|blood pressures?|"
    r"pressures|readings?)\b|"
    r"^\W*(?:(?:and|okay|so),? )?(?:any |(?:has|did|have) (?:she|he|you|they) (?:had|have|run) (?:a |any )?)"
    r"(?:fevers?|temperature)\b",  # "any fever?" / "last night it was 38.9"
    re.IGNORECASE,
)

# An earlier value of the result just given: "last time in june it was 7.6", "back in march it was 140"
_EARLIER_VALUE = re.compile(
    r"\b(?:last time|the time before|previously|before that|(?:back )?in (?:january|february|march|april|may|"
    r"june|july|august|september|october|november|december)|(?:a|one|two|three|six) (?:months?|years?) ago)\b"
    r".*\b(?:was|were|it's been)\b",
    re.IGNORECASE,
)

_NEGATIVE_FINDING = re.compile(
    r"^\W*(?:no|negative|without|there (?:is|are|was|were) no|i (?:do not|don't) (?:see|hear|feel))\b|"
    r"^\W*(?:نه|هیچ|بدون)",
    re.IGNORECASE,
)
_DOCTOR_CUES = ("exam", "result", "plan", "assessment", "hpi")
# An explanation given to the patient: what a finding is a sign of implies the problem ("it's an early
# sign of nerve damage from the sugar, so it's one more reason to …" is early nerve damage from the
# sugar); what a warning sign could mean is no problem ("that could mean it's going to your kidneys")
_SIGN_OF = re.compile(
    r"^\W*(?:(?:so|well|yes|yeah|no|and),? )?(?:it's|it is|that's|that is|this is|these are) (?:an? |the )?"
    r"(?P<early>(?:early|first|late) )?(?:signs?|symptoms?) of (?P<what>[^,.;]+)",
    re.IGNORECASE,
)
_WHAT_IT_COULD_MEAN = re.compile(
    r"^\W*(?:(?:so|and),? )?(?:that|this|it) (?:could|might|may|can) (?:mean|be a sign)\b", re.IGNORECASE
)
# The patient saying the doctor's words back: checking what was meant ("so it's an infection.", confirmed
# by the doctor's "yes, …") or reading back an instruction ("okay, stop the water pill.") (English)
_CHECKS_MEANING = re.compile(
    r"^\W*so,? (?:it's|it is|that's|that is|this is|i have|i've got) (?!been\b)(?:an? |the |just )?\w+",
    re.IGNORECASE,
)
_CONFIRMED = re.compile(r"^\W*(?:yes|yeah|yep|right|exactly|correct|that's right|that's it)\b", re.IGNORECASE)
# A doctor's sentence about how such things go in general: "most of these clear up by themselves",
# "some people get a bit queasy", "sometimes the eardrum bursts", "it usually comes after a cold"
_AS_A_RULE = re.compile(
    r"^\W*(?:(?:so|and|but|now|well|okay|ok|look|honestly|generally)\W+)*(?:"
    r"(?:most|many|some|a lot) (?:of )?(?:these|them|those|people|cases|kids|children|patients|folks)|"
    r"(?:most|many|some|a lot of) (?:\w+ )?(?:infections|cases|people|kids|children|patients)|"
    r"sometimes (?:the|it|this|these|they|people|kids|children|a|an)|in most (?:cases|people|kids)|"
    r"(?:it|this|these|they|that) (?:usually|often|normally|generally|typically|tends? to)|usually|typically)\b",
    re.IGNORECASE,
)
# what something can do, in general: "taken every day at that dose it can irritate the stomach"
_CAN_DO = re.compile(
    r"\b(?:it|they|this|that|these|those|which)(?: \w+)? (?:can|could|may|might|will) (?:\w+ )?"
    r"(?:cause|irritate|make|lead to|trigger|set off|push|raise|lower|damage|affect)\b",
    re.IGNORECASE,
)
# advice opening a sentence: "for the caffeine, i'd cut the energy drinks", "some things that help during an
# attack: slow breathing", "cutting down the alcohol, it makes sleep worse"
_ADVISED = re.compile(
    r"^\W*(?:(?:and|so|also|now|okay|but)\W+)*(?:for (?:the|your) [a-z ]{1,25},\s*)?"
    r"(?:i'd (?:cut|avoid|stop|limit|try|keep|go easy|recommend|suggest|skip)|(?:some )?things that (?:can |will |might )?help|"
    r"(?:cutting|cut) (?:down|back|out)|stopping|avoiding|giving up)\b",
    re.IGNORECASE,
)
# a term defined: "uric acid is the stuff that forms crystals", "that's what gout is", "the tsh is the hormone
# that …"
_DEFINES = re.compile(
    r"\bis (?:the|a|an) (?:stuff|thing|hormone|chemical|substance|protein|word|name|medical (?:name|term)) "
    r"(?:that|which|for|from)\b|\bthat's what (?:\w+ ){0,2}(?:is|means|does)\b",
    re.IGNORECASE,
)
# what an examining hand looks or feels for: "no lumps, the liver isn't enlarged"
_FELT_FOR = re.compile(
    r"\b(?:lumps?|masses|liver|spleen|lymph nodes|glands|enlarged|guarding)\b", re.IGNORECASE
)
# the patient addressed: "you", "your"
_TO_THE_PATIENT = re.compile(r"\b(?:you|your|you're|you've)\b", re.IGNORECASE)
# advice in a later clause: "…, so keep her nails short", "… and call us if it spreads"
_THEN_ADVISED = re.compile(
    r"\b(?:so|and|but|then)\W+(?:please\W+)?(?:keep|make sure|try|use|give|take|avoid|call|come|bring|watch|stop|"
    r"don't|do not|let|ring|see|get)\b",
    re.IGNORECASE,
)
# advice said as a judgement: "stopping is the single best thing you can do", "cutting down would really help"
_ADVICE = re.compile(
    r"\b(?:the (?:single )?(?:best|most important|biggest) thing (?:you|to)|(?:would|will|could) (?:really )?help)\b",
    re.IGNORECASE,
)
# a test's reading told: "was normal", "came back fine", "is nine point one"
_READING = re.compile(
    r"\b(?:(?:is|was|were|are|came back|looks?|looked) (?:\w+ )?(?:normal|fine|good|okay|ok|high|low|raised|"
    r"elevated|negative|positive|clear|abnormal)|\d)",
    re.IGNORECASE,
)
# The doctor's social question: "how was your holiday?", "how are the grandkids?", "did you have a nice trip?"
_SOCIAL_Q = re.compile(
    r"\bhow (?:was|were|did) (?:your|the) (?:holidays?|vacation|trip|weekend|break|wedding|christmas|birthday|"
    r"summer|party|cruise|honeymoon)\b|"
    r"\bhow(?:'s| is| are) (?:the|your) (?:family|kids|grandkids|grandchildren|children|new job|garden|dog|"
    r"new house|move)\b|"
    r"\bdid you (?:have a (?:good|nice|lovely|great) |enjoy (?:the|your) )(?:\w+ )?(?:holidays?|vacation|trip|"
    r"weekend|break|time|christmas|summer)\b",
    re.IGNORECASE,
)
# A prescription kept for later: "only start it if he's not getting better by friday", "a backup
# prescription", "hold on to the prescription in case"
_DELAYED = re.compile(
    r"\b(?:only )?(?:start|use|take|fill|begin|give) (?:it|them|this|that|the \w+) (?:only )?if\b|"
    r"\bonly (?:start|use|take|fill|begin|give) (?:it|them)\b|"
    r"\b(?:delayed|back-?up|wait[- ]and[- ]see|just[- ]in[- ]case|safety[- ]net) (?:prescription|script)\b|"
    r"\bhold on to (?:it|them|the prescription)\b",
    re.IGNORECASE,
)
# an activity told as when something comes on: "when i'm walking", "while i was running", "after i exercise"
_ACTIVITY_WHEN = re.compile(
    r"\b(?:when|while|whenever|after|if|once) (?:i'm |i am |i was |i've been |i |he's |she's |he is |she is )?"
    r"(?:out )?(?:walking|walk|hiking|hike|exercising|exercise|running|run|jogging|jog)\b",
    re.IGNORECASE,
)
# what else would make a sentence social history: tobacco, alcohol, drugs, work, home
_SOCIAL_BESIDES = re.compile(
    r"\b(?:smok\w*|cigarettes?|tobacco|vap\w+|alcohol|beers?|wine|drinks?|drugs|marijuana|work\w*|job|married|"
    r"live[sd]? with|gym|hiking|exercise)\b",
    re.IGNORECASE,
)
# The doctor checking the plan was understood: "does that (all) make sense?", "is that clear?", "does that
# plan sound okay?", "are you happy with that?", "got all that?"
_UNDERSTOOD_Q = re.compile(
    r"\b(?:make(?:s)? sense|is (?:that|this|it|everything) (?:all )?clear|(?:sound|sounds) (?:okay|ok|good|alright|"
    r"all right|reasonable|like a plan)|(?:are you|you) (?:okay|happy|alright|comfortable) with (?:that|this|the plan)|"
    r"got (?:all )?(?:that|it)|understand|"
    # the patient's view of the plan: "how do you feel about all that?", "what do you think of that plan?"
    r"how (?:do|does) (?:you|she|he) feel about (?:all )?(?:that|this|the plan)|"
    r"what do you think (?:about|of) (?:all )?(?:that|this|the plan))\b",
    re.IGNORECASE,
)
# the patient telling something of their own: "i have", "i've got", "i'm", "my …"
_I_HAVE = re.compile(r"\b(?:i|i'm|i've|my|me)\b", re.IGNORECASE)
# words that carry no content of their own, for comparing what two speakers said
_FUNCTION_WORDS = frozenset(
    "the and but for then that this those these with from into onto about till until yes yeah yep okay "
    "right sure fine so not no now just also too very really well all any some one you your his her him "
    "she he they them our are was were have has had been will would can could should shall may might must "
    "what when where which who how why there here its it's that's i'm i've i'll you're don't can't won't "
    "doctor doc then".split()
)


def _stem(word: str) -> str:
    """A crude stem for comparing two speakers' words: "shows" / "show", "bloods" / "blood"."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


_READS_BACK = re.compile(
    r"^\W*(?:(?:okay|ok|alright|all right|got it|so),? )+(?:stop|take|keep|start|drink|avoid|cut|use|call|come back)\b",
    re.IGNORECASE,
)
# The patient asking whether the child or the patient may go back to daycare, school or work, or
# whether a vaccine is due ("do i need a flu shot this year?")
_PERMISSION_Q = re.compile(
    r"\b(?:can|could|may|should|is it (?:ok|okay|fine|safe) (?:for|if))\b.*\b(?:go|going|return|back)\b.*"
    r"\b(?:daycare|day care|preschool|nursery|school|work|class|practice|sports?)\b|"
    r"\b(?:do|should|can|could) (?:i|we|she|he) (?:need|get|have) (?:a|an|the|my|her|his)\b.*"
    r"\b(?:shots?|vaccines?|vaccinations?|boosters?|jabs?)\b",
    re.IGNORECASE,
)
# The doctor offering something in a statement (English): "we can give it today if you'd like"
_IF_YOU_LIKE = re.compile(
    r"\b(?:we|i) (?:can|could)\b.*\bif (?:you(?:'d| would)? (?:like|want|prefer)|you're interested)\b",
    re.IGNORECASE,
)
# A finding told to the patient during the exam: "you have decreased sensation to the monofilament on
# both big toes", "you have no swelling in your ankles" (English; after an exam statement)
_TOLD_FINDING = re.compile(
    r"^\W*(?:(?:and|so|okay|now),? )?you(?: still)? have (?P<no>no )?(?:(?:some|mild|moderate|a little|a bit of|"
    r"decreased|reduced|diminished|absent|normal|good|full|equal|brisk|mild|slight) )*"
    r"(?:sensation|feeling|tenderness|swelling|redness|bruising|reflexes|pulses|strength|range of motion|"
    r"crackles|wheez\w+|fluid|effusion|warmth|edema|murmur)\b",
    re.IGNORECASE,
)
# The doctor recapping what happened: "so you've been doing physical therapy for three months",
# "پس دیشب رفتید اورژانس", "دفعه قبل که مراجعه کردید"
_RETURN_VISIT = re.compile(
    r"\b(?:see you (?:back|again) in|come back in \w+ (?:days?|weeks?|months?))\b|"
    r"(?:روز|هفته|ماه)\s+(?:دیگه|دیگر|بعد)\s+(?:\S+\s+){0,5}?(?:بیا|بیاید|بیاین|ببینم|ببینمت|ببینمتون|ببینیم)(?![^\W\d_])|"
    # the answer to "when do we come back?" said without its verb: "یه هفته دیگه، با جواب آزمایش"
    r"^\W*(?:\S+\s+){0,2}?(?:روز|هفته|ماه)\s+(?:دیگه|دیگر|بعد)\s*[،,]",
    re.IGNORECASE,
)
# a test named for later or not needed, with no value: "آنزیم‌های کبد رو تو آزمایش بعدی می‌بینیم",
# "عکس الان چیزی رو عوض نمی‌کنه": a plan, not a result
_FA_NO_RESULT_YET = re.compile(
    r"(?<![^\W\d_])(?:بعدی|دیگه|دیگر|می[\u200c ]?بینیم|لازم نیست|نیازی نیست|عوض نمی[\u200c ]?کنه)(?![^\W\d_])"
)
_RECAP = re.compile(
    r"^\W*(?:(?:so|and|okay|ok)[\s,]+)*(?:you've been|you have been|you had|you were|you went|you've had|you did)\b|"
    r"^\W*(?:خب\s+)?پس\s+(?:\S+\s+){0,4}\S*(?:رفتید|کردید|بودید|داشتید|زدید|خوردید|رفتی|کردی|بودی)(?![^\W\d_])|"
    r"^\W*دفعه (?:قبل|پیش)",
    re.IGNORECASE,
)
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
        if (
            top in ("hpi", "ros")
            or p.max() < 0.6
            or (cue == "plan" and top == "assessment")
            or (cue == "result" and top == "assessment" and not lx.DIAGNOSIS.search(s.text))
            or (cue == "result" and top == "exam" and not lx.CUES["exam"].search(s.text))  # "your tsh is 8.4"
            or (cue == "plan" and (_instruction(s.text) or lx.CUES["follow_up"].search(s.text)))
        ):
            p[SENT_LABELS.index(cue)] = p.max() + 0.05
    if cue != "other" and cue in SENT_LABELS:
        p[SENT_LABELS.index(cue)] += 0.2
    p = p / p.sum()
    k = int(p.argmax())
    return SENT_LABELS[k], round(float(p[k]), 3)


# A doctor's instruction for after the visit, said as an order ("keep checking your blood pressure at
# home", "also try to cut back on salt", "no juice or soda"), not a command during the exam ("keep your
# arm straight", "try to push against my hand", "take a deep breath")
_INSTRUCTION = re.compile(
    r"^\W*(?:(?:so|and|also|okay|ok|yes|sure|then|now|for now|maybe|in the meantime|meanwhile|once [^,]{3,40},|"
    r"after [^,]{3,40},|until [^,]{3,40},|if [^,]{3,60},)\W*)*"
    r"(?:keep (?:taking|using|checking|doing|moving|drinking|an eye|track|the)|continue (?:to|taking|using|with)|"
    r"start (?:some|doing|taking|using|with|on)|try (?:not to|to (?:cut|avoid|limit|eat|drink|get|walk|lose|sleep|stay|keep)|"
    r"cutting|avoiding|limiting)|cut (?:back|down|(?:the |your )?\w+ (?:back|down))|aim for|avoid|limit|"
    r"stay (?:off|away|hydrated|home|active)|take (?:breaks|a break|it easy)|"
    r"take (?:it|them|this|that|the \w+) (?:with|after|before) (?:food|meals?|water|breakfast|dinner)|"
    r"do (?:some|these|the|your) (?:\w+ )?(?:stretches|exercises)|(?:light|modified|restricted) duty|"
    r"make sure (?:you|to|he|she)|bring (?:the|your|him|her|a)|drink (?:plenty|lots|more|fluids|water)|"
    r"give (?:him|her|them|the baby|the child) (?!a (?:hug|minute|second))|"
    r"(?:ice|elevate|rest) (?:it|the|your)|wear (?:the|a|your)|no (?:\w+ )?(?:or|and) \w+\W*$|"
    r"no more \w+|don't (?:take|eat|drink|lift|drive|use|give)|do not (?:take|eat|drink|lift|drive|use|give))\b",
    re.IGNORECASE,
)
_EXAM_COMMAND = re.compile(
    r"\b(?:my (?:hand|hands|finger|fingers|arm)|deep breaths?|breathe|look (?:up|down|at|straight)|follow|lie|lay|"
    r"sit up|stand up|bend|squeeze|push|pull|relax|cough for me|open (?:your|wide)|say ah|hold (?:still|it there)|"
    r"touch (?:your|my)|(?:your|the) (?:arm|leg|knee|hand|head|foot|feet|eyes?|neck|toes?) (?:up|down|straight|still|out))\b",
    re.IGNORECASE,
)


# a Persian command during the exam, not advice for after the visit
_FA_EXAM_COMMAND = re.compile(
    r"(?:رو|روی) تخت (?:دراز|بخواب|بشین)|نفس عمیق|دراز بکش|(?<![^\W\d_])آ بگ|دهن\S*\s+(?:رو\s+)?باز|"
    r"دست\S*\s+(?:رو\s+|را\s+)?(?:بدید|بدین|فشار بدید)|"
    # "با دست نشون بدید", "پاشید بایستید", "به جلو خم شید"
    r"(?<![^\W\d_])(?:(?:نشون|نشان)\s+(?:بدید|بدین|بدهید)|پاشید|پاشین|بایستید|وایسید|وایسین|خم\s+(?:بشید|شید))(?![^\W\d_])"
)
# the doctor pressing or tapping and asking whether it hurts, during the exam: "قفسه سینه رو فشار میدم، درد
# داره؟", "پهلوها رو میزنم، درد داره؟", "اینجا درد داره؟" (with the exam under way)
_FA_PROBE_MOVE = re.compile(
    r"(?:فشار\s*(?:می[\u200c ]?دم|میدم|می[\u200c ]?دهم)|(?<![^\W\d_])(?:می[\u200c ]?زنم|میزنم)|"
    r"لمس\s*(?:می[\u200c ]?کنم|میکنم))(?![^\W\d_])(?:[^.؟?…]|\.\.\.|…)*(?:درد|حس)"
)
_FA_PROBE_HERE = re.compile(
    r"(?<![^\W\d_])(?:اینجا|این\s*جا|اونجا)(?:\s+[^\s.؟?،,]+){0,3}?[،,]?\s+(?:درد|حساس)"
)
# a polite Persian command for after the visit: "نگاه کنید", "بزنید", "راه نرید", "نخورید"
_FA_ADVICE_VERB = re.compile(
    r"(?<![^\W\d_])(?<!می\u200c)(?<!می )(?:(?:ب|ن)[^\W\d_]{1,}(?:ید|ین)|(?:کنید|کنین|بکنید|نکنید|نکنین))(?![^\W\d_])"
)
# a move asked for during the exam, in a short sentence (not advice: "اول لب تخت بشینید، چراغ روشن باشه")
_FA_EXAM_MOVE = re.compile(
    # clothes off or up, a joint bent or let go, a seat taken: "شلوار رو بزنید بالا", "جوراب رو دربیارید",
    # "خم کنید تا هرجا میتونید", "حالا شل کنید", "بفرمایید اینجا بشینید"
    r"(?<![^\W\d_])(?:(?:شلوار|آستین|لباس|پیراهن|جوراب|کفش)\S*\s+(?:رو\s+|را\s+)?(?:بزنید|بزنین|بدید|بدین|دربیارید|دربیارین|در بیارید)|"
    r"(?:خم|صاف|شل)\s+(?:کنید|کنین|بکنید)|(?:بفرمایید\s+)?(?:اینجا\s+|رو صندلی\s+)?(?:بشینید|بشینین|بنشینید))(?![^\W\d_])"
)


# a test the doctor reads: "نوار قلبت …", "نوار ادراری که خانم پرستار گرفت، …", "جواب کشت …"
_FA_TEST_WORD = re.compile(r"(?<![^\W\d_])(?:نوار|آزمایش|کشت|عکس|سونو|سونوگرافی|جواب)(?![^\W\d_])")
# an informal Persian command, the singular "you" ("بده", "نده", "بخور", "برو", "قطع نکن", "بشور")
_FA_TOLD_TO = re.compile(
    r"(?<![^\W\d_])(?:بده|نده|بخور|نخور|برو|نرو|بیا|نیا|بکن|نکن|بذار|نذار|بزن|نزن|بشور|بگیر|نگیر|بریز|بپوش|"
    r"بمون|بخواب|بنوش|بمال|نمال|بخورونش|بدش|نگه\s+دار|نگه\s+ندار)(?![^\W\d_])"
)
# a question for anything more ("دیگه دارویی می‌خوری؟", "به داروی دیگه‌ای چی؟") and the answer that there is
# nothing more than what was said ("نه، همون یکی.", "نه، فقط همون.", "همین.")
_FA_OTHER_Q = re.compile(r"(?<![^\W\d_])(?:دیگه|دیگه‌ای|دیگری|دیگر|دیگری)(?![^\W\d_])")
_FA_JUST_THAT = re.compile(
    r"^\W*(?:نه|خیر)?\W*(?:فقط\s+)?(?:همون|همین|همینا|همونا)(?:\s+(?:یکی|یه دونه|دوتا|دو تا|ها))?\W*$"
)
# the doctor saying the question was misunderstood: "نه، منظورم اینه …", "منظورم این بود که …", "نه، پرسیدم …"
_FA_I_MEANT = re.compile(r"^\W*(?:نه\W+)?(?:منظورم|منظور من|پرسیدم)(?![^\W\d_])")
# the doctor checking the plan was understood: "متوجه شدی؟", "بگو ببینم چطوری می‌خوری؟", "تکرار کن ببینم"
_FA_CHECK_BACK = re.compile(
    r"متوجه\s+(?:شدی|شدید|شدین)|(?<![^\W\d_])فهمیدی[دن]?(?![^\W\d_])|(?:بگو|بگید|بگین)\s+ببینم|تکرار\s+(?:کن|کنید|کنین)|"
    r"(?:چه\s*جوری|چطوری|چطور)\s+(?:\S+\s+){0,2}?(?:می[\u200c ]?)?(?:خوری|خورید|خورین|دی|دید|زنی|زنید)(?![^\W\d_])"
)
# the doctor ordering a test or asking for its result to be brought: "… بده", "… بدید", "… میدم", "… می‌نویسم",
# "… بیار"; not "بده ببینم" (hand it over to look at), and not a test already done ("گرفتیم", "دادی")
_FA_ORDERS_IT = re.compile(
    r"(?<![^\W\d_])(?:بده|بدید|بدین|بدهید|بیار|بیارید|بیارین|بیاری|بگیرید|بگیرین|"
    r"می[\u200c ]?دم|می[\u200c ]?دهم|می[\u200c ]?نویسم|بنویسم)(?![^\W\d_])(?!\s+ببینم)"
)
# what a finding is not: the doctor's own move while examining ("پوست شکمشو میگیرم...", "بذار ببینم"),
# a condition or a hedge ("اگه", "ممکنه", "باید"), an explanation ("این مال …", "یعنی …", "چون …")
_FA_NOT_A_FINDING = re.compile(
    r"(?<![^\W\d_])(?:می[\u200c ]?[^\W\d_]+?م|ببینم|بگیرم|بزنم|کنم|اگه|اگر|ممکنه|شاید|باید|بهتره)(?![^\W\d_])|"
    r"^\W*(?:خب\W+)?(?:این|یعنی|چون|پس)(?![^\W\d_])|(?:\.\.\.|…)\s*$"
)


# clinical words that name an errand, not the body: pills, strips and tests to buy, sugar and pressure as the
# thing the plan is about ("چقدر قرص شد", "نوار قند کجا ارزون‌تره", "آزمایش رو کجا بدم؟")
_FA_ERRAND_WORD = re.compile(
    r"(?:قرص|دارو|شربت|آمپول|سرم|قطره|پماد|کرم|اسپری|نوار|آزمایش|عکس|سونو|سونوگرافی|قند|فشار|کار|شغل|شیفت|"
    r"آب|چای|قهوه|غذا|نمک|رژیم|ورزش|بیمارستان|اورژانس)"
)


def _fa_of_the_body(text: str) -> bool:
    """Whether a Persian sentence names a part of the body, a bodily function or a symptom word (not only
    a pill, a test or an errand)."""
    return any(not _FA_ERRAND_WORD.match(m.group(0)) for m in lx.FA_CLINICAL_WORD.finditer(text))


def _fa_found(text: str) -> bool:
    """Whether a doctor's Persian sentence during the exam can be a finding: it names a part of the body
    or a clinical word, is no move of the doctor's, no condition, hedge or explanation."""
    return bool(lx.FA_CLINICAL_WORD.search(text)) and not _FA_NOT_A_FINDING.search(text)


# An action said where the classifier hears an impression: a rule or command to the patient ("no driving
# within an hour of a low", "don't lift anything heavy"), or what someone will do next ("the nurse will ring
# you next week", "we'll do your feet next time"); never when a condition is named.
_PLAN_ACT = re.compile(
    r"^\W*(?:(?:and|so|okay|ok|also|now|then)\W+)*(?:no \w+ing\b|don't\b|do not\b|avoid\b|make sure\b|"
    r"check (?:your|his|her|their)\b)|"
    r"\b(?:will|'ll|is going to|are going to) (?:phone|call|ring|text|contact|write to|book|arrange|send|"
    r"do (?:them|it|that|those|these)|check (?:them|it|that|those|these))\b|\bnext time\b",
    re.IGNORECASE,
)


def _plan_act(text: str) -> bool:
    return bool(_PLAN_ACT.search(text)) and not (
        lx.DIAGNOSIS.search(text) or lx.CUES["assessment"].search(text)
    )


def _instruction(text: str) -> bool:
    return bool(_INSTRUCTION.match(text) or _ADVICE.search(text)) and not _EXAM_COMMAND.search(text)


def cue_label(s: Sentence) -> str | None:
    """A section label from cue words alone (used for Persian and to steer the classifier)."""
    t = normalize_digits(s.text)
    doctor = s.speaker == SPEAKER_DOCTOR
    if doctor and not s.question:
        if _FA_EXAM_COMMAND.search(t) and not _CONDITION.search(t):
            return (
                None  # "رو تخت دراز بکشید", "نفس عمیق بکشید": said during the exam (not "اگه دهنت باز نشد …")
            )
        if _RETURN_VISIT.search(t):
            return "plan"  # "دو هفته دیگه بیا با سونوگرافی … ببینمت": a return visit, whatever it brings
        if lx.HISTORY_VERB.search(t) or _RECAP.search(t):
            return "hpi"  # dictation: "she denies fever or shortness of breath"; "so you've been doing …"
        if lx.FA_FINDING.search(t) and not lx.FA_NOT_FINDING.search(t):
            return "exam"  # "لوزه‌ها قرمز و متورم هستند"
        if lx.HEDGED_ASSESSMENT.search(t) and lx.DIAGNOSIS.search(t):
            return "assessment"  # "this could be a pulmonary embolism"
        if _instruction(t):
            return "plan"  # "once the pain settles, start some gentle range of motion exercises"
        if _FA_TEST_WORD.search(t) and _FA_ORDERS_IT.search(t):
            return "plan"  # "یه آزمایش مدفوع هم بده", "کشت ادرار هم میدم", "جواب آزمایشتم بیار": ordered, no result
        for label in ("exam", "plan", "result", "assessment"):
            if lx.CUES[label].search(t):
                if label == "result" and _FA_NO_RESULT_YET.search(t) and not re.search(r"\d", t):
                    return "plan"  # "آنزیم‌های کبد رو تو آزمایش بعدی می‌بینیم"
                return label
        if any(lx.CUES[k].search(t) for k in ("follow_up", "referral")):
            return "plan"  # "شش هفته دیگه دوباره ببینمتون", "اگه ... فوری برید اورژانس"
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
        dialogue: Dialogue,
    ) -> None:
        self.t = transcript
        self.lang = lang
        self.sents = sents
        self.labels = labels
        self.confs = confs
        self.d = dialogue
        self.gender = guess_gender(transcript.text) if lang == "en" else None
        self.items: dict[str, list[Item]] = {s: [] for s in SECTIONS}
        self.mentioned: set[int] = set()  # sentences whose symptoms became ROS items
        self.reactions: set[int] = set()  # sentences telling an allergy's reaction (not symptoms now)
        self.final = list(labels)  # the section each doctor statement went to, after the builder's rules
        self.history_kinds: dict[int, str] = {}  # sentence start -> the history kind it was filed as
        self.refusals: set[int] = set()  # starts of the patient's replies turning down a proposal
        self.prescribed: set[int] = set()  # the doctor's sentences that ordered a medicine
        self.read_answers: set[int] = set()  # starts of answer sentences quoted in a readings item
        self.denied_questions: set[int] = set()  # questions whose "no" is a denial item already
        self.lab_sentence = -1  # the last sentence whose lab values became result items
        self.told_how: set[int] = set()  # starts of answers telling how a medicine asked about is taken
        # Persian: medicines the patient told as taken before and not now ("قبلاً سرترالین میخوردم",
        # "… خودم قطعش کردم", "الانم میخوری؟" / "نه، یه هفته‌ست نمیخورم"); the last one the patient named
        self.fa_not_now: dict[str, int] = {}
        self.fa_last_named: tuple[int, str] | None = None
        # a parent speaks for the child who is the patient (the patient's own words; not a companion's
        # "دخترم" about a grown daughter who speaks for herself)
        self.caregiver = _caregiver(dialogue.sentences)
        # turns of someone beside doctor and patient (the engine files their words as the patient's side)
        self.companion_turns = {
            s.turn for s in dialogue.sentences if s.speaker not in (None, SPEAKER_DOCTOR, SPEAKER_PATIENT)
        }

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

    def companion(self, s: Sentence) -> str | None:
        """Who spoke, when it is neither the doctor nor the patient ("mother", "همسر بیمار")."""
        if s.turn in self.companion_turns and s.turn < len(self.t.segments):
            label = (self.t.segments[s.turn].speaker or "").replace("_", " ").strip()
            if re.search(r"guest|family", label, re.IGNORECASE):
                label = "family member"  # ACI-BENCH's "patient_guest", "guest_family"
            if label and not re.fullmatch(r"(?:other|unknown|speaker\s*\d*|[a-z])", label, re.IGNORECASE):
                return label if self.lang == "en" or not label.isascii() else "همراه بیمار"
            return "همراه بیمار" if self.lang == "fa" else "companion"
        return None

    def patient_text(self, s: Sentence) -> str:
        who = self.companion(s)
        if self.lang == "fa":
            who = who or ("والد بیمار" if self.caregiver else "بیمار")
            return f"{who} گزارش می‌دهد: {fa_patient_quote(s.text)}"
        return patient_to_third(s.text, self.gender, caregiver=self.caregiver, speaker=who)

    def doctor_text(self, s: Sentence) -> str:
        return (
            fa_doctor_to_note(s.text)
            if self.lang == "fa"
            else lab_names_en(doctor_to_note(s.text, self.gender))
        )

    def of_a_relative(self, i: int) -> bool:
        """Whether the patient's sentence ``i`` tells of a relative, in English: no "i" in it, a "she",
        "he" or "they" (or the relative) as its subject, and the relative named in the doctor's question
        it answers or earlier in the patient's turn ("my brother had a stent last year. he's only fifty
        five."). Not where a parent speaks for the child who is the patient, nor a companion's words."""
        s = self.sents[i]
        if (
            self.lang != "en"
            or self.caregiver
            or s.speaker == SPEAKER_DOCTOR
            or s.turn in self.companion_turns
        ):
            return False
        if _SPEAKER_SUBJECT.search(s.text) or not (
            _THIRD_SUBJECT.match(s.text) or _RELATIVE_EN.search(s.text)
        ):
            return False
        if any(_RELATIVE_EN.search(x.text) for x in self.sents[:i] if x.turn == s.turn):
            return True  # named earlier in the patient's turn
        unit = self.unit_of(i)
        if unit is None:
            return False
        asked_turn = self.sents[unit.question].turn  # or in the doctor's question it answers
        return any(_RELATIVE_EN.search(x.text) for x in self.sents if x.turn == asked_turn)

    def on_a_relative(self, i: int) -> bool:
        """Whether the doctor's sentence ``i`` (English) remarks on the relative the patient has just told
        of: the patient's last sentence names a relative, and the doctor speaks of "he", "she" or "they",
        not of "you" ("that sounds like atrial fibrillation, that's common at his age")."""
        if self.lang != "en" or not _OF_THEM.search(self.sents[i].text) or _TO_YOU.search(self.sents[i].text):
            return False
        before = [j for j in range(max(0, i - 3), i) if self.sents[j].speaker != SPEAKER_DOCTOR]
        return bool(before) and bool(
            _RELATIVE_EN.search(self.sents[before[-1]].text) or self.of_a_relative(before[-1])
        )

    def unit_of(self, i: int) -> Unit | None:
        k = self.d.answer_of.get(i)
        return self.d.units[k] if k is not None else None

    # ------------------------------------------------------------------ build
    def build(self) -> Draft:
        self.chief_complaint()
        for i, s in enumerate(self.sents):
            self.sentence(i, s)
        self.review_of_systems()
        self.reconcile_medications()
        if self.lang == "en":
            self.drop_repeats()
        self.problems()
        draft = empty_draft(self.lang)
        for section in SECTIONS:
            items = sorted(self.items[section], key=lambda it: _KIND_ORDER.get(it["kind"], 99))
            text = render_section(cast(list[dict], items), self.lang)
            draft["sections"][section] = {"text": text, "items": items}
        return draft

    def sentence(self, i: int, s: Sentence) -> None:
        label, conf = self.labels[i], self.confs[i]
        doctor = s.speaker == SPEAKER_DOCTOR
        if _noise(s) and not (s.question and doctor):
            return  # pleasantries, the patient's own questions, scribe commands
        if (
            i
            and _AGREES.match(s.text)
            and lx.CHITCHAT.search(self.sents[i - 1].text)
            and not lx.SYMPTOM_RE.search(s.text)
        ):
            return  # "cold out there today, huh." / "it is, i had to scrape my windshield.": small talk
        if s.start in self.told_how:
            return  # the medication item of the question it answers says it
        if self.lang == "fa" and not doctor and self.checks_back(i):
            return  # "بگو ببینم از فردا چطوری می‌خوری؟" / "صبح یکی، شب یکی.": the plan said back, no history
        if self.lang == "fa" and lx.is_greeting(s.text):
            return  # "سلام آقای دکتر، ممنون، خسته نباشید", "سلام، بفرمایید بشینید"
        if self.lang == "fa" and lx.FA_SMALL_TALK.search(s.text) and not lx.SYMPTOM_RE.search(s.text):
            return  # "ببخشید دیر شد، ترافیک بود", "ممنون که وقت گذاشتید"
        if (
            self.lang == "fa"
            and not doctor
            and i
            and self.sents[i - 1].speaker == s.speaker
            and self.sents[i - 1].question
            and _FA_SOMEONE_ELSE.search(s.text)
            and not lx.SYMPTOM_RE.search(s.text)
        ):
            return  # "آمپول تو زانو چی؟ همسایمون زده خوب شده.": why the patient asks, no history of theirs
        if self.lang == "fa" and doctor and _FA_LET_ME_SEE.match(s.text):
            return  # "آفرین، بدید ببینم.", "بذارید ببینم.": the doctor about to look, nothing found yet
        if (
            self.lang == "fa"
            and doctor
            and (
                (_FA_EXAM_COMMAND.search(s.text) and len(_WORDS.findall(s.text)) <= 6)
                or (_FA_EXAM_MOVE.search(s.text) and len(_WORDS.findall(s.text)) <= 8)
            )
            and not lx.FA_FINDING.search(s.text)
        ):
            return  # "با دست نشون بدید.", "خب، پاشید بایستید...": a command during the exam, no advice
        came = _FA_CAME_WITH.search(s.text) if self.lang == "fa" and not doctor else None
        if came and (not came.start() or lx.is_greeting(s.text[: came.start()])):
            # "سلام دکتر جون، با دخترم اومدم.": who came with the patient, not a greeting quoted
            a, b = s.start + came.start("who"), s.start + came.end("who")
            self.add("subjective", "social_history", f"همراه بیمار: {came.group('who')}", [(a, b, s.segment_id)],
                     confidence=0.6)  # fmt: skip
            return
        if doctor and (_TOPIC_HEADING.match(s.text) or (self.lang == "en" and _ANNOUNCES.match(s.text))):
            return  # "Second, the zolpidem.", "so, your results.": what the next sentences are about

        if not doctor and self.lang == "en" and self.echoes(i, s):
            return  # "so it's an infection." / "yes, …"; "okay, stop the water pill.": the doctor's words back
        if not doctor and self.lang == "en" and self.answers_social_question(i, s):
            return  # "how was the trip?" / "wonderful, too much sun though, my son's graduation": small talk
        if not doctor and self.reads_back_plan(i, s):
            return  # "so, the antibiotic for ten days and the scan on monday": the plan said back, no history
        if doctor and self.lang == "en" and self.permission(i, s):
            return  # "can she go to daycare?" / "once she's fever free for 24 hours, yes."
        nv = number_view(s.text, s.start)
        if doctor and self.earlier_value(i, s, nv.text):
            return
        if doctor and not s.question and self.lang == "en":
            label = self.doctor_remark(s, label)
        reported = not doctor and not self.d.roles_inferred  # a patient's own reading is history
        vitals = [] if s.question or reported else extract_vitals(s.text, s.start, nv)
        home = [v for v in vitals if self.home_reading(s, v)] if self.lang == "fa" else []
        vitals = [v for v in vitals if v not in home]
        for v in vitals:
            self.add(
                "objective", "vital", v.label(self.lang), [(v.start, v.end, s.segment_id)], confidence=0.9,
                name=v.name, value=v.value, unit=v.unit, systolic=v.systolic, diastolic=v.diastolic,
                negated=False, uncertain=is_uncertain(s.text),
            )  # fmt: skip
        labs = self.lab_results(i, s, nv) if self.lang == "fa" and doctor and not s.question else False
        given_here = doctor and not s.question and bool(_GIVEN_HERE.search(s.text))  # "i injected 40 mg of …"
        prescribing = doctor and not s.question and (bool(lx.PRESCRIBE.search(s.text)) or given_here)
        prescribing = prescribing and not _TOLD_FINDING.match(s.text)  # "you have decreased sensation to …"
        before = bool(_PRESCRIBED_BEFORE.search(s.text))  # "last time we started you on …": taken now
        prescribing = prescribing and not before
        plan_like = (
            doctor and not s.question and (label in ("plan", "assessment") or prescribing) and not before
        )
        allergy = bool(lx.CUES["allergy"].search(s.text)) or self.answers_allergy_question(i)
        meds = extract_medications(s.text, s.start, nv, heard=plan_like) if prescribing or not allergy else []
        completed = False  # the sentence's "it" completed the medicine named just before
        # once the plan has begun, a Persian medicine said with how to take it is ordered without its dose
        # ("تامسولوسین، شبی یه دونه، تا دو هفته" after the first order or the impression)
        begun = self.lang == "fa" and doctor and bool(self.prescribed or (meds and self.plan_told(i)))
        if doctor and not s.question and not prescribing and _ordered(s.text, meds, self.lang, begun):
            # "پنتوپرازول چهل میلی‌گرم روزی یه دونه، هشت هفته": a dose with how to take it, no verb
            prescribing = plan_like = True
            meds = extract_medications(s.text, s.start, nv, heard=True)
        if (
            self.lang == "fa"
            and doctor
            and not s.question
            and not prescribing
            and any(m.extra.get("made_to") for m in meds)
        ):
            # "لانتوس رو از امشب میکنی ۲۴ واحد", "متفورمین رو کم میکنم، ۵۰۰ صبح، ۵۰۰ شب": a new dose ordered
            prescribing = plan_like = True
        if (
            self.lang == "fa"
            and doctor
            and not s.question
            and any(_FA_CUT_DOWN.match(s.text, m.name_span[1] - s.start) for m in meds)
        ):
            plan_like = True  # "استامینوفن رو تا میتونی کم کن": the plan cuts down a medicine taken
        if (
            plan_like
            and not prescribing
            and sum(1 for m in meds if m.dose) >= 2
            and not lx.CUES["plan"].search(s.text)
        ):
            plan_like = (
                False  # "so amlodipine ten milligrams once a day, lisinopril twenty …": the list read back
            )
        if (
            doctor
            and not s.question
            and not prescribing
            and (i - 1) in self.prescribed
            and _more_of_the_order(s.text, meds)
        ):
            # "… you can keep using tylenol. and cyclobenzaprine ten milligrams at bedtime for the spasm."
            prescribing = plan_like = True
            meds = extract_medications(s.text, s.start, nv, heard=True)
        if prescribing:
            self.prescribed.add(i)
        if doctor and not s.question and not meds and (said_it := self.drug_it(i, s)) is not None:
            # "Second, the zolpidem. We'll cut it to five milligrams at bedtime for two weeks."
            completed = self.complete_last_medication(said_it, s)
            if not completed:
                meds = [said_it]
                prescribing = plan_like = True
        if (
            plan_like and meds and lx.CUES["follow_up"].search(s.text)
        ):  # "If he needs the albuterol more …, call 911"
            conditions = [m.span() for m in _CONDITION.finditer(s.text)]
            meds = [m for m in meds if not any(a <= m.name_span[0] - s.start < b for a, b in conditions)]
        if plan_like and not prescribing and label == "assessment":
            # "احتمالاً ایبوپروفن هم بدترش کرده", "a side effect of the lisinopril": a cause, not an order
            meds = [
                m
                for m in meds
                if not _AS_A_CAUSE.search(s.text, *clause_bounds(s.text, m.name_span[0] - s.start))
            ]
        elif (
            self.lang == "en"
            and doctor
            and not s.question
            and not prescribing
            and not lx.PLAN_VERB.search(s.text)
        ):
            # "ibuprofen can irritate the stomach", "the naproxen, the late meals … are all making it worse":
            # the doctor naming a medicine as a cause orders nothing and tells no medicine taken now
            meds = [
                m
                for m in meds
                if not _AS_A_CAUSE.search(s.text, *clause_bounds(s.text, m.name_span[0] - s.start))
                or _stops(s.text, m.name_span[0] - s.start, m.name_span[1] - s.start)
            ]
        if doctor and meds:  # "i'd rather avoid colchicine", "we can talk about allopurinol": no order
            meds = [m for m in meds if not _NOT_ORDERED_BEFORE.search(s.text[: m.name_span[0] - s.start])]
            # a medicine kept in reserve: "we'll start with the jardiance and keep ozempic in our back pocket"
            meds = [m for m in meds if not _IN_RESERVE.match(s.text, m.name_span[1] - s.start)]
            # "سفالکسین براتون نمی‌نویسم", "آموکسی‌سیلین بهتون نمیدم": withheld, not ordered
            meds = [m for m in meds if not _FA_NOT_GIVEN.match(s.text, m.name_span[1] - s.start)]
            # "کوتریموکسازول رو هیچوقت دیگه نخور": a medicine to avoid for good, neither ordered nor stopped
            meds = [m for m in meds if not _FA_NEVER.match(s.text, m.name_span[1] - s.start)]
            # "اگه بهتر نشد بهم بگید، اندانسترون می‌نویسم": a medicine kept for later, not ordered now
            meds = [
                m
                for m in meds
                if not (
                    _FA_IF_NOT_BETTER.search(s.text, 0, m.name_span[0] - s.start)
                    and _FA_WILL_ORDER.match(s.text, m.name_span[1] - s.start)
                )
            ]
        if self.lang == "fa" and plan_like and not prescribing and meds:
            # "آهن رو ببرید ظهر یا شب، حداقل چهار ساعت فاصله": how to take a medicine already taken, no
            # new order (the sentence stays the plan's instruction)
            taken = {it.get("name") for it in self.items["subjective"] if it["kind"] == "medication"}
            meds = [
                m
                for m in meds
                if m.name not in taken
                or m.dose
                or m.frequency
                or m.duration
                or _stops(s.text, m.name_span[0] - s.start, m.name_span[1] - s.start)
                or _FA_CUT_DOWN.match(s.text, m.name_span[1] - s.start)
            ]
        if allergy and meds:  # "چون به پنی‌سیلین حساسیت داره، آزیترومایسین ... می‌نویسم": not the allergen
            allergens = {(m.group("en") or m.group("fa") or "").lower() for m in _ALLERGEN.finditer(s.text)}
            meds = [
                m
                for m in meds
                if m.name.lower() not in allergens and not _ALLERGY_AFTER.match(s.text, m.end - s.start)
            ]
        if self.lang == "fa" and not doctor and not s.question and not meds:
            self.fa_stopped_it(i, s)
        declined = self.declined(i) if plan_like else None
        asked = self.answers_to(i) if s.question else None
        if (
            s.question
            and meds
            and (asked is None or asked.polarity not in ("yes", "no") or not _TAKING_Q.search(s.text))
        ):
            meds = []  # "are you on lisinopril?" asserts nothing until it is answered
        if self.lang == "fa" and s.question and meds and asked is not None and asked.answer:
            answered = {x.name for a in asked.answer for x in extract_medications(self.sents[a].text)}
            if answered & {m.name for m in meds}:
                meds = []  # "قرص آهن یا کلسیم هم میخورید؟" / "آره، آهن هم میخورم": the answer's medicine only
        if self.lang == "fa" and s.question and (told_how := self.taken_as_told(s, asked)) is not None:
            meds = [told_how]  # "متفورمین رو چطوری مصرف می‌کنید؟" / "روزی دو تا، صبح یکی شب یکی. پونصدی."
        elif self.lang == "fa" and meds and asked is not None and asked.polarity == "yes" and asked.answer:
            reply = self.sents[asked.answer[0]]  # "آتورواستاتین هم شبا میخورید؟" / "بله اونم میخورم."
            if len(_WORDS.findall(reply.text)) <= 5:
                self.told_how.add(reply.start)  # the medication item says it
        stops_any = taper = False
        # one item per medicine a sentence names: "the ibuprofen can push your pressure up, so stop the
        # ibuprofen" is one stop, not a prescription and a stop
        named: dict[str, Any] = {}
        for m in meds:
            first = named.setdefault(m.name, m)
            if first is not m and _stops(s.text, m.name_span[0] - s.start, m.name_span[1] - s.start):
                named[m.name] = m
            elif first is not m and prescribing and m.dose and not first.dose:
                # "متفورمین رو عوض میکنم به نوع آهسته‌رهش، متفورمین ایکس‌آر ۵۰۰": the order is the one dosed
                named[m.name] = m
        meds = _one_per_alias(s.text, s.start, [m for m in meds if named[m.name] is m])
        for m in meds:
            answers_a_proposal = i and self.sents[i - 1].speaker == SPEAKER_DOCTOR
            name_start, name_end = m.name_span[0] - s.start, m.name_span[1] - s.start
            if not doctor and answers_a_proposal and _refusing(s.text, name_start, name_end):
                continue  # "i'd rather not take lipitor" answers the proposal: the plan says declined
            past = self.taken_in_the_past(i, name_start) and not _NO_LONGER.match(s.text, name_end)
            later = [n.name_span[0] - s.start for n in meds if n.name_span[0] > m.name_span[0]]
            if not doctor and self.of_a_relative(i):
                continue  # "my mom has hashimoto's. she's on synthroid.": the mother's medicine
            if self.lang == "en" and doctor and not plan_like and _IF_FIRST.match(s.text):
                continue  # "if the thyroid is low, the treatment is levothyroxine": no medicine taken now
            if doctor and past and self.lang == "en":
                continue  # "you used to be on gliclazide as well, is that right": no medicine now, no order
            if self.lang == "en" and not doctor and _MAY_I_TAKE.match(s.text):
                continue  # "can i take propranolol though": the patient asks, no medicine taken now
            if self.lang == "en" and not doctor and _BORROWED.search(s.text, 0, name_start):
                continue  # "i took one of my flatmate's propranolol": someone else's, not prescribed or taken now
            if not plan_like and (past or self.someone_elses(i, name_end, min(later, default=None))):
                continue  # "and tamsulosin…" / "that's stan's"; "when she was two they gave her amoxicillin"
            if self.lang == "fa" and not doctor and not plan_like:
                self.fa_last_named = (i, m.name)
                ends = [name_end] + [x.end() for x in re.finditer(re.escape(m.name), s.text[name_end:])]
                if any(self.fa_taken_before(i, s, e if k == 0 else name_end + e) for k, e in enumerate(ends)):
                    self.fa_not_now.setdefault(m.name, i)
                    continue  # "قبلاً سرترالین میخوردم", "دو سال پیش آهن خوردم": not a medicine taken now
            if self.lang == "fa" and not doctor and _FA_GIVEN_BY_RELATIVE.search(s.text):
                continue  # "خواهرم آلپرازولام داد، چند شب خوردم": not prescribed; the quote tells it
            if self.lang == "fa" and not doctor and s.start in self.refusals:
                continue  # "نه دکتر، انسولین نه": the plan item says it was declined
            if (
                self.lang == "fa"
                and not doctor
                and not plan_like
                and (
                    re.match(r"\s*(?:هم\s+)?نه(?![^\W\d_])", s.text[name_end:])
                    or (s.question and not _FA_I_TAKE.search(s.text))
                )
            ):
                continue  # "انسولین که نمی‌خواید بدید؟ توروخدا انسولین نه.", "سوماتریپتان گرونه؟": not taken
            if (
                self.lang == "fa"
                and not doctor
                and lx.FA_RELATIVE.search(s.text, 0, name_start)
                and _FA_THEY_TOOK.match(s.text, name_end)
            ):
                continue  # "مادرم دیابت داشت، انسولین می‌زد": the relative's medicine (family history)
            if (
                self.lang == "fa"
                and doctor
                and not plan_like
                and any(
                    it["kind"] == "medication" and it.get("name") == m.name and not it.get("stopped")
                    for it in self.items["plan"]
                )
            ):
                continue  # "ترازودون مثل دیازپام اعتیادآور نیست" after ordering it: the order, not a medicine taken
            text = m.display(self.lang)
            if given_here:
                text += " (given in clinic)" if self.lang == "en" else " (در مطب تزریق/داده شد)"
            proposed = (
                " ".join(x.text for x in self.sents[i : self.sents.index(declined)]) if declined else ""
            )
            refused = declined if declined is not None and _refuses(declined.text, m.name, proposed) else None
            stopped = doctor and not s.question and _stops(s.text, name_start, name_end)
            held = self.lang == "en" and doctor and not s.question and not stopped
            held = held and _holds(s.text, name_start, name_end)
            stopped = stopped or held
            stops_any = stops_any or stopped
            taper = taper or (
                stopped and bool(m.frequency or m.duration)
            )  # "stop it, but one a day for a week first"
            if stopped:
                if self.lang == "fa":  # "قطع دیکلوفناک خوراکی": the route said, when another form stays
                    text = "قطع " + " ".join(x for x in (m.name, _FA_ROUTE_NAMES.get(m.route or "")) if x)
                else:
                    text = ("Hold " if held else "Stop ") + text
            elif self.lang == "fa" and plan_like and (cut := _FA_CUT_DOWN.match(s.text, name_end)):
                # "ژلوفن رو تا میتونی کم کن، هفته‌ای دو روز بیشتر نه": less of a medicine taken, no new order
                text = f"کاهش مصرف {m.name}"
                if limit := _FA_AT_MOST_CLAUSE.match(s.text, cut.end()):
                    text += f" ({limit.group(1).strip()})"
            elif self.lang == "fa" and plan_like and lx.FA_AS_BEFORE.search(s.text):
                text = f"ادامه {text}"  # "متفورمین و گلی‌کلازید مثل قبل"
            elif self.lang == "fa" and plan_like:
                text += self.dose_change(m)  # "متفورمین 1000 میلی‌گرم … (افزایش دوز از 500)"
            spans = [(m.start, m.end, s.segment_id)]
            kept_for_later = (
                self.delayed(i)
                if self.lang == "en" and plan_like and not stopped and refused is None
                else None
            )
            if kept_for_later is not None:
                # "i'll give you a prescription, but only start it if he's no better by friday": a
                # prescription to fill if needed, not a medicine started today
                text = "Delayed prescription, to start only if needed: " + text
                if kept_for_later is not s:
                    spans.append(self.span(kept_for_later))
            if refused is not None:
                spans.append(self.span(refused))
            if s.question and asked is not None and asked.polarity == "yes" and asked.answer:
                # "are you taking the metformin every day?" / "yeah, 500 twice a day": the answer's dose
                reply = self.sents[asked.answer[0]]
                said = re.sub(
                    r"^\W*(?:(?:yes|yeah|yep|yup|uh-huh|mm-hmm|correct|right|i do|i am|آره|بله)\W+)+",
                    "",
                    reply.text,
                    flags=re.I,
                )
                told = extract_medications(f"{m.name} {said}")
                if told and (told[0].dose or told[0].frequency):
                    # "one in the morning, one at night" splits the asked "twice a day": it stays
                    split = m.frequency and len(_DOSE_TIME.findall(said)) > 1
                    m = replace(m, dose=told[0].dose or m.dose, unit=told[0].unit or m.unit,
                                frequency=m.frequency if split else told[0].frequency or m.frequency)  # fmt: skip
                    text = m.display(self.lang)
                    spans.append(self.span(reply))
            negated = (
                refused is not None
                if plan_like
                else _refusing(s.text, name_start, name_end)
                or (
                    asked.polarity == "no"
                    and not _EXCEPTED_BEFORE.search(s.text, 0, name_start)
                    # "are you taking the insulin every night, ever doubling up?" / "never": no lapse
                    and not (self.lang == "en" and _EVER_LAPSE.search(s.text, name_end))
                    if asked
                    else bool(_NOT_TAKING.search(s.text, 0, name_start))
                )  # "غیر از استامینوفن چیز دیگه‌ای می‌خوری؟" / "نه": the no is about the others
                or bool(_NO_LONGER.match(s.text, name_end))  # "i was on the fluticasone but i ran out'
            )
            extra = {"stopped": True} if stopped else {}
            if self.lang == "fa" and negated and not stopped and refused is None and not plan_like:
                text += " (مصرف نمی‌کند)"  # "آتورواستاتین رو می‌خورید؟" / "نه، قطعش کردم": not "داروها: آتورواستاتین"
            self.add(
                "plan" if plan_like or stopped else "subjective", "medication",
                (("Declined: " if self.lang == "en" else "نپذیرفت: ") + text) if refused is not None else text,
                spans, confidence=0.8, name=m.name, dose=m.dose, unit=m.unit, route=m.route,
                frequency=m.frequency, duration=m.duration, negated=negated and not stopped,
                uncertain=is_uncertain(s.text), **extra,
            )  # fmt: skip
        if doctor and s.question and _OFFER.search(s.text):
            self.offer(i, s)  # "Would you like a flu shot today?" / "No thanks, not today."
        if s.question or s.start in self.refusals:
            return  # a refusal is the evidence of the declined plan item, not history
        accepts = _ACCEPTS.match(s.text) and len(_WORDS.findall(s.text)) <= 8  # not "okay, then let's …"
        if doctor and i and self.sents[i - 1].start in self.refusals and accepts:
            return  # "That's fine, we'll skip it."
        if not doctor and self.lang == "fa" and _FA_ACCEPTS.match(s.text):
            return  # "باشه، پس نمیخواد": the patient agrees with what the doctor said
        unit = self.unit_of(i)
        question = self.sents[unit.question].text if unit is not None else ""
        if (
            unit is not None
            and lx.CHITCHAT.search(question)
            and not lx.SYMPTOM_RE.search(f"{question} {s.text}")
        ):
            return  # "Any questions?" / "No, I'm good."
        if s.start in self.read_answers or (unit is not None and self.home_readings(i, s, unit)):
            return
        if not doctor and self.of_a_relative(i):
            # "and your sister, how's she doing?" / "she's tired all the time": the sister's, not the patient's
            # ("did your daughter settle in at school?" / "she did, we moved her in": no history at all)
            if _clinical(s.text):
                self.history_item(s, "family_history", self.patient_text(s), conf)
            return
        if (
            self.lang == "fa"
            and not doctor
            and unit is not None
            and _FA_OTHER_Q.search(self.asked_text(unit))
            and _FA_JUST_THAT.match(s.text)
        ):
            return  # "دیگه دارویی نمیخوری؟" / "نه، همون یکی.": nothing more than what was said
        if (
            self.lang == "fa"
            and not doctor
            and unit is not None
            and (after := self.after_answer(unit)) is not None
            and _FA_I_MEANT.match(self.sents[after].text)
        ):
            return  # "چند وقتشه؟" / "یک سال و نیمشه." / "نه، منظورم اینه از کی مریض شده؟": the question misheard
        if unit is not None and self.answer(i, s, unit):
            return
        if (
            not doctor
            and self.lang == "fa"
            and not meds
            and not lx.SYMPTOM_RE.search(s.text)
            and not _fa_of_the_body(s.text)
            and _history_kind(s.text, _PATIENT_KINDS) in ("hpi", "medication")
            and self.plan_told(i)
        ):
            # "چقدر قرص شد دکتر.", "مرسی، خیالم راحت شد.", "فقط یه نامه برای اداره می‌خوام": once the doctor
            # has told the impression or ordered, what the patient says without a symptom is no history
            return
        if doctor:
            if lx.DEMOGRAPHIC.search(s.text) and not lx.ASSISTANT.search(s.text):
                label = "hpi"  # "martha is a 50-year-old female with ... who presents for ..."
            if _TOLD_FINDING.match(s.text) and "exam" in self.final[max(0, i - 3) : i]:
                label = "exam"  # "… no sores. you have decreased sensation to the monofilament …"
            explains = self.lang == "en" and bool(
                _ADVISED.match(s.text) or (_DEFINES.search(s.text) and not _TO_THE_PATIENT.search(s.text))
            )  # advice or a term defined names a condition, but tells none of the patient's
            if (
                lx.told_diagnosis(s.text)
                and not explains
                and (
                    label == "other"
                    or (
                        label in ("exam", "result", "hpi", "ros")
                        and not any(lx.CUES[c].search(s.text) for c in ("exam", "result", "past_history"))
                        and not _HISTORY_TOLD.search(s.text)
                    )
                )
            ):
                label = "assessment"  # "he has an ear infection", "so this is an ankle sprain" after the exam
            elif (
                self.lang == "fa"
                and label in ("exam", "result", "hpi", "ros", "other", "social_history", "family_history")
                and lx.suspected_diagnosis(s.text)
            ):
                label = (
                    "assessment"  # "با این معاینه، خیلی احتمال داره رباط صلیبی پاره شده باشه": the impression
                )
            if (
                self.lang == "fa"
                and label == "other"
                and not s.question
                and (_FA_ADVICE_VERB.search(s.text) or _FA_TOLD_TO.search(s.text))
                and not _FA_EXAM_COMMAND.search(s.text)
                and not _FA_EXAM_MOVE.search(s.text)
                and self.plan_told(i)
            ):
                # "او‌آر‌اس رو یه‌جا نده، با قاشق بهش بده", "شیرتو حتماً بده، قطع نکن": once the doctor has told
                # the impression or ordered, a sentence telling the patient what to do is the plan
                label = "plan"
            if (
                self.lang == "fa"
                and label == "assessment"
                and not (lx.DIAGNOSIS.search(s.text) or lx.SYMPTOM_RE.search(s.text))
                and not lx.FA_CLINICAL_WORD.search(s.text)
            ):
                label = "other"  # "احتمالاً از همدیگه گرفتن": a guess that names no condition is no problem
            if self.lang == "fa" and label == "other" and self.examining(i) and _fa_found(s.text):
                # "بالای مثانه یه کم حساسه", "ریه‌ها پاکن", "نوار قلبت تغییر حادی نشون نمیده": what the doctor
                # says of the body between the first finding and the impression is a finding or a result
                label = "result" if _FA_TEST_WORD.search(s.text) else "exam"
            if self.lang == "fa" and label == "exam" and not s.question and _FA_EXPLAINS.search(s.text):
                # "بدن آدرنالین ترشح میکنه، قلب تند میزنه", "وقتی کلیه ضعیف میشه، انسولین دیرتر دفع میشه": how
                # the body works, told in general, is no finding; what a finding means ("یعنی …", "… یه دلیل
                # افت قنده") is the doctor's reading of it, the assessment when it names something clinical
                general = _FA_IN_GENERAL.search(s.text)
                clinical = lx.DIAGNOSIS.search(s.text) or lx.SYMPTOM_RE.search(s.text)
                label = "assessment" if clinical and not general else "other"
            if (
                self.lang == "fa"
                and label == "exam"
                and len(_FA_ADVICE_VERB.findall(s.text)) >= 2
                and not _FA_EXAM_COMMAND.search(s.text)
            ):
                label = "plan"  # "پاها رو هر شب نگاه کنید، کرم بزنید، پابرهنه راه نرید": advice, no finding
            if (
                self.lang == "en"
                and label in ("exam", "result", "hpi", "ros", "other")
                and lx.suspects(s.text)
            ):
                # "the weight gain, the cold, your mother's history: i'm suspecting hypothyroidism": the
                # history and findings named are the reasons for the inference, not a history or a result
                label = "assessment"
            if self.lang == "en" and label in ("assessment", "result", "exam") and _counsels(s.text):
                # "you'll pee a bit more, so drink water", "it's a weekly injection", "macrobid doesn't
                # affect yaz": what a treatment does, told to the patient, is counselling, not a problem
                label = "plan"
            if self.lang == "en" and label in ("hpi", "ros") and self.exam_begun(i) and not _recounts(s.text):
                # once the doctor has examined, what the doctor says is findings, explanation or plan, not
                # the patient's history: "your skin is dry, especially the elbows" goes on with the exam;
                # "it takes four to six weeks to kick in", "alcohol is a depressant" explain
                prev = self.sents[i - 1]
                if self.final[i - 1] == "exam" and prev.speaker == SPEAKER_DOCTOR:
                    label = "exam"
                elif _IF_FIRST.match(s.text) or lx.CUES["follow_up"].search(s.text) or _instruction(s.text):
                    # "if you get numbness in the groin ..., go in right away": safety-net advice; "try not
                    # to eat late, smaller meals": advice said as an instruction
                    label = "plan"
                else:
                    label = "other"
            if (
                self.lang == "fa"
                and label == "assessment"
                and i
                and self.final[i - 1] in ("result", "exam")
                and self.sents[i - 1].speaker == SPEAKER_DOCTOR
                and _FA_NOT_SEEN.match(s.text)
            ):
                label = self.final[
                    i - 1
                ]  # "عکس زانو رو دیدم: … استئوفیت داره. شکستگی نیست.": what the image does not show
            if declined is not None and label == "assessment":
                label = "plan"
            if self.lang == "en" and label == "assessment" and _IF_YOU_LIKE.search(s.text):
                label = "plan"  # "we can give it today if you'd like": an offer, no problem  # "you can also take phenazopyridine if you want" / "i'll skip that one"
            dosed = plan_like and any(m.dose and m.frequency for m in meds)  # "then ibuprofen 400 mg tid"
            if (prescribing or stops_any or dosed) and (
                label not in ("plan", "assessment") or not lx.DIAGNOSIS.search(s.text)
            ):
                label = "plan"  # "take paracetamol 500 mg every 6 hours" names no problem
            if labs:
                label = "other"  # "کراتینین‌تون یک و یک دهمه": the result items say it
            elif self.lang == "fa" and label == "other" and _FA_RULED_OUT.search(s.text):
                # "خدا رو شکر کم آبی نداره": a condition ruled out, no problem of the patient's
                self.add(
                    "assessment", "problem", self.doctor_text(s), [self.span(s)], confidence=0.6, negated=True
                )
            elif (
                self.lang == "fa"
                and label == "assessment"
                and _FA_UNLIKELY.search(s.text)
                and not _FA_LIKELY.search(s.text)
            ):
                # "بعیده میکروبی باشه", "احتمال آپاندیسیت کمه": a cause the doctor thinks unlikely is not the
                # patient's problem, and the plan that follows is not its plan
                self.add(
                    "assessment", "problem", self.doctor_text(s), [self.span(s)], confidence=0.6, negated=True
                )
                label = "other"
            if home and not vitals and label in ("exam", "result"):
                label = "other"  # "صبحا بیشتر ۱۵۰ روی ۹۵": the home readings say it
            if (
                self.lang == "en"
                and label in ("exam", "result")
                and meds
                and not plan_like
                and not vitals
                and not self.exam_begun(i)
            ):
                label = (
                    "other"  # "hydrochlorothiazide, yes, i see it here, 25 mg": the medication item says it
                )
            if label in ("assessment", "exam", "result") and self.on_a_relative(i):
                label = "other"  # "my dad's on blood thinners" / "that sounds like atrial fibrillation, common at his age"
            self.final[i] = label
            if label != "other" and not (
                vitals and (label == "exam" or (label == "result" and len(_WORDS.findall(s.text)) <= 6))
            ):  # "bmi is 26": the vital item says it
                self.doctor_item(
                    i,
                    s,
                    label,
                    conf,
                    declined,
                    has_meds=(bool(meds) or completed)
                    and not taper
                    and not (self.goes_on_with(s, meds) and not stops_any)
                    # "if you get black stools ... after four weeks on the omeprazole, i'd send you for a
                    # scope": the medication items do not say the condition
                    and not _IF_FIRST.match(s.text),
                )
            elif self.lang == "fa" and vitals and label == "exam":
                self.findings_beside_vitals(s, vitals)  # "فشار ۱۱۰ روی ۷۰، نبض ۸۴، شکم نرمه."
            if self.lang == "fa" and label == "plan" and meds and not taper:
                self.advice_after_medicines(s, meds)
            if self.lang == "fa" and label == "plan" and not meds:
                self.name_the_medicine(s)  # "آره با غذا بخورید." after the order: how to take it
        elif (
            label != "other"
            or lx.SYMPTOM_RE.search(s.text)
            or self.led_history_answer(i, s, unit)
            or _PREGNANCY.search(s.text)  # "i'm 22 weeks", "بیست و چهار هفته‌مه"
            or self.answers_allergy_question(i)  # "any allergies?" / "Sulfa."
            or self.answers_history_question(i, s, unit)  # "where is it?" / "like a band round here"
        ):
            question = self.sents[unit.question].text if unit is not None else ""
            if self.lang == "fa" and meds and _only_medicines(s, meds):
                return  # "آملودیپین پنج صبح یکی.": the medication item says it all
            if self.small_talk(i, s, unit):
                return
            self.patient_item(i, s, conf, has_meds=bool(meds), asked=question)

    @staticmethod
    def doctor_remark(s: Sentence, label: str) -> str:
        """Where a doctor's statement belongs by what it says, whatever its words sound like: the exam
        narrated or a move asked for ("let me press on your ankles", "take a deep breath for me") finds
        nothing; a remark with no clinical word is talk ("sorry about the wait", "here's the plan"); a
        dose, an order or an instruction is plan, not history or a problem ("i'd start low, twenty-five
        milligrams once a day", "keep fluids to about two liters a day")."""
        text = s.text
        short_command = _EXAM_COMMAND.search(text) and len(_WORDS.findall(text)) <= 8
        if (
            lx.EXAM_NARRATION.search(text)
            or lx.ASKS_TO_TELL.match(text)
            or (label != "plan" and short_command)
        ):
            return "other"
        if _ADVISED.match(text):
            return "plan"  # "for the caffeine, i'd cut the energy drinks", "things that help during an attack: …"
        finding = label in ("exam", "result") and _NEGATIVE_FINDING.match(text)  # "no crusting yet"
        if not (_clinical(text) or finding or _plan_content(text)):
            return "other"
        if label in ("hpi", "ros") and (
            lx.IMPERATIVE.match(text) or (not _history_told(text) and _plan_content(text))
        ):
            return "plan"
        if (
            label in ("assessment", "result", "exam")
            and _DEFINES.search(text)
            and not _TO_THE_PATIENT.search(text)
        ):
            return "other"  # "uric acid is the stuff that forms crystals in the joint, that's what gout is"
        if label == "assessment" and not lx.told_diagnosis(text):
            if _NEGATIVE_FINDING.match(text) and (_EXAM_WORDS.search(text) or _FELT_FOR.search(text)):
                return "exam"  # "no lumps, the liver isn't enlarged": a finding, no problem
            # a test or an order outright is plan though it names a condition ("you can get a little
            # dehydrated, so i want a blood test"); weaker plan words only where no diagnosis is named
            if lx.TEST_ORDER.search(text) or lx.IMPERATIVE.match(text):
                return "plan"
            if not lx.DIAGNOSIS.search(text):
                if (
                    (_AS_A_RULE.match(text) or _CAN_DO.search(text))
                    and not _orders(text)
                    and not _THEN_ADVISED.search(text)
                    and not _TO_THE_PATIENT.search(text)
                ):
                    # "most of these settle on their own in a few days", "sometimes the blister bursts":
                    # how such illnesses go in general, an explanation, not a problem of the patient's (not
                    # "typically these last longer than the one episode you had": the patient's case weighed)
                    return "other"
                if _ADVICE.search(text):
                    return "plan"  # "losing a few pounds is the best thing you can do for the knees"
                if lx.CUES["result"].search(text) and _READING.search(text):
                    return "result"  # "your blood count last month was normal, so no sign of anemia"
            # an order, not a dose alone: "the swelling is a common side effect of amlodipine, especially
            # at ten milligrams" explains the problem and orders nothing
            if not lx.DIAGNOSIS.search(text) and _orders(text):
                return "plan"
            # a proposal or a conditional call-back, in English: "we could switch you to that", "if you see
            # pus coming out of the ear, just give us a call", "if the neck swells quickly, come in sooner"
            if _PROPOSAL.search(text) or _CALL_BACK_IF.search(text):
                return "plan"
        if label == "result" and lx.IMPERATIVE.match(text):
            return "plan"  # "stop it today, go to the lab on monday morning": an order, no result
        if label == "result" and _TESTS_WHEN.search(text) and not _RESULT_TOLD.search(number_view(text).text):
            return "plan"  # "blood work today, kidney function, electrolytes and an a1c": tests ordered
        return label

    def first_exam(self, i: int) -> int | None:
        """The doctor's first exam finding or vital sign before sentence ``i``, if any."""
        return next(
            (j for j in range(i) if self.final[j] == "exam" and self.sents[j].speaker == SPEAKER_DOCTOR), None
        )

    def exam_begun(self, i: int) -> bool:
        """Whether the doctor has already told an exam finding before sentence i."""
        return self.first_exam(i) is not None

    def examining(self, i: int) -> bool:
        """Whether sentence ``i`` falls in the exam: after the doctor's first finding or vital sign and
        before the doctor's first impression or order after it."""
        first = self.first_exam(i)
        return first is not None and not any(
            label == "assessment" or j in self.prescribed
            for j, label in enumerate(self.final[first:i], start=first)
        )

    def after_answer(self, unit: Unit) -> int | None:
        """The doctor's sentence right after the answer of ``unit``, if the doctor speaks next."""
        j = (unit.answer[-1] if unit.answer else unit.question) + 1
        return j if j < len(self.sents) and self.sents[j].speaker == SPEAKER_DOCTOR else None

    def checks_back(self, i: int) -> bool:
        """Whether sentence ``i`` answers the doctor checking that the plan was understood ("متوجه شدی؟",
        "بگو ببینم چه جوری می‌خوری؟"), once the doctor has ordered or told the impression."""
        unit = self.unit_of(i)
        if unit is None or not self.plan_told(unit.question):
            return False
        return bool(_FA_CHECK_BACK.search(self.asked_text(unit)))

    def answers_history_question(self, i: int, s: Sentence, unit: Unit | None) -> bool:
        """The patient's first sentence answering the doctor's history question, before the impression or
        an order (English): what the complaint is like ("where is it?" / "like a band round here", "what
        does it feel like?" / "tight, like something squeezing"), what makes it worse, or a question of a
        history kind ("does anyone in the family get them?" / "my mum gets migraines"). The answer is
        history even when it names no symptom of the lexicon."""
        if self.lang != "en" or unit is None or s.speaker == SPEAKER_DOCTOR or s.question:
            return False
        if unit.answer[:1] != (i,) or unit.polarity in ("yes", "no", "none") or not _content(s):
            return False
        q = self.sents[unit.question].text
        if lx.CHITCHAT.search(q) or _UNDERSTOOD_Q.search(q):
            return False
        asked = (
            unit.attribute is not None
            or _WORSE_BETTER_Q.search(q)
            or any(cue.search(q) for _, cue in _QUESTION_KINDS)
        )
        return bool(asked) and not self.exam_begun(i) and not self.plan_told(i)

    def plan_told(self, i: int) -> bool:
        """Whether the doctor has ordered a medicine, or told the impression after examining, before
        sentence ``i``."""
        start = self.sents[i].start
        ordered = any(
            it["kind"] == "medication" and it["evidence"] and it["evidence"][0]["start"] < start
            for it in self.items["plan"]
        )
        first = self.first_exam(i)  # an impression told after it (one scan, not one per earlier sentence)
        return ordered or (
            first is not None
            and any(
                self.final[j] == "assessment" and self.sents[j].speaker == SPEAKER_DOCTOR
                for j in range(first + 1, i)
            )
        )

    def goes_on_with(self, s: Sentence, meds: list) -> bool:
        """Whether a plan sentence tells how to go on with medicines the patient already takes ("the
        morning of surgery, take your levothyroxine and amlodipine with a sip of water", "keep taking the
        aspirin, don't stop that"): an instruction the medication lines do not say. The list read back
        ("i have furosemide forty milligrams once a day, ...") tells nothing to do."""
        taken = {
            lx.generic_name(it.get("name") or "")
            for it in self.items["subjective"]
            if it["kind"] == "medication"
        }
        told = lx.IMPERATIVE.match(s.text) or lx.PLAN_VERB.search(s.text)
        return bool(meds and told) and all(lx.generic_name(m.name) in taken for m in meds)

    def allergy_talk(self, i: int) -> bool:
        """Whether sentence ``i`` is about an allergy: the answer to an allergy question, or the question
        itself ("and the allergy to codeine, still nausea?"): its symptoms are the reaction."""
        s = self.sents[i]
        if _NO_ALLERGY.search(s.text):
            return False  # "no allergies, but i've had a rash since monday": the rash is news
        if self.answers_allergy_question(i):
            return True  # not any sentence filed as an allergy: "my allergies are acting up, runny nose"
        return s.question and bool(lx.CUES["allergy"].search(s.text))

    def small_talk(self, i: int, s: Sentence, unit: Unit | None) -> bool:
        """A patient's few words with nothing clinical in them, said in reply to what the doctor just
        told, not to a question ("that's a big jump.", "she's going to be so mad, no long walks."). An
        answer is left alone: whether the question was clinical is too loosely known ("does it ever
        lock or catch?" / "once, getting out of the car it kind of caught.")."""
        if self.lang == "fa":
            if _fa_clinical(s.text) or self.answers_allergy_question(i):
                return False
        elif _clinical(s.text) or self.answers_allergy_question(i):
            return False
        if unit is not None:
            return False
        j = i - 1
        while j >= 0 and self.sents[j].turn == s.turn:
            j -= 1  # "oh, wow. that's a big jump.": the doctor's words before the patient's turn
        before = self.sents[j] if j >= 0 else None
        return (
            before is not None
            and before.speaker == SPEAKER_DOCTOR
            and not before.question
            and not lx.PROMPT.search(before.text)
            and len(_WORDS.findall(s.text)) <= 10
        )

    def echoes(self, i: int, s: Sentence) -> bool:
        """Whether the patient's sentence says the doctor's words back: a check of what was meant that
        the doctor confirms next, or a short read-back of an instruction just given."""
        if _CHECKS_MEANING.match(s.text) and len(_WORDS.findall(s.text)) <= 8:
            after = self.sents[i + 1] if i + 1 < len(self.sents) else None
            return (
                after is not None and after.speaker == SPEAKER_DOCTOR and bool(_CONFIRMED.match(after.text))
            )
        before = self.sents[i - 1] if i else None
        return (
            bool(_READS_BACK.match(s.text))
            and len(_WORDS.findall(s.text)) <= 8
            and before is not None
            and before.speaker == SPEAKER_DOCTOR
            and not before.question
        )

    def answers_social_question(self, i: int, s: Sentence) -> bool:
        """Whether the patient's sentence is in the answer to the doctor's social question ("how was your
        holiday?", "how are the grandkids?") and names no symptom: small talk, no history."""
        j = i - 1
        while j >= 0 and self.sents[j].speaker != SPEAKER_DOCTOR:
            j -= 1
        if (
            j < 0
            or not _SOCIAL_Q.search(self.sents[j].text)
            or self.sents[j].turn != self.sents[j + 1].turn - 1
        ):
            return False
        return not (
            lx.SYMPTOM_RE.search(s.text) or lx.PART_COMPLAINT.search(s.text) or lx.DIAGNOSIS.search(s.text)
        )

    def delayed(self, i: int) -> Sentence | None:
        """The doctor's sentence, this one or the doctor's sentence just before it, that keeps the
        prescription for later ("only start it if she's not better by monday", "a backup prescription")."""
        for j in (i, i - 1):
            if j >= 0 and self.sents[j].speaker == SPEAKER_DOCTOR and _DELAYED.search(self.sents[j].text):
                return self.sents[j]
        return None

    def reads_back_plan(self, i: int, s: Sentence) -> bool:
        """Whether the patient's sentence, said once the doctor has begun the plan, says the plan back: the
        answer to the doctor's check of understanding ("does that make sense?" / "yes, the cream twice a
        day and back in a week"), or a short sentence whose words the doctor has all said since the exam
        ("so no ibuprofen")."""
        begun = [j for j in range(i) if self.final[j] == "plan" or j in self.prescribed]
        if not begun or s.question:
            return False
        unit = self.unit_of(i)
        if unit is None and self.lang == "fa":  # a later sentence of the turn that answers the check
            k = i
            while k and self.sents[k - 1].turn == s.turn:
                k -= 1
            unit = self.unit_of(k)
        check = _UNDERSTOOD_Q if self.lang == "en" else _FA_CHECK_BACK
        asked = self.sents[unit.question].text if unit is not None and self.lang == "en" else ""
        if unit is not None and self.lang == "fa":  # "سوالی داری؟ برنامه رو یه بار بگو ببینم."
            upto = unit.answer[0] if unit.answer else unit.question + 1
            asked = " ".join([self.asked_text(unit), *(x.text for x in self.sents[unit.question + 1 : upto])])
        if (
            unit is not None
            and check.search(asked)
            # "خب بگید ببینم چی شده؟", "امپرازول رو چطوری می‌خورید؟": before the doctor has ordered or told the
            # impression, "tell me" and "how do you take it" open the history; "بفرمایید بشینید" begins no plan
            and (self.lang == "en" or self.plan_told(unit.question))
        ):
            # unless the patient tells a symptom of their own: "yes, but i still have the cough"
            if self.lang == "fa":  # "آره، ولی هنوز سرم درد می‌کنه"; not "اگه تب کردم برم اورژانس"
                return not (lx.SYMPTOM_RE.search(s.text) and not _HYPOTHETICAL.search(s.text))
            return not (lx.SYMPTOM_RE.search(s.text) and _I_HAVE.search(s.text))
        words = {_stem(w) for w in _WORDS.findall(s.text.lower()) if len(w) > 2 and w not in _FUNCTION_WORDS}
        if not words or len(_WORDS.findall(s.text)) > 12:
            return False
        exam = [j for j, label in enumerate(self.final[:i]) if label == "exam"]
        since = min(exam[:1] + begun[:1])
        said = {
            _stem(w)
            for j in range(since, i)
            if self.sents[j].speaker == SPEAKER_DOCTOR and not self.sents[j].question  # told, not asked
            for w in _WORDS.findall(self.sents[j].text.lower())
        }
        return len(words & said) >= 0.75 * len(words)

    def permission(self, i: int, s: Sentence) -> bool:
        """ "can she go to daycare?" / "once she's fever free for 24 hours, yes.": the doctor's answer
        to the patient's question about daycare, school or work is a plan instruction with its question."""
        q = self.sents[i - 1] if i else None
        if q is None or q.speaker == SPEAKER_DOCTOR or not q.question or not _PERMISSION_Q.search(q.text):
            return False
        if s.question or len(_WORDS.findall(s.text)) > 20:
            return False
        said = digits_en(self.doctor_text(s))
        answer = said[:1].lower() + said[1:]  # "yes, the patient is due."
        self.add("plan", "instruction", f'Asked "{q.text.strip()}": {answer}', [self.span(q), self.span(s)],
                 confidence=0.6)  # fmt: skip
        return True

    def home_readings(self, i: int, s: Sentence, unit: Unit) -> bool:
        """ "are you checking your sugars at home?" / "in the morning it's usually like 160, 170. once
        it was 210.": the numbers answered are one item with their question, the usual range and the
        outlier together (English)."""
        q = self.sents[unit.question]
        said = [j for j in unit.answer if j >= i and re.search(r"\d\d", number_view(self.sents[j].text).text)]
        if self.lang != "en" or s.speaker == SPEAKER_DOCTOR or not said or said[0] != i:
            return False
        if not _READINGS_Q.search(q.text) or lx.CUES["plan"].search(q.text):
            return False
        answer = " ".join(digits_en(clean_spoken(self.sents[j].text)) for j in said)
        spans = [self.span(q), *(self.span(self.sents[j]) for j in said)]
        self.add("subjective", "hpi", f'Asked "{q.text.strip()}": {answer}', spans, confidence=0.6)
        self.read_answers.update(self.sents[j].start for j in said)
        return True

    def earlier_value(self, i: int, s: Sentence, digits: str) -> bool:
        """ "your a1c came back at 8.4." / "last time in june it was 7.6.": an earlier value said right
        after a result is part of that result (its trend), not a reading of today (English)."""
        results = self.items["objective"]
        if (
            self.lang != "en"
            or s.question
            or not i
            or not results
            or results[-1]["kind"] != "result"
            or results[-1]["evidence"][-1]["end"] != self.sents[i - 1].end
            or not _EARLIER_VALUE.search(s.text)
            or not re.search(r"\d", digits)
        ):
            return False
        last = results[-1]
        earlier = digits_en(self.doctor_text(s))
        last["text"] = f"{last['text'].rstrip('.')}; {earlier[:1].lower()}{earlier[1:]}"
        last["evidence"].append(_ev(self.t, s.start, s.end, s.segment_id))  # type: ignore[arg-type]
        return True

    def offer(self, i: int, s: Sentence) -> None:
        """A doctor's offer answered is a plan item, declined or agreed (its reply is not history)."""
        unit = self.answers_to(i)
        if unit is None or not unit.answer:
            return
        reply = self.sents[unit.answer[0]]
        m = _OFFER.search(s.text)
        offered = s.text[m.end() :] if m else s.text
        tag = bool(m and _TAG_OBJECT.fullmatch(offered))  # "i could put you in a boot, would you like that?"
        if tag and m:
            offered = s.text[: m.start()]
        if self.lang == "fa" and m and not offered.strip(" ?.!,؟،"):
            offered = s.text  # "سیگار رو باید ترک کنید، میخواید کمکتون کنم؟": the offer says it before
        if not (_proposes(offered) or _OFFERED_THING.search(offered)):
            return  # "do you want to tell me more about the pain?", "می‌خواید توضیح بدم؟"
        declined = bool(lx.DECLINE.search(reply.text)) or unit.polarity == "no"
        if not declined and unit.polarity != "yes":
            return
        if declined or len(_WORDS.findall(reply.text)) <= 4:
            self.refusals.add(reply.start)  # the reply is the plan item's evidence, not history
        if declined and self.lang == "fa":
            r = unit.answer[0]
            for k in range(i + 1, r):  # "… بنویسم؟ دو سه روز بخورید سوزشش آروم می‌شه.": the offer's pitch
                x = self.sents[k]
                if x.speaker == s.speaker and _FA_TAKE_IT.search(x.text) and not extract_medications(x.text):
                    self.refusals.add(x.start)
            for x in self.sents[r + 1 :]:  # "نه، ممنون، اونو نمی‌خوام. همین یکی بسه.": the whole refusal
                if x.turn != reply.turn or not lx.DECLINE.search(x.text):
                    break
                self.refusals.add(x.start)
        # "Yes, but I'm allergic to penicillin": the rest of the reply is still history
        kind = next(
            (k for k in ("test", "referral", "follow_up") if lx.CUES[k].search(s.text)), "instruction"
        )
        what = self.doctor_text(s)
        if self.lang == "en" and m and offered.strip(" ?.!,"):  # "… a flu shot today"
            what = doctor_to_note(offered.strip(" ?.!,"), self.gender)
        if self.lang == "en":
            prefix = "Declined: " if declined else "Agreed: "
        else:
            prefix = "نپذیرفت: " if declined else "پذیرفت: "
        self.add(
            "plan", kind, prefix + what, [self.span(s), self.span(reply)], confidence=0.6, negated=declined
        )

    def someone_elses(self, i: int, name_end: int, next_start: int | None) -> bool:
        """Whether the medicine named in sentence ``i`` (ending at ``name_end``) belongs to someone else:
        said so after it, before another medicine is named, in the sentence or in the two sentences
        after ("and tamsulosin…" / "oh, this is your husband's?" / "that's stan's")."""
        if _SOMEONE_ELSES.search(self.sents[i].text[name_end:next_start]):
            return True
        if next_start is not None:
            return False
        for x in self.sents[i + 1 : i + 3]:
            if extract_medications(x.text):
                return False
            if _SOMEONE_ELSES.search(x.text):
                return True
        return False

    def taken_in_the_past(self, i: int, name_start: int) -> bool:
        """Whether the patient's sentence tells a medicine given once in the past ("once, when she was
        two. they gave her amoxicillin"): a past verb before the name, and a past time in the sentence
        or the one before it in the same turn."""
        s = self.sents[i]
        if self.lang == "fa":
            return s.speaker != SPEAKER_DOCTOR and self.fa_past_episode(i)
        if s.speaker == SPEAKER_DOCTOR:
            # "you used to be on gliclazide as well, is that right": the doctor recalls a past medicine
            return self.lang == "en" and bool(_USED_TO_BE_ON.search(s.text, 0, name_start))
        if not _GIVEN_THEN.search(s.text, 0, name_start):
            return False
        before = self.sents[i - 1].text if i and self.sents[i - 1].turn == s.turn else ""
        # "i was on sertraline for about a year, it helped": a course that ended, however long ago
        course = bool(_COURSE_ENDED.search(s.text, name_start, name_start + 60))
        return bool(_PAST_TIME.search(s.text) or _PAST_TIME.search(before) or course)

    def fa_past_episode(self, i: int) -> bool:
        """Whether a Persian sentence tells what others gave or did once in the past ("آره پارسال دو بار.
        یه بار بهم کوتریموکسازول دادن، کل بدنم کهیر زد."): a verb of others' giving, and a past time in the
        sentence or the one before it in the same turn. Its medicine is not taken now, its symptom not
        had now."""
        s = self.sents[i]
        if not _FA_GIVEN_THEN.search(s.text):
            return False
        before = self.sents[i - 1].text if i and self.sents[i - 1].turn == s.turn else ""
        return bool(_FA_PAST_TIME.search(s.text) or _FA_PAST_TIME.search(before))

    def answers_allergy_question(self, i: int) -> bool:
        """ "Any allergies to medications?" / "Yes, penicillin gives me a rash.": the drug is an allergen."""
        unit = self.unit_of(i)
        if unit is None or self.sents[i].speaker == SPEAKER_DOCTOR:
            return False
        q = self.sents[unit.question].text  # not "do you take any medications and any allergies?"
        a = self.sents[i].text  # nor "i take ibuprofen" / "No. I use an albuterol inhaler" said in answer
        return (
            bool(lx.CUES["allergy"].search(q))
            and not _TAKING_Q.search(q)
            and not _TAKES.search(a)
            and unit.polarity != "no"
        )

    def answers_to(self, i: int) -> Unit | None:
        return next((u for u in self.d.units if u.question == i), None)

    def declined(self, i: int) -> Sentence | None:
        """The patient's reply turning down the doctor's proposal in sentence ``i``, if any."""
        j = i + 1
        while j < len(self.sents) and self.sents[j].speaker == SPEAKER_DOCTOR:
            if j == i + 1 and _TAG_QUESTION.match(self.sents[j].text):
                j += 1  # "i could start semaglutide. how do you feel about that?"
                continue
            explains = (
                self.lang == "en"
                and self.sents[j].turn == self.sents[i].turn
                and j - i <= 6
                and bool(lx.PRESCRIBE.search(self.sents[i].text) or _PROPOSAL.search(self.sents[i].text))
            )
            if (j - i > 1 and not explains) or _proposes(self.sents[j].text) or self.sents[j].question:
                return None  # the doctor went on, or proposed something else: the reply is about that
            j += 1  # "it takes a few weeks to work. side effects can be ...": what it is, then the reply
        asked = self.unit_of(j) if j < len(self.sents) else None
        if asked is not None and asked.question != i and _OFFER.search(self.sents[asked.question].text):
            return None  # "… استراحت بنویسم؟ نباید بار سنگین بلند کنید." / "نه، نمی‌شه": the offer is declined
        if j < len(self.sents) and lx.DECLINE.search(self.sents[j].text):
            if self.lang == "en" and self.persuaded(j):
                return None  # "can we hold off?" / "how about a one month trial?" / "okay, i can try that."
            self.refusals.add(self.sents[j].start)
            k = j + 1  # "نه دکتر، وقتش رو ندارم. فیزیوتراپی نمی‌رم.": the whole refusal is evidence
            while k < len(self.sents) and self.sents[k].speaker == self.sents[j].speaker:
                if not (
                    lx.DECLINE.search(self.sents[k].text) or lx.DECLINE_REASON.search(self.sents[k].text)
                ):
                    break
                self.refusals.add(self.sents[k].start)
                k += 1
            return self.sents[j]
        return None

    def persuaded(self, j: int) -> bool:
        """Whether the patient's refusal in sentence ``j`` was withdrawn: the doctor's next turn argues for
        the proposal again ("how about a one month trial?") and the patient's next turn agrees ("yeah,
        okay, i can try that")."""
        turns: list[list[Sentence]] = []
        for x in self.sents[j + 1 :]:
            if x.turn == self.sents[j].turn:
                continue  # the rest of the refusal: "can we hold off on the statin? i hated the leg thing."
            if not turns or x.turn != turns[-1][0].turn:
                if len(turns) == 2:
                    break
                turns.append([])
            turns[-1].append(x)
        if len(turns) < 2 or turns[0][0].speaker != SPEAKER_DOCTOR or turns[1][0].speaker == SPEAKER_DOCTOR:
            return False
        argued = " ".join(x.text for x in turns[0])
        reply = " ".join(x.text for x in turns[1])
        return bool(
            _ARGUES_AGAIN.search(argued) and _AGREES_AFTER_ALL.match(reply) and not lx.DECLINE.search(reply)
        )

    def exam_probe(self, q: int) -> bool:
        """Whether the doctor's question ``q`` asks if a press or a tap hurts, during the exam ("قفسه سینه رو
        فشار میدم، درد داره؟"; "اینجا درد داره؟" once the exam has begun)."""
        s = self.sents[q]
        if s.speaker != SPEAKER_DOCTOR:
            return False
        turn = [t for t in self.sents[max(0, q - 3) : q + 1] if t.turn == s.turn]
        text = " ".join(t.text for t in turn)
        if _FA_PROBE_MOVE.search(text):
            return True
        return bool(_FA_PROBE_HERE.search(text)) and "exam" in self.final[max(0, q - 6) : q]

    def answer(self, i: int, s: Sentence, unit: Unit) -> bool:
        """An answer to a doctor's question, read together with the question; True when it is covered."""
        q = self.sents[unit.question]
        first = unit.answer and unit.answer[0] == i
        # "no, i have an iud" says what there is: not a bare "no"
        bare = bool(lx.BARE_NO.match(s.text) or lx.BARE_YES.match(s.text)) and not _NO_BUT_HAS.match(s.text)
        spans = [self.span(q), self.span(s)]
        said = unit.values
        if self.lang == "fa" and unit.attribute in ("duration", "onset"):
            # "از کی شروع شده؟" / "چند ماهه، … هفته‌ای دو سه بار": a count is no answer to since when
            said = tuple(v for v in said if v.unit in _TIME_UNITS)
            # a time in a later sentence of the answer is about something else: "از پاییز... یعنی از وقتی
            # مغازه رو جمع کردم. … هفده سال مغازه داشتم."
            if unit.answer and unit.answer[0] == i:
                said = tuple(v for v in said if s.start <= v.start < s.end) or ()
        if self.lang == "fa" and self.exam_probe(unit.question):
            no = bool(lx.BARE_NO.match(s.text) or re.match(r"^\W*نه(?![^\W\d_])", s.text))
            if first:
                # the move said just before the question belongs to it: "پهلوها رو میزنم... درد نداره؟"
                probe = " ".join(t.text.strip() for t in self.sents[max(0, unit.question - 1) : unit.question + 1]
                                 if t.turn == q.turn and (t.question or _FA_PROBE_MOVE.search(t.text + " درد")))  # fmt: skip
                # a press that hurts, or a touch felt ("… حس میکنی؟")
                what = "درد در معاینه" if re.search(r"درد|حساس", probe) else "معاینه"
                self.add("objective", "exam", f"{what} ({probe}): {s.text.strip()}", spans,
                         negated=no, confidence=0.6)  # fmt: skip
            return True  # "پهلوها رو میزنم، درد داره؟" / "نه.": an exam finding, no history
        if first and unit.polarity == "value" and unit.topics and said:
            topic = unit.topics[0]
            values = ("، " if self.lang == "fa" else ", ").join(v.text for v in said)
            if self.lang == "en":
                text = f"{lx.canonical_symptom(topic.name).capitalize()} {unit.attribute}: {values}."
            else:
                text = f"{lx.fa_symptom_name(topic.text)} ({q.text.strip()}): {values}"
            self.add("subjective", "hpi", text, spans, confidence=0.75, name=topic.name)
            return len(_WORDS.findall(s.text)) <= 8
        no = unit.polarity == "no" and bool(lx.BARE_NO.match(s.text)) and not _NO_BUT_HAS.match(s.text)
        if unit.topics and bare:
            if no:  # "any trouble with your bladder, or numbness?" / "no": more than the named terms
                self.deny_asked(q, s, unit)
            return True  # the ROS items from the dialogue cover "Any rash?" / "No."
        if (
            self.lang == "fa"
            and first
            and unit.polarity == "no"
            and unit.topics
            and all(t.negated and t.source == "answer" for t in unit.topics)
            and len(_WORDS.findall(s.text)) <= 5
            and not lx.SYMPTOM_RE.search(s.text)
        ):
            return True  # "ورم لب، تنگی نفس، خس خس؟" / "نه، نفسم خوبه.": the ROS denials say it
        # "any vomiting or weakness?" / "no vomiting. no.": the rest denied too
        if no and not first and self.lang == "en":
            self.deny_asked(q, s, unit)
            return True
        if first and unit.polarity == "no" and _NO_JUST.match(s.text):
            self.deny_asked(q, s, unit)  # "any pain in your back?" / "no, just low down": denied, and
            return False  # what the rest says is history
        if first and _ERRAND_Q.search(q.text):
            # a yes or no about the visit's logistics: "did you bring your pill bottles?" / "no",
            # "جواب آزمایشتون اومده؟" / "سلام دکتر، بله."
            reply = _FA_GREETING_LEAD.sub("", s.text) if self.lang == "fa" else None
            if bare or (reply is not None and (lx.BARE_YES.match(reply) or lx.BARE_NO.match(reply))):
                return True
        # "چند سالتونه؟ سیگار میکشید؟" / "چهل و پنج. نه، نمیکشم.": a later yes or no answers the last question
        later = self.lang == "fa" and bare and i in unit.answer[1:]
        if not bare or not (first or later):
            return False
        polarity = unit.polarity if first else ("no" if lx.BARE_NO.match(s.text) else "yes")
        stacked = [q]  # "حساسیت دارویی؟ بیماری دیگه؟" / "نه، هیچی.": a Persian no denies each question asked
        k = unit.question
        while self.lang == "fa" and polarity == "no" and k > 0 and unit.question - k < 2:
            if self.sents[k - 1].speaker != SPEAKER_DOCTOR or not self.sents[k - 1].question:
                break
            k -= 1
            stacked.insert(0, self.sents[k])
        found = False
        for asked_q in stacked:
            for kind in ("allergy", "medication", "family_history", "social_history", "past_history"):
                if lx.CUES[kind].search(asked_q.text):
                    no = polarity == "no"
                    self.add("subjective", kind, self.answer_text(kind, asked_q, s, no),
                             [self.span(asked_q), self.span(s)], negated=no, confidence=0.7)  # fmt: skip
                    found = True
                    break
        if found:
            return True
        asked = self.asked_topic(q.text) if polarity in ("yes", "no") else None
        if asked:  # "any trouble controlling your bladder?" / "no": a denial the lexicon has no name for
            no = polarity == "no"
            kind = "ros"
            if self.lang == "en" and _a_condition(asked):  # "any stomach ulcers or kidney problems?" / "no"
                kind, text = (
                    "past_history",
                    f"{'No history' if no else 'History'} of {_HISTORY_OF.sub('', asked)}.",
                )
            elif self.lang == "en":
                text = f"{'Denies' if no else 'Reports'} {asked}."
            else:
                text = f"{asked}: {'ندارد' if no else 'دارد'}"
            self.add("subjective", kind, text, spans, negated=no, confidence=0.6)
            self.denied_questions.add(unit.question)
        elif no:  # "do they wake you up at night?" / "no"
            self.deny_asked(q, s, unit)
        return True  # a bare "yes" / "no" is never a statement of its own

    def asked_topic(self, question: str) -> str | None:
        """``_asked_topic`` with the patient's pronouns when the sex is known ("pain in her back")."""
        asked = _asked_topic(question, self.lang)
        if asked is None or self.lang != "en" or self.gender not in ("female", "male"):
            return asked
        p = pronouns(self.gender)
        for a, b in (("themselves", p["refl"]), ("their", p["poss"]), ("they", p["subj"])):
            asked = re.sub(rf"\b{a}\b", b, asked)
        return asked

    def deny_asked(self, q: Sentence, a: Sentence, unit: Unit) -> None:
        """The patient's "no" to a closed question about symptoms, as a denial of what was asked (English):
        "Denies <the question's topic>." when the question names more than the lexicon's terms (they
        have ROS items of their own), else the question with its answer when the question is about the
        complaint ("do they wake you up at night?") or names a symptom; once per question."""
        if self.lang != "en" or unit.question in self.denied_questions:
            return
        asked = self.asked_topic(q.text)
        if asked is not None:
            if unit.topics and not _names_more(asked):
                return
            kind, text = "ros", f"Denies {asked}."
            if _a_condition(asked):
                kind, text = "past_history", f"No history of {_HISTORY_OF.sub('', asked)}."
        elif (
            _CLOSED_Q.match(q.text)
            and not (
                _NOT_A_SYMPTOM_Q.search(q.text) or _TAG_QUESTION.match(q.text) or lx.CHITCHAT.search(q.text)
            )
            and not any(lx.CUES[k].search(q.text) for k in _PATIENT_KINDS)
        ):
            kind, text = "hpi", f'Asked "{q.text.strip()}": no.'
        else:
            return
        self.denied_questions.add(unit.question)
        self.add("subjective", kind, text, [self.span(q), self.span(a)], negated=True, confidence=0.6)

    def answer_text(self, kind: str, q: Sentence, a: Sentence, no: bool) -> str:
        if (
            self.lang == "en"
            and no
            and kind == "allergy"
            and lx.BARE_NO.match(a.text)
            and not re.search(r"\b(?:but|except|only|apart)\b", a.text, re.I)
        ):
            return "No known allergies."  # "is she allergic to anything?" / "not that we know of"
        if len(_WORDS.findall(a.text)) >= 4:  # "No, I have never smoked in my entire life."
            return self.patient_text(a)
        if self.lang == "fa":
            return f"{q.text.strip()} {'خیر' if no else 'بله'}"
        if no and kind == "allergy":
            return "No known allergies."
        if no and kind == "medication" and not _NARROW_MED_Q.search(q.text):
            return "Takes no medications."
        return self.qa_text(q.text, a)  # 'Asked "Do you drink alcohol?": No, never.'

    def led_history_answer(self, i: int, s: Sentence, unit: Unit | None) -> bool:
        """ "Do you smoke?" / "Yes, a pack a day.": a short answer opening with yes or no to a history
        question, naming nothing of its own; it is history read with its question."""
        if unit is None or len(_WORDS.findall(s.text)) > 10:
            return False
        # Persian answers a habit or history question without a yes: "سیگار میکشی؟" / "گاهی.",
        # "عمل جراحی داشتی؟" / "دو تا سزارین."
        bare = self.lang == "fa" and len(_WORDS.findall(s.text)) <= 4 and not s.question
        if not (_LED_ANSWER.match(s.text) or bare):
            return False
        q = self.sents[unit.question].text
        if unit.answer[:1] != (i,) or len(_WORDS.findall(q)) > 12:
            return False  # a later sentence of the answer, or a long recap read back ("i have that you're …")
        return (
            any(cue.search(q) for _, cue in _QUESTION_KINDS)
            and _history_kind(s.text, _PATIENT_KINDS) == "hpi"
        )

    def asked_text(self, unit: Unit) -> str:
        """The questions the answer answers: the doctor's last question with the ones asked right
        before it in the same breath ("خونریزیت زیاده؟ لخته داره؟"), at most three."""
        k = unit.question
        while (
            k > 0
            and unit.question - k < 2
            and self.sents[k - 1].speaker == SPEAKER_DOCTOR
            and self.sents[k - 1].question
        ):
            k -= 1
        return " ".join(self.sents[j].text.strip() for j in range(k, unit.question + 1))

    def qa_text(self, q: str, a: Sentence) -> str:
        if self.lang == "fa":
            who = self.companion(a) or ("والد بیمار" if self.caregiver else "بیمار")
            return f"{who} در پاسخ به «{q.strip()}»: {a.text.strip()}"  # its "آره" answers
        return f'Asked "{q.strip()}": {clean_spoken(a.text).strip()}'

    def patient_item(self, i: int, s: Sentence, conf: float, has_meds: bool = False, asked: str = "") -> None:
        """A patient's statement as history; an answer takes the kind of the question it answers
        ("Any allergies to medications?" / "Sulfa drugs give me a rash." is an allergy)."""
        text = s.text
        if self.lang == "en" and asked and _EXCEPT_Q.search(asked) and _NOTHING_MORE.match(s.text):
            return  # "any other health problems apart from the asthma?" / "no, just that": nothing new
        if self.lang == "fa" and (self.companion(s) or self.caregiver):
            text = lx.FA_MY_RELATIVE.sub("", text)  # "مامانم یه کم گوشش سنگینه": the patient, not a relative
            text = _FA_MUM_DAD.sub("", text)  # a daughter's "مامان یه کم کم‌شنواست": the patient
        if self.lang == "fa":
            text = _FA_VOCATIVE.sub("", text)  # "نه مادر، فقط چشمم سیاهی رفت": the doctor addressed
        own = _history_kind(text, _PATIENT_KINDS)
        from_question = (
            None
            # "no, but i've been having chest pain"; not "my husband does, but always outside"
            if (_OWN_ACCOUNT.search(s.text) and (self.lang != "en" or _clinical(s.text)))
            or lx.PART_COMPLAINT.search(s.text)
            else next((k for k, cue in _QUESTION_KINDS if cue.search(asked)), None)
        )
        if (
            self.lang == "fa"
            and from_question in ("social_history", "past_history")
            and lx.SYMPTOM_RE.search(s.text)
            and (u := self.unit_of(i)) is not None
            and u.answer[:1] != (i,)
        ):
            # "مهدکودک میره؟" / "آره، هفته‌ای سه روز. مربیش گفت دو تا بچه‌ی دیگه هم اسهال داشتن.": a later
            # sentence of the answer naming a symptom tells the illness, not the habit asked about
            from_question = None
        # its own words win when they name an allergy, a relative or a medicine taken ("My father had a
        # heart attack", "I take ibuprofen"); weaker cues ("years ago", "drugs") yield to the question
        kind = (
            own
            if own in ("allergy", "family_history", "medication") or from_question is None
            else from_question
        )
        if self.lang == "fa" and _FA_GIVEN_BY_RELATIVE.search(s.text):
            kind = "hpi"  # "یه شب از قرص‌های بابام خوردم": told as said, whatever was asked
        if self.lang == "fa" and _FA_RELATIVE_SAYS.search(s.text) and not lx.SYMPTOM_RE.search(s.text):
            return  # "مادرشوهرم می‌گه نده", "خواهرم هی می‌گه برو ام‌آر‌آی": a relative's advice, no history
        if (
            self.lang == "fa"
            and kind == "family_history"
            and not _DENIAL.match(s.text)
            and not any(
                lx.DIAGNOSIS.search(t) or lx.SYMPTOM_RE.search(t) or lx.FA_FAMILY_CONDITION.search(t)
                for t in (text, asked if lx.CUES["family_history"].search(asked) else "")
            )
        ):
            # "خانواده خوبن؟" / "قربان شما", "مامان جون، دکتر فقط نگاه می‌کنه", "مامانم یه روغن مالید":
            # a relative named, or a question about the family answered, with no condition in it
            kind = "hpi"
        if (
            self.lang == "fa"
            and kind in ("allergy", "medication")
            and own == "hpi"
            and _FA_PAST_CARE.search(s.text)
        ):
            kind = "past_history"  # "واکسن‌هاش کامله", "تا حالا بستری نشده", "پارسال با یه آنتی‌بیوتیک خوب شد"
        if (
            self.lang == "fa"
            and kind == "allergy"
            and own == "hpi"
            and (u := self.unit_of(i)) is not None
            and _TAKING_Q.search(self.asked_text(u))
            and extract_medications(s.text)
        ):
            kind = "medication"  # "غیر از استامینوفن دارویی دادید؟ به دارویی حساسیت داره؟" / "نه، فقط استامینوفن."
        unit = self.unit_of(i) if asked else None
        if (
            self.lang == "fa"
            and kind == "allergy"
            and own == "hpi"
            and unit is not None
            and unit.answer[:1] != (i,)
            and self.kind_of(i - 1) != "allergy"  # "ایبوپروفن. یه بار خوردم نفسم بدتر شد.": its reaction
            and not (lx.SYMPTOM_RE.search(s.text) or extract_medications(s.text))
        ):
            kind = "hpi"  # "… آلپرازولام نیم. خوب خوابیدم.": a later sentence naming no allergen nor reaction
        if (
            self.lang == "en"
            and kind == "social_history"
            and _ACTIVITY_WHEN.search(text)
            and not _SOCIAL_BESIDES.search(_ACTIVITY_WHEN.sub(" ", text))
        ):
            # "it comes on when i'm walking up the hill", "only when i'm walking": when a complaint comes,
            # not what the patient does for exercise
            kind = "hpi"
        if kind == "medication" and has_meds:
            return  # the structured medication item already covers this sentence
        if (
            self.lang == "en"
            and has_meds
            and (_TAKING_Q.search(asked) or _MEDICINES_Q.search(asked))
            and _says_only_medicines(s.text)
        ):
            # "what else do you take?" / "the losartan, fifty once a day, for my pressure": the medication
            # items say it (with the dose); no history line repeating them
            return
        if (
            self.lang == "en"
            and kind == "medication"
            and not (_DENIAL.match(s.text) or _TAKEN_HOW.search(number_view(s.text).text))
        ):
            # "now i'm on three" (pillows), "let me just try the pill first": no medicine named and none
            # taken, no dose, no schedule; what it tells is history ("i take my iron pills twice a day" stays)
            kind = "hpi"
        led = self.led_history_answer(i, s, unit) or self.fragment_answer(i, s, unit)
        text = (
            self.qa_text(self.asked_text(unit) if unit is not None else asked, s)
            if led
            else self.patient_text(s)
        )
        self.history_item(s, kind, text, conf)

    def fragment_answer(self, i: int, s: Sentence, unit: Unit | None) -> bool:
        """ "Which ankle?" / "The right one.", "How often do you miss it?" / "Maybe twice a week.": a
        short answer with no subject of its own means nothing without its question."""
        later_yes_no = (  # "سی و دو. نه، قرص نمیخورم.": the no answers the run's next question
            self.lang == "fa"
            and unit is not None
            and i in unit.answer[1:]
            and bool(_LED_ANSWER.match(s.text))
        )
        words = len(_WORDS.findall(s.text))
        if (
            unit is None
            or (unit.answer[:1] != (i,) and not later_yes_no)
            or words > (12 if self.lang == "en" else 7)
        ):
            return False
        if words > 7 and _A_SUBJECT.search(s.text):
            return False  # a longer answer is a fragment only with no subject ("not really, maybe two glasses a day")
        q = self.sents[unit.question].text
        if lx.SYMPTOM_RE.search(s.text) or _REQUEST.match(q):
            return False  # "no fever and no weakness" names its topic; "can you show me?" adds nothing
        if self.lang == "fa":  # no subject pronoun to go by: "سه سال و نیمشه", "روزی نیم پاکت"
            # a yes or no with a few words more answers the question, too: "نه، نه، همه چی عادیه"
            # ("دیروز یه کم صورتی بود" to "خون تو ادرار دیدید؟")
            return words <= 5 or (bool(_LED_ANSWER.match(s.text)) and words <= 7)
        return (
            len(_WORDS.findall(q)) <= 14
            and not _OWN_SUBJECT_START.match(s.text)
            and not lx.CHITCHAT.search(q)
        )

    def kind_of(self, i: int) -> str | None:
        """The history kind sentence ``i`` was filed as, if it was."""
        return self.history_kinds.get(self.sents[i].start)

    def history_item(self, s: Sentence, kind: str, note_text: str, conf: float) -> None:
        """A history statement; its symptoms become review-of-systems items from the dialogue."""
        self.history_kinds[s.start] = kind
        text = s.text
        terms = list(lx.SYMPTOM_RE.finditer(text))
        neg_terms = [
            is_negated(text, m.start(), m.end()) and not cannot_do(text, m, m.group(0)) for m in terms
        ]
        # a narrative statement is a denial only when it opens with one ("no, i don't smoke"); a negation
        # further in is part of what it says ("started the iron pills she had not taken in a year")
        short = len(_WORDS.findall(text)) <= 12
        negated = bool(_DENIAL.match(text)) or bool(terms and all(neg_terms) and short)
        negated = negated or (kind == "allergy" and bool(_FA_NO_ALLERGY.search(text)))  # "حساسیت هم نداره"
        durations = extract_durations(number_view(text).text)  # "بیست و چهار هفته" is 24 weeks
        allergen = _allergen(text, denied=negated) if kind == "allergy" else None
        if kind == "allergy" and negated and _allergen(text, denied=False) is not None:
            # "i don't remember the name, but i'm allergic to bactrim": the allergy is not denied
            negated, allergen = False, _allergen(text, denied=False)
        words = _WORDS.findall(text)
        named_alone = (
            kind == "allergy" and allergen is None and not negated and not terms and 1 <= len(words) <= 3
        )
        named_alone = named_alone and not _FA_VERB.search(text)  # "خوب خوابیدم" names no allergen
        if named_alone and not (lx.BARE_YES.match(text) or lx.CUES["allergy"].search(text)):
            named = re.sub(r"^(?:(?:just|only|maybe|um|uh|like|some)\s+)+", "", " ".join(words), flags=re.I)
            allergen = named.lower()  # "any allergies?" / "Sulfa. I get a rash.", "just seasonal stuff"
            note_text = f"Allergic to {allergen}." if self.lang == "en" else f"حساسیت به {allergen}"
        if (
            kind in ("allergy", "hpi")
            and allergen is None
            and not negated
            and not _NOW.search(text)
            and self.reaction_of_last_allergy(s, terms)
        ):
            return  # "i'm allergic to sulfa. i get a rash.": one allergy, with its reaction
        self.add(
            "subjective", kind, note_text, [self.span(s)], negated=negated,
            uncertain=is_uncertain(text), confidence=conf, duration=durations[0][2] if durations else None,
            name=allergen,
        )  # fmt: skip

    def drug_it(self, i: int, s: Sentence) -> Any:
        """The medicine a doctor's "it" stands for when the sentence gives it a new dose or schedule and
        the doctor's sentence just before named exactly one medicine ("Second, the zolpidem. We'll cut
        it to five milligrams at bedtime for two weeks."); its name's span is the "it"."""
        it = _IT.search(s.text)
        if it is None or not (lx.DOSE_RE.search(s.text, it.end()) or lx.FREQ_RE.search(s.text, it.end())):
            return None
        prev = self.sents[i - 1] if i else None
        if prev is None or prev.speaker != SPEAKER_DOCTOR or prev.question:
            return None
        named = {m.name for m in extract_medications(prev.text)}
        if len(named) != 1:
            return None
        (name,) = named
        told = extract_medications(f"{name} {number_view(s.text[it.end() :]).text}")
        if not told or not (told[0].dose or told[0].frequency):
            return None
        a, b = s.start + it.start(), s.start + it.end()
        return replace(told[0], name=name, start=a, end=s.end, name_span=(a, b))

    def complete_last_medication(self, med: Any, s: Sentence) -> bool:
        """ "I'm prescribing amoxicillin. Take it twice a day for ten days.": the plan's item for the
        medicine just named gets the dose and schedule said with "it" (one item, both sentences as
        evidence); False when there is no such item without a dose or schedule."""
        for item in reversed(self.items["plan"]):
            if item["kind"] != "medication" or item.get("name") != med.name:
                continue
            if self.lang == "en" and item["negated"] and item["text"].startswith("Declined: "):
                return True  # "i'd suggest topiramate. it's taken at night." / "i'd rather not": no order
            if item.get("dose") or item.get("frequency") or item.get("stopped") or item["negated"]:
                return False
            for key in ("dose", "unit", "frequency", "duration"):
                if getattr(med, key):
                    item[key] = getattr(med, key)
            item["text"] = med.display(self.lang)
            item["evidence"].append(_ev(self.t, s.start, s.end, s.segment_id))  # type: ignore[arg-type]
            return True
        return False

    def reaction_of_last_allergy(self, s: Sentence, terms: list[re.Match[str]]) -> bool:
        """Add the symptoms of ``s`` as the reaction of the allergy the patient named just before, if
        there is one (the same speaker, the sentence before); True when added."""
        last = self.items["subjective"][-1] if self.items["subjective"] else None
        if not terms or last is None or last["kind"] != "allergy" or not last.get("name") or last["negated"]:
            return False
        before = last["evidence"][-1] if last["evidence"] else None
        prev = next((x for x in reversed(self.sents) if x.end <= s.start), None)
        if before is None or prev is None or prev.speaker != s.speaker or before["start"] != prev.start:
            return False
        reaction = ", ".join(dict.fromkeys(m.group(0) for m in terms))
        label = "واکنش" if self.lang == "fa" else "reaction"
        last["text"] = f"{last['text'].rstrip('.')} ({label}: {reaction})."
        last["evidence"].append(_ev(self.t, s.start, s.end, s.segment_id))  # type: ignore[arg-type]
        self.reactions.add(s.start)
        return True

    def review_of_systems(self) -> None:
        """One ROS item per symptom the dialogue settled: said by the patient, answered to a question, or
        stated in the doctor's history. Hypotheticals ("come back if the fever ...") are left out."""
        seen: dict[tuple[str, bool], Item] = {}
        for m in self.d.mentions:
            s = self.sents[m.sentence]
            if m.source == "context" or (m.uncertain and m.source == "said" and _HYPOTHETICAL.search(s.text)):
                continue
            if m.source == "said" and (
                _not_the_patients_now(s.text, m.start - s.start, self.kind_of(m.sentence))
                or s.start in self.refusals  # "i'd rather not, my sister had muscle pain on it"
                or s.start in self.reactions  # "i'm allergic to sulfa. i get a rash.": a reaction
            ):
                continue
            if (
                m.speaker == SPEAKER_DOCTOR
                and m.source == "said"
                and not (
                    self.labels[m.sentence] in ("hpi", "ros")
                    and _ABOUT_PATIENT.search(s.text)
                    and not _GENERAL.search(s.text)
                )
            ):
                continue  # the doctor's exam, plan or explanations are not the patient's history
            if m.source == "said" and lx.CHITCHAT.search(s.text):
                continue
            if m.source == "said" and self.of_a_relative(m.sentence):
                continue  # "your sister, how's she doing?" / "she's tired all the time": not the patient's
            if self.lang == "fa" and m.source == "said" and self.fa_past_episode(m.sentence):
                continue  # "پارسال … یه بار بهم کوتریموکسازول دادن، کل بدنم کهیر زد": not had now
            if self.lang == "fa" and m.speaker == SPEAKER_DOCTOR and self.exam_probe(m.sentence):
                continue  # "پهلوها رو میزنم، درد داره؟" / "نه.": the exam, not the review of systems
            if self.lang == "en" and self.allergy_talk(m.sentence):
                continue  # "still allergic to penicillin?" / "yeah, hives.": the allergy's reaction
            if m.source == "said" and _GENERAL.search(s.text) and not _FIRST_PERSON.search(s.text):
                continue  # an explanation in general, whoever the transcript says spoke it
            key = (m.name, m.negated)
            if key in seen:
                continue
            if m.negated and any(
                x.name == m.name
                and not x.negated
                and not x.uncertain
                and x.source != "context"
                and not self.doctor_not_history(x)
                for x in self.d.mentions
            ):
                # reported somewhere: a denial elsewhere ("denied it in the past") does not undo it;
                # a hypothetical ("come back if you get short of breath") reports nothing
                continue
            word = lx.canonical_symptom(m.text) if self.lang == "en" else lx.fa_symptom_name(m.text)
            if self.lang == "en":
                if m.negated:
                    label = f"Denies {word}."
                elif m.source == "said" and _UNTIL_PAST.match(s.text, m.end - s.start):
                    label = f"Reports {word}, resolved."  # "tingling in my toes until about sunday"
                else:
                    label = f"Reports {word}."
            else:
                label = f"{word}: {'ندارد' if m.negated else 'دارد'}"
            spans = [(m.start, m.end, s.segment_id)]
            if m.source == "answer":
                unit = self.answers_to(m.sentence)
                if unit is not None and unit.answer:
                    spans.append(self.span(self.sents[unit.answer[0]]))
            seen[key] = self.add(
                "subjective", "ros", label, spans, negated=m.negated, uncertain=m.uncertain,
                confidence=0.75 if m.source == "answer" else 0.7, name=m.name,
            )  # fmt: skip

    def home_reading(self, s: Sentence, v: Any) -> bool:
        """A blood pressure read out of the patient's own log ("صبحا بیشتر ۱۵۰ روی ۹۵", "تو خونه حدود
        ۱۴۰ روی ۹۰"): a history item of readings at home, not a vital taken in the clinic."""
        when = _FA_HOME_TIME.search(s.text, 0, v.start - s.start)
        if v.name != "bp" or when is None or _FA_HERE.search(s.text, 0, v.start - s.start):
            return False
        label = v.label("fa").replace(":", f" در منزل ({when.group(0)}):", 1)
        self.add("subjective", "hpi", label, [(v.start, v.end, s.segment_id)], confidence=0.6, name="bp")
        return True

    def findings_beside_vitals(self, s: Sentence, vitals: list) -> None:
        """The exam findings said in the clauses of a vitals sentence that hold no vital sign, one exam
        item in the doctor's words ("… نبض ۸۴، شکم نرمه." → "شکم نرمه")."""
        for clause, at in _clauses(s.text):
            a = s.start + at + (len(clause) - len(clause.lstrip()))
            b = s.start + at + len(clause.rstrip())
            if b <= a or any(v.start < b and a < v.end for v in vitals):
                continue
            if lx.FA_FINDING.search(clause) and not lx.FA_NOT_FINDING.search(clause):
                text = fa_doctor_to_note(s.text[a - s.start : b - s.start]).rstrip(".") + "."
                self.add("objective", "exam", text, [(a, b, s.segment_id)], confidence=0.6)

    def taken_as_told(self, s: Sentence, asked: Unit | None) -> Any:
        """ "متفورمین رو چطوری مصرف می‌کنید؟" / "روزی دو تا، صبح یکی شب یکی. پونصدی.": the one medicine
        the question names, with the dose and schedule its answer tells (evidence: the name to the end
        of the answer); None when the answer tells neither."""
        if asked is None or not asked.answer or not _FA_HOW_TAKEN.search(s.text):
            return None
        named = extract_medications(s.text, s.start)
        if len(named) != 1:
            return None
        reply = [self.sents[k] for k in asked.answer]
        said = " ".join(r.text for r in reply)
        told = extract_medications(f"{named[0].name} {number_view(said).text}")
        dose = told[0].dose if told else None
        strength = next((x for w in _WORDS.findall(said) if (x := fa_strength(w))), None)
        frequency = told[0].frequency if told else None
        if not (dose or strength or frequency):
            return None
        self.told_how.update(r.start for r in reply)
        unit = told[0].unit if told and dose else None
        return replace(named[0], dose=dose or strength, unit=unit, frequency=frequency, end=reply[-1].end)

    def dose_change(self, med: Any) -> str:
        """ " (افزایش دوز از 500)" when the medicine ordered is one the patient takes at another dose."""
        taken = [it.get("dose") for it in self.items["subjective"]
                 if it["kind"] == "medication" and it.get("name") == med.name and not it["negated"]]  # fmt: skip
        before = next((d for d in reversed(taken) if d), None)
        if not med.dose or not before or float(before) == float(med.dose):
            return ""
        return f" ({'افزایش' if float(med.dose) > float(before) else 'کاهش'} دوز از {before})"

    def lab_results(self, i: int, s: Sentence, nv: Any) -> bool:
        """The lab values a Persian doctor reads out, as one result item for the sentence ("HbA1c: 8.2%",
        "کراتینین: 1.1 mg/dL؛ کلیه‌ها خوبه"), and a value said for the lab just read ("سه ماه پیش هفت و
        نیم بود") as its previous one; True when the sentence became such an item."""
        labs = extract_fa_labs(s.text, s.start, nv)
        if labs:
            others = [
                c.strip()
                for c, a in _clauses(s.text)
                if _WORDS.search(c)
                and not any(lab.start < s.start + a + len(c) and s.start + a < lab.end for lab in labs)
            ]
            text = "، ".join(lab.label() for lab in labs) + ("؛ " + "، ".join(others) if others else "")
            one = labs[0] if len(labs) == 1 else None
            self.add("objective", "result", text, [self.span(s)], confidence=0.85, name=one and one.name,
                     value=one and one.value, unit=one and one.unit)  # fmt: skip
            self.lab_sentence = i
            return True
        before = _FA_PREVIOUS_VALUE.match(nv.text)
        last = self.items["objective"][-1] if self.items["objective"] else None
        if before is None or last is None or last["kind"] != "result" or self.lab_sentence != i - 1:
            return False
        when = s.text[: nv.span(before.start("when"), before.end("when"))[1] - s.start].strip()
        last["text"] += f" (قبلی: {before.group('value')}، {when})"
        last["evidence"].append(_ev(self.t, s.start, s.end, s.segment_id))  # type: ignore[arg-type]
        return True

    def name_the_medicine(self, s: Sentence) -> None:
        """A Persian instruction on how to take a medicine that names none ("با غذا بخورید") is about
        the medicine ordered last: its plan item says which ("نیتروفورانتوئین: با غذا بخورید.")."""
        plan = self.items["plan"]
        if not plan or plan[-1]["kind"] != "instruction" or plan[-1]["evidence"][0]["start"] != s.start:
            return
        if not _FA_HOW_TO_TAKE.match(plan[-1]["text"]):
            return
        ordered = [
            it for it in plan[:-1] if it["kind"] == "medication" and not it.get("stopped") and it.get("name")
        ]
        if ordered:
            plan[-1]["text"] = f"{ordered[-1]['name']}: {plan[-1]['text']}"

    def advice_after_medicines(self, s: Sentence, meds: list) -> None:
        """The advice a Persian order goes on to give after its medicines ("متوکاربامول هم شبی یه دونه،
        خواب آلودگی میاره، بعدش رانندگی نکنید"): an instruction of its own, from the clause after the
        last medicine to the end of the sentence."""
        last = max(m.end for m in meds) - s.start
        sep = _CLAUSE_END.search(s.text, last)
        if sep is None:
            return
        a = sep.end() + len(s.text[sep.end() :]) - len(s.text[sep.end() :].lstrip())
        tail = s.text[a:].strip()
        if len(_WORDS.findall(tail)) < 3 or not lx.CUES["plan"].search(tail):
            return
        kind = "follow_up" if lx.CUES["follow_up"].search(tail) else "instruction"
        self.add("plan", kind, fa_doctor_to_note(tail), [(s.start + a, s.end, s.segment_id)], confidence=0.6)

    def doctor_not_history(self, m: Mention) -> bool:
        """A symptom the doctor named in advice, a plan or the exam ("اگه ... با تب بود، فوری برید
        اورژانس"): no report of the patient's that would undo the patient's denial."""
        return (
            m.speaker == SPEAKER_DOCTOR
            and m.source == "said"
            and self.final[m.sentence] not in ("hpi", "ros")
            and bool(_HYPOTHETICAL.search(self.sents[m.sentence].text))
        )

    def doctor_item(
        self, i: int, s: Sentence, label: str, conf: float, declined: Sentence | None, has_meds: bool = False
    ) -> None:
        text = self.doctor_text(s)
        spans = [self.span(s)]
        unc = is_uncertain(s.text)
        if label in ("hpi", "ros"):
            kind = _history_kind(s.text, _PATIENT_KINDS[:-1])
            if kind == "allergy" and _SAFE_WITH.search(s.text):
                return  # "it's not related, so it's safe with your allergy": reassurance, no allergy
            if self.lang == "fa" and kind == "allergy" and _FA_ON_FILE.search(s.text):
                to = _FA_ALLERGY_TO.search(s.text)
                allergen = to.group(1) if to else _allergen(s.text, denied=False)
                if allergen is not None and allergen not in _NOT_AN_ALLERGEN:
                    text = f"حساسیت به {allergen}"  # "تو پرونده‌تون حساسیت به پنی‌سیلین ثبت میکنم"
            self.history_item(s, kind, text, conf)
        elif label in ("exam", "result"):
            said = s.text
            prev = self.sents[i - 1] if i else None
            asked = (
                prev is not None
                and prev.speaker != SPEAKER_DOCTOR
                and any(x.question for x in self.sents[max(0, i - 4) : i] if x.turn == prev.turn)
            )
            if self.lang == "fa" and asked:
                # "سی‌تی لازم نیست؟" / "نه، معاینه‌ت کاملاً طبیعیه …": the no answers the question, no finding denied
                said = re.sub(r"^\W*نه\s*[،,]\s*", "", said)
            negated = bool(_NEGATIVE_FINDING.match(said))  # "no murmurs", "there is no effusion"
            if (told := _TOLD_FINDING.match(s.text)) is not None:
                negated = bool(told.group("no"))  # "you have no swelling in your ankles"
            if label == "result" and self.lang == "en":
                text = digits_en(text)  # "HbA1c came back at 8.4"
            self.add("objective", label, text, spans, confidence=conf, uncertain=unc, negated=negated)
        elif label == "assessment" and self.lang == "en" and _plan_act(s.text):
            # "no driving within an hour of a low", "the nurse will ring you next week": an action, no problem
            self.doctor_item(i, s, "plan", conf, declined, has_meds)
        elif label == "assessment":
            if self.lang == "en" and _WHAT_IT_COULD_MEAN.match(s.text):
                return  # "that could mean it's going to your kidneys": an explanation, no problem
            m = _PROBLEM.search(s.text)
            # a diagnosis, not whatever follows "it's" ("it's out of control")
            name = m.group(1).strip() if m and lx.DIAGNOSIS.search(m.group(1)) else None
            if self.lang == "en" and (sign := _SIGN_OF.match(text)) is not None:
                # "it's an early sign of nerve damage from the sugar, so …": the problem it implies
                name = sign.group("what").strip()
                text = sentence_case(f"{sign.group('early') or ''}{name}")
            self.add("assessment", "problem", text, spans, confidence=conf, uncertain=unc, name=name)
        elif label == "plan":
            kind = next(
                (k for k in ("test", "referral", "follow_up") if lx.CUES[k].search(s.text)), "instruction"
            )
            if _RETURN_VISIT.search(s.text):
                kind = "follow_up"  # "come back in two weeks with the ultrasound"
            elif kind == "instruction" and (
                _TESTS_WHEN.search(s.text) or self.lang == "en" and _TEST_DONE.search(s.text)
            ):
                kind = (
                    "test"  # "blood work today, kidney function, electrolytes", "i'll book a heart monitor"
                )
            if kind == "instruction" and has_meds:
                return  # the structured medication items carry this sentence
            interval = None
            if kind == "follow_up":
                du = extract_durations(number_view(s.text).text)
                interval = du[0][2] if du else None
            if declined is not None:
                spans.append(self.span(declined))
                text = ("Declined: " if self.lang == "en" else "نپذیرفت: ") + text
            not_needed = self.lang == "fa" and bool(_FA_NOT_NEEDED.search(s.text))  # "عکس لازم نیست"
            before = self.sents[i - 1] if i else None  # the patient's turn just before, its last question
            their_question = next(
                (x for x in reversed(self.sents[:i]) if before and x.turn == before.turn and x.question), None
            )
            if (
                not_needed
                and their_question is not None
                and their_question.speaker != SPEAKER_DOCTOR
                and len(_WORDS.findall(s.text)) <= 6
                and not _shared_words(
                    _FA_NOT_NEEDED.sub(" ", their_question.text), _FA_NOT_NEEDED.sub(" ", s.text)
                )
            ):
                # "ام‌آرآی نمی‌خواد؟" / "نه، الان لازم نیست.": what is not needed is what was asked
                text = f"در پاسخ به «{their_question.text.strip()}»: {text}"
                spans.insert(0, self.span(their_question))
            self.add("plan", kind, text, spans, confidence=conf, uncertain=unc, interval=interval,
                     negated=declined is not None or not_needed)  # fmt: skip

    def reconcile_medications(self) -> None:
        """One line per medicine: a medicine the plan stops is not also an active order from a sentence
        before the stop (the stop replaces it), and a bare name is left out when the same medicine has
        an entry with a dose or schedule."""
        plan, subjective = self.items["plan"], self.items["subjective"]
        stops = {
            it["name"]: it["evidence"][0]["start"]
            for it in plan
            if it["kind"] == "medication" and it.get("stopped") and it.get("name")
        }
        plan[:] = [
            it
            for it in plan
            if not (
                it["kind"] == "medication"
                and not (it.get("stopped") or it["negated"])
                and it["evidence"][0]["start"] < stops.get(it.get("name", ""), -1)
            )
        ]
        meds = [it for it in (*subjective, *plan) if it["kind"] == "medication" and it.get("name")]
        for it in meds:
            if _dosed(it) or it["negated"] or it.get("stopped") or it["text"].startswith("کاهش مصرف "):
                continue
            if any(
                x is not it and _same_medicine(it, x) and _dosed(x) and not (x["negated"] or x.get("stopped"))
                for x in meds
            ):
                section = subjective if any(x is it for x in subjective) else plan
                section[:] = [x for x in section if x is not it]
        if self.lang == "fa":
            self.earlier_dose_is_taken_now()
            self.fa_not_taken_now()
        # one line per medicine in a section, the one that says most (English; Persian is reconciled as before)
        for section in (subjective, plan) if self.lang == "en" else ():
            kept: list[Item] = []
            for it in section:
                if it["kind"] == "medication" and it.get("name"):
                    same = next((x for x in kept if _says_no_more(it, x) or _says_no_more(x, it)), None)
                    if same is not None:
                        if _says_no_more(same, it) and not _says_no_more(it, same):
                            kept[kept.index(same)] = it  # the later line says more: it stays, in place
                        continue
                kept.append(it)
            section[:] = kept

    def fa_taken_before(self, i: int, s: Sentence, name_end: int) -> bool:
        """Whether the patient tells a medicine taken before and not now: a past habitual verb after its
        name ("قبلاً سرترالین میخوردم", "کلونازپام مصرف میکردم"), or a simple past one ("آهن خوردم") with a
        time months or years back in the sentence or the one before it in the same turn."""
        if _FA_USED_TO.match(s.text, name_end):
            return True
        if not _FA_TOOK_ONCE.match(s.text, name_end):
            return False
        before = self.sents[i - 1].text if i and self.sents[i - 1].turn == s.turn else ""
        return bool(_FA_PAST_TIME.search(s.text) or _FA_PAST_TIME.search(before))

    def fa_stopped_it(self, i: int, s: Sentence) -> None:
        """A patient's sentence naming no medicine that says it was stopped or is not taken ("سه ماه پیش
        خودم قطعش کردم", "الانم میخوری؟" / "نه، یه هفته‌ست نمیخورم"): the medicine the patient named last,
        a few sentences before, is not taken now."""
        if self.fa_last_named is None or not _FA_I_STOPPED.search(s.text) or _FA_OTHERS.search(s.text):
            return
        j, name = self.fa_last_named
        if i - j <= 4:
            self.fa_not_now.setdefault(name, j)

    def fa_not_taken_now(self) -> None:
        """The history's lines of a medicine the patient told as taken before and not now (the patient's
        own mentions and the doctor's later ones alike) become one line saying it is not taken."""
        subjective = self.items["subjective"]
        seen: set[str] = set()
        kept: list[Item] = []
        for it in subjective:
            name = it.get("name")
            if it["kind"] != "medication" or name not in self.fa_not_now or it.get("stopped"):
                kept.append(it)
                continue
            if name in seen:
                continue
            seen.add(name)
            it["negated"] = True
            if not it["text"].endswith("(مصرف نمی‌کند)"):
                it["text"] += " (مصرف نمی‌کند)"
            kept.append(it)
        subjective[:] = kept

    def earlier_dose_is_taken_now(self) -> None:
        """Two Persian plan lines of one medicine at different doses: the later is the order ("متوپرولول رو
        کنید بیست و پنج"), the earlier what was taken (the bag read out: "متوپرولول پنجاه، صبح و شب"), a
        current medicine unless the history already lists it."""
        plan, subjective = self.items["plan"], self.items["subjective"]
        lines = [it for it in plan if it["kind"] == "medication" and it.get("name") and _dosed(it)
                 and not (it["negated"] or it.get("stopped"))]  # fmt: skip
        for it in lines:
            later = [x for x in lines if x is not it and _same_medicine(it, x)
                     and x["evidence"][0]["start"] > it["evidence"][0]["start"]]  # fmt: skip
            if not later or all(x.get("dose") == it.get("dose") for x in later) or it.get("dose") is None:
                continue
            plan[:] = [x for x in plan if x is not it]
            if not any(x["kind"] == "medication" and _same_medicine(it, x) for x in subjective):
                subjective.append(it)

    def drop_repeats(self) -> None:
        """A history or exam line whose words another line of the same kind and polarity says all of is a
        repeat: "Denies chest pain." beside "Denies chest pain or pressure.", "Denies diarrhea." beside
        "Denies stomach upset, diarrhea."; the fuller line stays."""
        for section in ("subjective", "objective"):
            lines = self.items[section]
            words = [
                {w for w in _WORDS.findall(it["text"].lower()) if w not in lx.FUNCTION_WORDS} for it in lines
            ]
            keep = []
            for n, it in enumerate(lines):
                repeat = it["kind"] in _REPEATABLE and any(
                    m != n
                    and other["kind"] == it["kind"]
                    and other["negated"] == it["negated"]
                    and len(words[n]) >= (1 if it["kind"] == "ros" else 2)  # "he was on two." (pillows)
                    and words[n] <= words[m]
                    and (words[n] < words[m] or m < n)  # of two alike, the first stays
                    for m, other in enumerate(lines)
                )
                if not repeat:
                    keep.append(it)
            lines[:] = keep

    def problems(self) -> None:
        """Link assessment statements and plan items to the problem they are about (``problem``), and
        state a problem named only in passing ("for your first problem, your heart failure, we will ...")."""
        found = problems.find_problems(self.sents, self.final, self.lang)
        for p in problems.link(found, self.items["assessment"], self.items["plan"]):
            s = self.sents[p.sentence]
            text = p.text if self.lang == "fa" else sentence_case(p.text)
            self.add("assessment", "problem", text, [(p.start, p.end, s.segment_id)], confidence=0.6,
                     name=p.name, problem=p.name)  # fmt: skip

    def chief_complaint(self) -> None:
        """The reason for the visit: as the doctor states it ("he is a 56-year-old man here with
        abnormal lab findings", "presents today for follow-up of ..."), else the patient's first
        complaint, preferably the answer to "what brings you in"."""
        for n, s in enumerate(self.sents):
            # the patient's own "I'm here for my diabetes follow-up"
            own = s.speaker != SPEAKER_DOCTOR and _OWN_REASON.search(s.text)
            found = lx.stated_reason(s.text) if s.speaker == SPEAKER_DOCTOR or own else None
            if found is None:
                continue
            if own and not _A_REASON.search(s.text[found[0] : found[1]]):
                continue  # "I came in for it last year too": no complaint named
            a, b, dictated, how = found
            if not dictated and n >= _OPENING_SENTENCES:
                continue  # later, "I see you have ..." is a finding and "here for ..." a plan
            what = s.text[a:b] + (" injury" if how == "hurt" else "")
            text = what if self.lang == "fa" else sentence_case(what)
            self.add(
                "subjective",
                "chief_complaint",
                text,
                [(s.start + a, s.start + b, s.segment_id)],
                confidence=0.6,
            )
            return
        chief_q = [
            i
            for i, s in enumerate(self.sents)
            if s.speaker == SPEAKER_DOCTOR and lx.CHIEF_Q.search(s.text) and not _TELL_ME_MORE.search(s.text)
        ]
        if self.follow_up_of_a_condition() or self.results_follow_up() or self.own_readings_follow_up():
            return
        if self.asked_since_when():
            return
        if self.fa_own_reason():
            return
        # from the answer to "what brings you in"; if nothing after it, from the start of the visit
        for start in dict.fromkeys([chief_q[0] if chief_q else 0, 0]):
            if self.patient_complaint(start):
                return

    def follow_up_of_a_condition(self) -> bool:
        """A visit opened by asking how a known condition is ("سردرداتون چطوره؟" / "خیلی بهترم. قبلاً
        ماهی هشت بار میگرن داشتم", "how is your asthma?") is its follow-up: the diagnosis the patient
        names in the first answer, else the symptom asked about."""
        opening = next((i for i, s in enumerate(self.sents[:_OPENING_SENTENCES])
                        if s.speaker == SPEAKER_DOCTOR and s.question), None)  # fmt: skip
        if opening is None or not _HOW_IS_IT.search(self.sents[opening].text):
            return False
        q = self.sents[opening]
        if (
            opening
            and _HOW_DID_IT_GO.search(q.text)
            and self.sents[opening - 1].speaker == SPEAKER_DOCTOR
            and _FOLLOWED_CONDITION.search(self.sents[opening - 1].text)
        ):
            q = self.sents[opening - 1]  # "last time your blood pressure was high … how did that go?"
        if not (
            lx.DIAGNOSIS.search(q.text) or lx.SYMPTOM_RE.search(q.text) or _FOLLOWED_CONDITION.search(q.text)
        ):
            return False  # "how are the kids?", "حالتون چطوره؟"
        replies = []  # the answer to this question, not to the next one
        for j in range(opening + 1, min(opening + 4, len(self.sents))):
            if self.sents[j].speaker == SPEAKER_DOCTOR:
                break
            replies.append(j)
        answer = [self.sents[j] for j in replies]
        said = {m.sentence for m in self.d.mentions if m.source == "said" and not m.negated}
        if said.intersection(replies):
            return False  # "I'm here because of my back pain": the patient's own complaint
        found = [
            (s, m)
            for s in answer
            for m in [lx.DIAGNOSIS.search(s.text)]
            if m and not is_negated(s.text, m.start(), m.end())
        ]
        found += [
            (q, m)
            for m in [
                lx.DIAGNOSIS.search(q.text)
                or _FOLLOWED_CONDITION.search(q.text)
                or lx.SYMPTOM_RE.search(q.text)
            ]
            if m
        ]
        if not found:
            return False
        s, m = found[0]
        what = m.group(0) if self.lang == "en" else lx.fa_symptom_name(m.group(0))
        name = lx.canonical_symptom(what)
        text = f"پیگیری {what}" if self.lang == "fa" else f"{name[:1].upper()}{name[1:]} follow-up."
        self.add("subjective", "chief_complaint", text, [(s.start + m.start(), s.start + m.end(), s.segment_id)],
                 confidence=0.5, name=lx.canonical_symptom(m.group(0)))  # fmt: skip
        return True

    def results_follow_up(self) -> bool:
        """A Persian visit opened by asking for results ("جواب آزمایشتون اومده؟" / "سلام دکتر، بله.")
        with no complaint in the reply is their follow-up ("پیگیری جواب آزمایش"), not a symptom told later."""
        if self.lang != "fa":
            return False
        opening = next((i for i, s in enumerate(self.sents[:_OPENING_SENTENCES])
                        if s.speaker == SPEAKER_DOCTOR and s.question
                        and not (lx.CHITCHAT.search(s.text) or lx.is_greeting(s.text))), None)  # fmt: skip
        if opening is None:
            return False
        q = self.sents[opening]
        if not (m := _FA_RESULTS_Q.search(q.text)) and opening and self.sents[opening - 1].turn == q.turn:
            q = self.sents[opening - 1]  # "بریم سراغ آزمایش‌ها. آوردید؟"
            m = _FA_RESULTS_Q.search(q.text)
        if m is None:
            return False
        replies = []
        for j in range(opening + 1, len(self.sents)):
            if self.sents[j].speaker == SPEAKER_DOCTOR:
                break
            replies.append(j)
        if not replies or any(x.sentence in replies and not x.negated for x in self.d.mentions):
            return False  # "بله آوردم. زانوم درد میکنه": the patient's own complaint
        self.add("subjective", "chief_complaint", f"پیگیری جواب {m.group(1) or m.group(2)}",
                 [(q.start + m.start(), q.start + m.end(), q.segment_id)], confidence=0.5)  # fmt: skip
        return True

    def own_readings_follow_up(self) -> bool:
        """A Persian visit the patient opens with their own readings ("فشارامو یادداشت کردم آوردم",
        "قندامو آوردم") and no complaint is the follow-up of that condition ("پیگیری فشار خون")."""
        if self.lang != "fa":
            return False
        for n, s in enumerate(self.sents[:_OPENING_SENTENCES]):
            if s.speaker == SPEAKER_DOCTOR:
                continue
            if any(m.sentence == n and not m.negated for m in self.d.mentions):
                return False  # the patient's own complaint comes first
            if _FA_OFF_READING.search(s.text):
                return False  # "فشارم این دو هفته همش بالا بوده": a complaint of its own
            if m := _FA_OWN_READINGS.search(s.text):
                a, b = s.start + m.start(), s.start + m.end()
                self.add("subjective", "chief_complaint", f"پیگیری {m.group(1)} خون", [(a, b, s.segment_id)],
                         confidence=0.5)  # fmt: skip
                return True
        return False

    def asked_since_when(self) -> bool:
        """A Persian visit the doctor opens by asking since when a complaint is there ("از کی سرگیجه
        دارید؟" / "دو هفته‌ای می‌شه") has that complaint as its chief complaint, with the time told."""
        if self.lang != "fa":
            return False
        for u in self.d.units:
            q = self.sents[u.question]
            if u.question >= _OPENING_SENTENCES or q.speaker != SPEAKER_DOCTOR:
                return False
            if lx.CHITCHAT.search(q.text) or lx.is_greeting(q.text):
                continue  # "خوب هستید؟", "سفر خوش گذشت؟"
            m = lx.SYMPTOM_RE.search(q.text)
            if u.attribute != "duration" or u.polarity == "no" or m is None:
                return False
            for j in u.answer:
                a = self.sents[j]
                dur = extract_durations(normalize_digits(a.text)) or extract_durations(
                    number_view(a.text).text
                )
                if dur:
                    text = f"{lx.fa_symptom_name(m.group(0))} ({a.text[dur[0][0] : dur[0][1]]})"
                    self.add("subjective", "chief_complaint", text,
                             [(q.start + m.start(), q.start + m.end(), q.segment_id), self.span(a)],
                             confidence=0.6, duration=dur[0][2], name=lx.canonical_symptom(m.group(0)))  # fmt: skip
                    return True
            return False
        return False

    def fa_own_reason(self) -> bool:
        """A Persian patient saying early on what they came for ("ولی من امروز به خاطر سردردام اومدم"):
        the symptom named there, whatever small talk came first ("ای، خسته‌کننده")."""
        if self.lang != "fa":
            return False
        for s in self.sents[: 2 * _OPENING_SENTENCES]:
            if s.speaker == SPEAKER_DOCTOR or (m := _FA_OWN_REASON.search(s.text)) is None:
                continue
            terms = [
                t for t in self.d.mentions
                if t.sentence == self.sents.index(s) and not t.negated
                and s.start + m.start("what") <= t.start < s.start + m.end("what")
            ]  # fmt: skip
            if terms:
                self.complaint(s, terms)
                return True
        for s in self.sents[: 2 * _OPENING_SENTENCES]:
            # "اومدم برای قندم، آزمایشامم آوردم", "برای فشارم اومدم": a known condition's check, no symptom
            m = _FA_CAME_FOR.search(s.text) or _FA_OWN_REASON.search(s.text)
            if s.speaker == SPEAKER_DOCTOR or m is None:
                continue
            if known := _FA_KNOWN_CONDITION.match(m.group("what").strip()):
                self.complaint(s, [], what=f"پیگیری {known.group(1)}")
                return True
        return False

    def patient_complaint(self, start: int) -> bool:
        """The patient's first complaint from sentence ``start`` on, in the order said: a symptom
        (not denied, not hypothetical) or a body part that hurts ("دلم خیلی درد می‌کنه" before a
        later "حالت تهوع دارم")."""
        said: dict[int, list[Mention]] = {}
        for m in self.d.mentions:
            if m.sentence >= start and not m.negated and m.source == "said":
                said.setdefault(m.sentence, []).append(m)
        for i in range(start, len(self.sents)):
            s = self.sents[i]
            if s.speaker == SPEAKER_DOCTOR or _HYPOTHETICAL.search(s.text) or lx.CHITCHAT.search(s.text):
                continue
            if _RESOLVED.search(s.text):
                continue  # "she had a cold last week, runny nose, it's mostly better now": not why they came
            if self.answers_allergy_question(i) or lx.CUES["allergy"].search(s.text):
                continue  # "penicillin gives me a rash" is a reaction, not why the patient came
            if self.lang == "fa" and self.fa_past_episode(i):
                continue  # "پارسال بهم آموکسی‌سیلین دادن، کهیر زدم": a past reaction, not why they came
            if self.lang == "en" and _a_relatives(s.text):
                continue  # "my mom had anxiety, i think": a relative's condition, not why the patient came
            if self.lang == "en" and s.question and i not in said and not _ASKS.match(s.text):
                # "she's had a runny nose for like, five days?": a statement said rising, not a question
                uptalk = [
                    lx.canonical_symptom(m.group(0))
                    for m in lx.SYMPTOM_RE.finditer(s.text)
                    if not is_negated(s.text, m.start(), m.end())
                ]
                if uptalk:
                    self.complaint(s, [], also=tuple(uptalk))
                    return True
            said_as = _FA_PART_RESTATED.sub(_fa_restated_part, s.text) if self.lang == "fa" else s.text
            part = None if s.question else lx.PART_COMPLAINT.search(said_as)
            pain = None
            if (
                i not in said
                and not part
                and i == self.first_reply(start)
                and (what := _doing_to_a_part(s.text))
            ):
                self.complaint(s, [], what=what)  # "she's been pulling at her right ear since yesterday"
                return True
            if part:
                where = next(g for g in part.groups() if g)
                if self.lang == "fa":  # "دستی چپ" from "دستم، این دست چپم، …": the side follows with no ی
                    where = re.sub(r"^(\S*[^\Wوا])ی(?=\s+(?:راست|چپ)$)", r"\1", where)
                pain = f"{where} pain" if self.lang == "en" else lx.FA_PART_PAIN.get(where, f"درد {where}")
            if (
                self.lang == "en"
                and i not in said
                and not pain
                and not s.question
                and (what := _complaint_said(s.text))
            ):
                self.complaint(s, [], what=what)  # "my heart keeps racing", "she says i keep falling over"
                return True
            if i in said or pain:
                # "پسرم از دیشب تب داره، گوشش هم درد می‌کنه": fever and ear pain
                self.complaint(s, said.get(i, []), also=(pain,) if pain else ())
                return True
            if self.lang == "fa" and not s.question and (vague := _FA_VAGUE_PART.search(s.text)):
                where = vague.group(1).replace(" ", "")
                self.complaint(
                    s, [], what=f"ناراحتی {_FA_PART_NAME.get(where, vague.group(1))}"
                )  # "سینه‌م یه جوری میشه"
                return True
            if self.lang == "fa" and not s.question and (off := _FA_OFF_READING.search(s.text)):
                self.complaint(s, [], what=f"{off.group(1)} خون {off.group(2)}")  # "قند خون بالا"
                return True
        return False

    def first_reply(self, start: int) -> int | None:
        """The first patient sentence after the doctor's opening question ``start`` (English)."""
        if self.lang != "en" or self.sents[start].speaker != SPEAKER_DOCTOR:
            return None
        return next(
            (j for j in range(start + 1, len(self.sents)) if self.sents[j].speaker != SPEAKER_DOCTOR), None
        )

    def complaint(
        self, s: Sentence, terms: list[Mention], what: str | None = None, also: tuple[str, ...] = ()
    ) -> None:
        norm = normalize_digits(s.text)
        dur = extract_durations(norm) or extract_durations(number_view(s.text).text)
        words = list(dict.fromkeys(
            [*(lx.canonical_symptom(m.text) if self.lang == "en" else lx.fa_symptom_name(m.text) for m in terms),
             *also]))  # fmt: skip
        if what:
            words = [what]
        if self.lang == "en":
            text = sentence_case(", ".join(words) + (f" for {dur[0][2]}" if dur else ""))
        else:
            text = "، ".join(words) + (f" ({s.text[dur[0][0] : dur[0][1]]})" if dur else "")
        self.add("subjective", "chief_complaint", text, [self.span(s)], confidence=0.7,
                 uncertain=is_uncertain(s.text), duration=dur[0][2] if dur else None,
                 name=lx.canonical_symptom(words[0]))  # fmt: skip


#: the reason for the visit told as something done to a body part, with no symptom word: "she's been
#: pulling at her right ear since yesterday afternoon", "he's been limping on his left foot for two days"
_DOING_TO_PART = re.compile(
    rf"\bbeen (\w+ing (?:\w+ ){{0,2}}?(?:(?:my|his|her|their|the) )?{lx.BODY_PART})\b"
    r"(?: ((?:since|for) [^,.;]*?))?(?= and\b|[,.;]|$)",
    re.IGNORECASE,
)


def _doing_to_a_part(text: str) -> str | None:
    """ "pulling at right ear since yesterday afternoon" from the patient's opening answer (a duration
    the engine reads is added by ``complaint``)."""
    m = _DOING_TO_PART.search(text)
    if m is None:
        return None
    what = re.sub(r"\b(?:my|his|her|their) ", "", m.group(1), flags=re.IGNORECASE)
    when = m.group(2)
    if when and not extract_durations(number_view(when).text):
        what = f"{what} {when}"
    return what


#: a complaint said in everyday words with no symptom term: the heart said to race or pound is
#: palpitations, falling again and again is falls, a named part that is "killing me" is its pain
_COMPLAINTS_SAID = (
    (
        re.compile(
            r"\bmy heart\b[^.;?!]{0,25}?\b(?:racing|races|raced|pounding|pounds|fluttering|flutters|skipping|"
            r"thumping|beating (?:really |so |very )?(?:fast|hard))\b|\b(?:racing|pounding|fluttering) heart\b",
            re.IGNORECASE,
        ),
        "palpitations",
    ),
    (
        re.compile(
            r"\b(?:keeps?|kept|been) falling(?: over| down)?\b|\bfalling over\b|"
            r"\b(?:a few|a couple of|several|some|two|three|four|multiple|lots of) falls\b",
            re.IGNORECASE,
        ),
        "falls",
    ),
    (
        re.compile(
            rf"\bmy ((?:big |little )?{lx.BODY_PART}),? (?:it's|it is|it has been|it's been) "
            r"(?:really |just )?(?:killing me|agony|so sore|really sore|hurting)\b",
            re.IGNORECASE,
        ),
        r"\1 pain",
    ),
)


def _complaint_said(text: str) -> str | None:
    """The complaint a sentence names in everyday words ("my heart keeps doing this racing thing" →
    palpitations), or None."""
    for rx, name in _COMPLAINTS_SAID:
        if (m := rx.search(text)) and not is_negated(text, m.start(), m.end()):
            return m.expand(name).lower()
    return None


#: "tell me about that one", "tell me about the others": more on what was already said, not the opening question
_TELL_ME_MORE = re.compile(
    r"\btell me (?:more )?about (?:that|it|this|those|these|them|the (?:other|first|last|next))\b",
    re.IGNORECASE,
)

#: the patient stating the reason for the visit in the first person
_OWN_REASON = re.compile(
    r"\b(?:i'm|i am|i came|i've come|i have come)\s+(?:in\s+|here\s+)?(?:here\s+)?(?:for|about)\b|"
    r"(?:^|[,.]\s*)(?:just |only )?here (?:for|about)\b",  # "pretty good, doc. just here for my diabetes check"
    re.I,
)

#: a relative's advice or opinion reported ("شوهرم میگه قرص بخور", "مادرشوهرم می‌گه نده"): a relative, "says",
#: then an imperative (a verb with ب- or ن-, or "برو")
_FA_RELATIVE_SAYS = re.compile(
    lx.FA_RELATIVE.pattern[: -len(r"(?![^\W\d_])")].replace(
        "(?:پدر|", "(?:مادرشوهر|مادرزن|همسایه|خانم|پدر|", 1
    )
    + r"(?![^\W\d_])(?:\s+\S+){0,2}?\s+(?:هی\s+)?می[\u200c ]?گ(?:ه|ن|فت)(?![^\W\d_])"
    r"(?:\s+\S+){0,3}?\s+(?:ب[^\W\d_]+(?:ید|ین)?|ن[^\W\d_]*(?:ده|خور|زن|کن|رو)|برو|کن|کنید|کنین)(?![^\W\d_])"
)
#: a companion's bare "مامان" or "بابا" ("مامان هفته پیش افتاد"): the patient the companion brought
_FA_MUM_DAD = re.compile(r"(?<![^\W\d_])(?:مامان|بابا)(?:\s*(?:جان|جون))?(?![^\W\d_])")
#: a kinship word said to the listener, with no possessive, before a pause or at the end: "نه مادر،",
#: "بدون اون نمی‌تونم راه برم مادر", "باشه پسرم"
_FA_VOCATIVE = re.compile(
    r"(?<![^\W\d_])(?:مادر|پدر|مامان|بابا|پسرم|دخترم)(?:\s*(?:جان|جون))?(?=\s*[،,.!؟?]|\s*$)"
)
#: the patient saying they take it: "قرص فشارمو بخورم؟" asks about one taken, "X می‌خورم"
_FA_I_TAKE = re.compile(
    r"(?:می[\u200c ]?خورم|میخورم|مصرف می[\u200c ]?کنم|می[\u200c ]?زنم|بخورم|ادامه بدم|قطع کنم)(?![^\W\d_])|"
    r"(?<![^\W\d_])\S+(?:مو|مم|هام|امو)(?![^\W\d_])"
)
#: a body part said to feel "off", with no symptom word: "سینه‌م یه جوری میشه", "معده‌م ناراحته", "دلم اذیتم می‌کنه"
_FA_VAGUE_PART = re.compile(
    r"(?<![^\W\d_])((?:قفسه\s+)?سینه|شکم|دل|معده|کمر|گلو|گوش|چشم|زانو|سر|قلب)(?:[\u200c ]?(?:م|ام|ش|اش))(?![^\W\d_])"
    r"(?:\s+(?:هم|یه کم|یکم|خیلی))*\s+(?:یه\s+(?:جوری|طوری|حالی)|ناراحت|اذیت|یه جور)"
)
_FA_PART_NAME = {"سینه": "قفسه سینه", "دل": "شکم", "قلب": "قفسه سینه"}
#: the patient's own reason for coming, in Persian: "به خاطر سردردام اومدم", "برای سرگیجه‌م اومدم"
_FA_OWN_REASON = re.compile(
    r"(?<![^\W\d_])(?:به خاطر|بخاطر|برای|بابت)\s+(?P<what>[^.!؟?،,]{2,40}?)\s+(?:اومدم|اومدیم|آمدم|آمدیم|اینجام|مزاحم شدم)"
    r"(?![^\W\d_])"
)

# "اومدم برای قندم": the reason said after the verb
_FA_CAME_FOR = re.compile(
    r"(?<![^\W\d_])(?:اومدم|اومدیم|آمدم|آمدیم)\s+(?:به خاطر|بخاطر|برای|بابت)\s+(?P<what>[^.!؟?،,]{2,40}?)(?=[.!؟?،,]|$)"
)
# a condition followed up in clinic, with the speaker's possessive ("قندم", "فشار خونم", "تیروئیدم")
_FA_KNOWN_CONDITION = re.compile(
    r"^(قند(?: خون)?|فشار(?: خون)?|تیروئید|چربی(?: خون)?|کلسترول|دیابت|آسم|کم[\u200c ]?خونی)"
    r"(?:\u200c?(?:ام|م|مون|ش|تون))?$"
)
#: what a patient's own stated reason must name: a symptom, a condition or the kind of visit
_A_REASON = re.compile(
    lx.SYMPTOM_RE.pattern
    + "|"
    + lx.DIAGNOSIS.pattern
    + r"|\b(?:follow[- ]?up|check[- ]?up|check|physical|refill|pain|injury|results?|blood pressure|blood sugars?|"
    r"cholesterol|thyroid|medications?|prescriptions?)\b",
    re.IGNORECASE,
)

#: how far into the visit a doctor's "I see you've been having ..." or "you're here for ..." still
#: states the reason for it (``lexicons.REASON_OPENING``); a dictated one counts wherever it is
_OPENING_SENTENCES = 12
# the doctor asks how something said just before went ("… check it at home. how did that go?")
_HOW_DID_IT_GO = re.compile(
    r"\bhow (?:did|has) (?:that|it) (?:go|gone|been)\b|\bhow(?:'s| is) (?:that|it) (?:going|been)\b",
    re.IGNORECASE,
)
# the doctor opens by asking how a known condition is doing
_HOW_IS_IT = re.compile(
    r"\bhow(?:'s| is| are| has| have)(?: been)? (?:your|the)\b|چطوره|چطورن|چطور شده|بهتر شده|بهتره|"
    + _HOW_DID_IT_GO.pattern,
    re.IGNORECASE,
)
# the visit's logistics in Persian: results or papers brought ("جواب آزمایشتون اومده؟", "عکستونو آوردید؟")
_FA_GREETING_LEAD = re.compile(r"^\W*سلام(?:\s+(?:دکتر|آقای دکتر|خانم دکتر))?(?:\s+جان)?\W*")
# a short "… is not there" ("شکستگی نیست", "سنگ دیده نمیشه")
_FA_NOT_SEEN = re.compile(
    r"^\W*(?:\S+\s+){0,2}?\S+\s+(?:نیست|نداره|ندارد|دیده نمی[\u200c ]?شه|دیده نمی[\u200c ]?شود)\W*$"
)
# the patient's own readings brought: "فشارامو یادداشت کردم", "قندامو آوردم", "دفترچه فشارم"
_FA_OWN_READINGS = re.compile(r"(?<![^\W\d_])(فشار|قند)(?:ا|ها|\u200cها)(?:مو|م)?(?![^\W\d_])")
# the doctor opening with the results: "جواب آزمایشتون اومده؟", "جواب سونوتونو آوردید؟"
_FA_RESULTS = r"(آزمایش|سونوگرافی|سونو|عکس|نوار قلب|ام[\u200c ]?آر[\u200c ]?آی)"
# "جواب آزمایشتون اومده؟", "بریم سراغ آزمایش‌ها", "آزمایش‌هاتون رو آوردید؟"
_FA_RESULTS_Q = re.compile(
    rf"(?:جواب|سراغ)\s+{_FA_RESULTS}|{_FA_RESULTS}(?:\u200c?ها|ا)?(?:\u200c?(?:تون|ت))?\s+(?:رو\s+|را\s+)?(?:آوردید|آوردین|آوردی)"
)
# the patient's pregnancy and how far along it is
_PREGNANCY = re.compile(
    r"\b(?:i'm|i am|she's|she is|we're)\s+(?:\w+[ -]){0,2}?(?:\d+|\w+) weeks?(?: pregnant| along)?\b|\bpregnant\b|"
    r"(?:باردار(?:م|ه|ید|ی)?|حامله(?:م|ه|ام)?)(?![^\W\d_])|هفته[\u200c ]?(?:مه|ام است|امه)(?![^\W\d_])",
    re.IGNORECASE,
)
# a complaint that is over ("it's mostly better now", "that went away", "خوب شده")
_RESOLVED = re.compile(
    r"\b(?:(?:is|it's|it is|that's|they're|are) (?:mostly |all |much )?(?:better|gone|resolved|fine) now|"
    r"(?:went|has gone|is gone) away|cleared up|resolved)\b|(?:خوب شده|برطرف شده|رفع شده|بهتر شده)",
    re.IGNORECASE,
)
# a condition a visit follows up, named without a diagnosis word ("your blood pressure", "your sugars")
_FOLLOWED_CONDITION = re.compile(
    r"\b(?:blood pressure|blood sugars?|sugars|cholesterol|a1c|thyroid|weight)\b|فشار(?:تون| خون)|قند(?:تون| خون)|چربی خون",
    re.IGNORECASE,
)

# Persian: no allergy said after its word ("حساسیت هم نداره", "حساسیت دارویی ندارم")
_FA_NO_ALLERGY = re.compile(
    r"(?:حساسیت|آلرژی)(?:\s+(?:دارویی|غذایی|به\s+\S+))?\s+(?:هم\s+)?"
    r"(?:ندارم|نداره|ندارد|نداریم|ندارن|نداشته|نداشتم|نداشت)(?![^\W\d_])"
)
# a Persian verb ending a short answer: "خوب خوابیدم", "می‌خورم" (no name of anything)
_FA_VERB = re.compile(r"(?:یدم|ردم|ادم|ستم|شدم|دیم)\W*$|(?<![^\W\d_])می[\u200c ]?\S")
# care in the past said under an allergy or medicine question: vaccines, admissions, an episode cured
_FA_PAST_CARE = re.compile(r"واکسن|بستری|(?<![^\W\d_])(?:خوب|بهتر|درمان)\s+شد(?![^\W\d_])")
# a Persian number, said alone: "نه، الان پنج" corrects the number just said, it denies nothing
_FA_NUMBER = (
    r"(?:[۰-۹]+|(?<![^\W\d_])(?:یک|یه|دو|سه|چهار|پنج|شش|شیش|هفت|هشت|ده|یازده|دوازده|پونزده|پانزده|بیست|سی|"
    r"چهل|پنجاه|صد)(?![^\W\d_]))"
)
_DENIAL = re.compile(
    r"^\W*(?:(?:no|nope|nah)\b|never\b|none\b|nothing\b|not really\b|"
    r"i (?:don't|do n't|do not|have never|never|haven't|have not|did not|didn't|am not|'m not)\b(?! know)|"
    r"(?:he|she|the patient) (?:denies|does not|doesn't|has never|never)\b|نه|خیر|ندارم|هیچ)"
    r"(?![\s,،.]+(?:but|just|only|ولی|اما)(?![^\W\d_]))"  # "no, but it's a bit cloudy" says something
    r"(?![^.?!]*\bthough\W*$)"  # "not really, my neck's a bit stiff though": what there is, after all
    r"(?![\s,،.]+" + lx.EXCEPTION + r")"  # "nothing other than my usual …" names what there is
    r"(?!\s+(?:زیاد|خیلی|چندان|اونقدر|آنقدر)(?![^\W\d_]))"  # "نه زیاد" (not much) says a little
    r"(?![\s,،.]+(?:[^\s.!?؟]+\s+){0,2}?" + _FA_NUMBER + r"(?:\s+[^\s.!?؟]+){0,2}\W*$)",  # "نه، الان پنج."
    re.IGNORECASE,
)
# "no metformin", "i stopped the lisinopril", "not taking my aspirin" (right before the drug's name)
_NOT_TAKING = re.compile(
    r"(?:\b(?:no|not on|not taking|never (?:took|taken|take)|stopped(?: taking)?|quit|don't take|do n't take|"
    r"do not take|off(?: of)?)\b|نمی[\u200c ]?خورم|قطع)(?:\s+(?:the|my|your|any|his|her))?\s*$",
    re.IGNORECASE,
)
# before a medicine's name: it is not ordered ("i'd rather avoid colchicine", "we can talk about
# allopurinol if …", "consider metformin later")
_NOT_ORDERED_BEFORE = re.compile(
    r"\b(?:avoid(?:ing)?|stay away from|talk about|discuss(?:ing)?|consider(?:ing)?|think about|look into|"
    r"intoleran\w+ (?:to|of))\s+(?:\w+\s+){0,2}$|"
    # the medicine a reason is about: "since the atorvastatin bothered your legs, i'd like to try ..."
    r"\b(?:since|because|as) (?:the |your |that )?$|"
    # a drug kept for later: "if that isn't enough, let me know and we can add gabapentin"
    # ("if the pain is bad, you can use ibuprofen" is an instruction to the patient, still a medicine)
    r"^(?=.*\b(?:if|unless|in case)\b).*\b(?:we|i) (?:can|could|might|may) (?:also )?(?:add|try|start|switch to|use)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_IN_RESERVE = re.compile(
    r"\s+(?:in (?:our|your|the|my) back pocket|in reserve|for later|as (?:a |an |our )?(?:backup|back-up|fallback|plan b))\b",
    re.IGNORECASE,
)
_FA_NOT_GIVEN = re.compile(
    r"[^.،,؟?!]*?(?<![^\W\d_])(?:نمی[\u200c ]?(?:دم|دیم|نویسم|نویسیم)|تجویز نمی[\u200c ]?کنم)(?![^\W\d_])"
)
# after the name: the medicine is no longer taken ("… but i ran out a couple months ago", "… and stopped it")
_NO_LONGER = re.compile(
    r"[^.;]{0,30}?\b(?:but|and|then)\s+(?:i|he|she|we)\s+(?:ran out|stopped|quit|gave up|haven't (?:taken|used|had)|"
    r"have not (?:taken|used)|don't (?:take|use) it|came off)\b",
    re.IGNORECASE,
)
# The patient refusing a medicine: "i'd rather not take lipitor", "لیپیتور رو نمی‌خوام بخورم"
_REFUSING_BEFORE = re.compile(
    r"\b(?:rather not|(?:don't|do n't|do not) want to|won't|will not|(?:not|never) (?:going|gonna) to|"
    r"refuse to)\s+(?:take|start|try|use|be on|go on)(?:\s+(?:the|that|this|any|a|an))?\s*$",
    re.IGNORECASE,
)
_REFUSING_AFTER = re.compile(r"^\s*(?:(?:رو|را)\s+)?نمی[\u200c ]?خوا(?:م|هم)")


# (not a point or comma inside a number: "دفعه‌ی قبل ۷.۵ بود", "1,000")
_CLAUSE_END = re.compile(r"[،;؛]|(?<!\d)[,.]|[,.](?!\d)")
# who came with the patient: "با دخترم اومدم", "با همسرم آمدم"
_FA_CAME_WITH = re.compile(
    r"(?<![^\W\d_])با\s+(?P<who>(?:دختر|پسر|همسر|شوهر|خانم|مادر|پدر|خواهر|برادر|عروس|داماد|نوه))(?:م|مون)?"
    r"\s+(?:اومدم|آمدم|اومدیم|آمدیم|اومدم اینجا)\W*$"
)
# how to take a medicine, said without naming it: "با غذا بخورید", "ناشتا بخورید", "بعد از شام بخورید"
_FA_HOW_TO_TAKE = re.compile(
    r"^\W*(?:با غذا|(?:بعد|قبل)(?: از)? (?:غذا|صبحانه|ناهار|شام)|ناشتا|شب(?:‌ها|ها|ا)?|صبح(?:‌ها|ها|ا)?)\s+"
    r"(?:بخورید|بخورین|بخوره|میل کنید|مصرف کنید)\W*$"
)
# what the doctor decides is not needed: "آنتی‌بیوتیک لازم نیست", "ام آر آی الان کمکی نمیکنه"
_FA_NOT_NEEDED = re.compile(
    r"(?<![^\W\d_])(?:لازم نیست|نیازی نیست|نیاز نیست|کمکی نمی[\u200c ]?کن[هد]|نمی[\u200c ]?(?:دم|دیم|نویسم|نویسیم))"
    r"(?![^\W\d_])"
)
# a condition the doctor rules out: "کم آبی نداره", "شکستگی نیست"
_FA_RULED_OUT = re.compile(
    r"(?:" + lx.DIAGNOSIS.pattern + r")[\w\u200c]*\s+(?:نداره|ندارد|ندارید|نیست)(?![^\W\d_])", re.IGNORECASE
)
# a cause the doctor thinks unlikely: "بعیده میکروبی باشه", "بعید می‌دونم سنگ باشه", "احتمالش کمه"
_FA_UNLIKELY = re.compile(
    r"(?<![^\W\d_])(?:بعیده|بعید است|بعید می[\u200c ]?دونم|احتمال(?:ش)?(?:\s+\S+){0,4}?\s+(?:کمه|کم است|پایینه))"
    r"(?![^\W\d_])"
)
# ... unless the same sentence says what is likely: "به احتمال زیاد ویروسیه، بعیده میکروبی باشه"
_FA_LIKELY = re.compile(
    r"به احتمال زیاد|احتمالاً|احتمالا(?![^\W\d_])|تشخیص|(?<![^\W\d_])(?:داری|دارید|داره)(?![^\W\d_])"
)
_TIME_UNITS = frozenset({"min", "h", "d", "wk", "mo", "a"})  # the units of ``quantities`` that tell a time
# the patient's own reading out of range, the reason for a follow-up visit: "قندم این چند وقت بالا بوده"
_FA_OFF_READING = re.compile(
    r"(?<![^\W\d_])(قند|فشار|چربی)(?:م|ش|تون|\s+خونم|\s+خونش)?(?:\s+\S+){0,6}?\s+(بالا|پایین)(?![^\W\d_])"
)
# a question on how a medicine is taken: "چطوری مصرف می‌کنید؟", "روزی چند تا میخورید؟"
_FA_HOW_TAKEN = re.compile(r"چطور|چجوری|چه جوری|چه طور|(?:روزی|شبی|هر بار) چند|چند (?:بار|تا|عدد|میلی)")


def _clauses(text: str) -> list[tuple[str, int]]:
    """The clauses of a sentence between its commas and stops, each with where it starts."""
    out, a = [], 0
    for m in _CLAUSE_END.finditer(text):
        out.append((text[a : m.start()], a))
        a = m.end()
    return [*out, (text[a:], a)]


# the previous value of a lab just read: "سه ماه پیش هفت و نیم بود", "دفعه قبل 7.1 بود"
_FA_PREVIOUS_VALUE = re.compile(
    r"^\W*(?P<when>(?:\S+\s+){0,3}?(?:پیش|قبل))\s+(?:هم\s+)?(?P<value>\d+(?:\.\d+)?)\s*(?:بود|بوده)\W*$"
)


def _only_medicines(s: Sentence, meds: list) -> bool:
    """Whether a sentence says nothing but the medicines read from it (a word or so besides)."""
    rest = s.text
    for m in sorted(meds, key=lambda m: m.start, reverse=True):
        rest = rest[: m.start - s.start] + " " + rest[m.end - s.start :]
    return len(_WORDS.findall(rest)) <= 1


# the doctor asking what the patient takes: "any other medicines?", "anything else you take?"
_MEDICINES_Q = re.compile(
    r"\b(?:medicines?|medications?|meds|tablets?|pills?|prescriptions?)\b", re.IGNORECASE
)
# what may go with a medicine's name in an answer: its dose, schedule, what it is for
_WITH_A_MEDICINE = re.compile(
    r"\b(?:for (?:my|the|his|her|their|your) (?:\w+ ){0,1}\w+|(?:once|twice|three times) (?:a|per) day|"
    r"(?:in the )?(?:morning|evening|night|bedtime)|a day|daily|milligrams?|mg|tablets?|pills?|one|two|"
    r"the other one|that other one|at the moment|at night)\b",
    re.IGNORECASE,
)


def _says_only_medicines(text: str) -> bool:
    """Whether a patient's answer says nothing but medicines, their doses and what they are for ("ramipril
    for the blood pressure and the cholesterol one, atorvastatin"), a word or two besides."""
    meds = extract_medications(text)
    if not meds or (re.search(r"\d\d", number_view(text).text) and not any(m.dose for m in meds)):
        return False  # "the metformin, a thousand twice a day": a dose the medication item does not read
    rest = text
    for m in sorted(meds, key=lambda m: m.start, reverse=True):
        rest = rest[: m.start] + " " + rest[m.end :]
    rest = _WITH_A_MEDICINE.sub(" ", number_view(rest).text)
    words = [w for w in _WORDS.findall(rest.lower()) if not w.isdigit() and w not in _FUNCTION_WORDS]
    words = [w for w in words if w not in {"just", "only", "the", "and", "also", "thousand", "hundred"}]
    return len(words) <= 2


def _shared_words(a: str, b: str) -> bool:
    """Whether two sentences share a word of three letters or more ("آنتی‌بیوتیک" in both)."""
    return bool({w for w in _WORDS.findall(a) if len(w) > 2} & set(_WORDS.findall(b)))


def _refusing(text: str, start: int, end: int) -> bool:
    return bool(_REFUSING_BEFORE.search(text, 0, start) or _REFUSING_AFTER.match(text[end:]))


# A doctor offering something: "would you like a flu shot?", "do you want me to refer you?", "می‌خوای معرفیت کنم؟"
_OFFER = re.compile(
    r"\b(?:would you like|do you want (?:me to|to|a|an|the)|shall i|should i (?:refer|order|give|prescribe)|"
    r"can i (?:give|refer|order|prescribe|offer)|are you interested in|how about (?:a|an|we))\b|"
    r"می[\u200c ]?خوای[^؟?]*(?:کنم|بدم|بنویسم)|می[\u200c ]?خواید[^؟?]*(?:کنم|بدم|بنویسم)|موافق(?:ی|ید)|"
    # "یه قرص … هم بنویسم؟", "سه روز استراحت براتون بنویسم؟", "معرفیتون کنم؟"
    r"(?<![^\W\d_])(?:بنویسم|بدم|بزنم|شروع کنیم|بفرستمتون|(?:معرفی|ارجاع)(?:تون|ت)?\s+(?:کنم|بدم))\W*$",
    re.IGNORECASE,
)
# what an offer can be about: a medicine, a test, a referral, a vaccine, a procedure
_OFFERED_THING = re.compile(
    r"\b(?:prescri\w*|antibiotics?|medicines?|medications?|pills?|shots?|vaccines?|injections?|tests?|x-?rays?|"
    r"scans?|mri|ct|ultrasound|blood ?work|labs?|referr\w*|refer|specialist|therapy|counsel\w*|program|"
    r"procedure|surgery|inhaler|patch)\b|دارو|قرص|آمپول|واکسن|آزمایش|عکس|سونوگرافی|ارجاع|معرفی|متخصص|"
    r"مشاوره|فیزیوتراپی|ترک|استراحت|استعلاجی|گواهی",
    re.IGNORECASE,
)
# the doctor telling how to take what is being offered, before the reply: "دو سه روز بخورید، زودتر آروم می‌شه"
_FA_TAKE_IT = re.compile(r"(?<![^\W\d_])(?:بخورید|بخورین|مصرف کنید)(?![^\W\d_])")
# A question asking what the patient thinks of the proposal just made (its reply answers the proposal)
_TAG_QUESTION = re.compile(
    r"^\W*(?:(?:so|and|okay|ok),? )?(?:how (?:do|would) you feel about (?:that|it|this)|would you like (?:that|to do that|to try (?:that|it))|"
    r"what do you think|does that sound (?:ok(?:ay)?|good|alright|reasonable)|is that (?:ok(?:ay)?|alright)|"
    r"are you (?:ok(?:ay)?|alright|open to|interested in) (?:with )?(?:that|it|this)|would that be (?:ok(?:ay)?|alright))\W*$|"
    r"^\W*(?:نظرتون|نظرت) (?:چیه|چیست)\W*$|^\W*(?:موافقید|موافقی|خوبه|باشه)\W*[؟?]\W*$",
    re.IGNORECASE,
)
# A closed question about something the patient may have: "any trouble controlling your bladder?",
# "do you ever have thoughts of hurting yourself?", "فکر خودکشی داشتید؟"
_ASKED_EN = re.compile(
    r"^\W*(?:(?:and|so|okay|ok|now|also|what about)\W+)*(?:(?:do|did|have|has|are|were|is|was)\s+(?:you|he|she|they)\s+"
    r"(?:ever\s+|also\s+|still\s+|been\s+|noticed\s+)*(?:had|have|having|get|got|getting|gotten|notice|noticed|"
    r"noticing|feel|felt|feeling|experience[ds]?|experiencing)\s+|any\s+(?:more\s+|other\s+|new\s+)?)"
    r"(?P<topic>[^?]+?)(?:,?\s+(?:at all|lately|recently|(?:or )?anything(?: like that)?))?\W*$",
    re.IGNORECASE,
)
_ASKED_FA = re.compile(
    r"^\W*(?:(?:و|خب|خوب|ببینید)\W+)?(?P<topic>[^؟?]{3,60}?)\s*(?:هم\s+)?(?:داشتید|دارید|داری|داشتی|داشته|دارن|داره|"
    r"هست|بوده|چی|چطور)\s*[؟?]\W*$"
)
# not a symptom: the visit itself, the exam in progress ("any pain when i push here?"), a procedure had
_NOT_A_SYMPTOM_Q = re.compile(
    r"\b(?:questions?|concerns?|ride|plans?|insurance|kids|children|pets?|appointment|chance|idea|time|"
    r"i|me|my|here|this|colonoscopy|mammogram|x-?rays?|scans?|tests?|surgery|surgeries|procedures?|"
    r"vaccines?|shots?|results?)\b|سوال|سؤال|وقت|اینجا|این|آزمایش|عکس|واکسن|جراحی",
    re.IGNORECASE,
)


# a question about the visit's logistics: "did you bring your pill bottles?", "do you have a ride home?"
_ERRAND_Q = re.compile(
    r"\b(?:bring|brought|ride|drive you|parking|paperwork|forms?)\b|"
    r"جواب\s+\S+\s+(?:اومده|آمده|رسیده)|آورد(?:ید|ین|ی)(?![^\W\d_])",
    re.IGNORECASE,
)
# a symptom of these days, not an allergy's reaction told just after it: "… and i have a rash right now"
_NOW = re.compile(r"\b(?:now|right now|today|these days|currently|at the moment)\b", re.IGNORECASE)
# the doctor saying a medicine goes with the patient's allergy: "it's safe with your allergy", "not related"
_SAFE_WITH = re.compile(
    r"\b(?:safe|fine|okay|ok|compatible)\s+(?:with|for)\s+(?:your|his|her|their|the)\b|"
    r"\b(?:not|isn't|is not) related\b|\bno cross[- ]?reactivity\b",
    re.IGNORECASE,
)
# agreeing with what was just said: "it is, …", "tell me about it"
_AGREES = re.compile(r"^\W*(?:it (?:sure )?(?:is|was)|i know|tell me about it)\b", re.IGNORECASE)
# a "no" followed by what the patient has or does: "no, i have an iud", "no, i use condoms"
_NO_BUT_HAS = re.compile(
    r"^\W*no\W+i(?:'m| am| have| had| use| take| got| get| was)\s+(?!(?:not|never|no)\b)\w", re.IGNORECASE
)
# a "no" that goes on to say what there is instead: "no, just low down", "no, only when i run"
_NO_JUST = re.compile(r"^\W*no\W+(?:just|only|mostly)\b", re.IGNORECASE)
# a closed question about the complaint itself or about a symptom: "do they wake you up at night?",
# "did any of them come on suddenly, like the worst headache of your life?"
_CLOSED_Q = re.compile(
    r"^\W*(?:(?:and|so|okay|ok|now|also|alright)\W+)*(?:do|does|did|is|are|was|were|has|have)\s+"
    r"(?:it|they|this|that|the pain|any of (?:them|these|those))\b|"
    r"^(?=.*(?:" + lx.SYMPTOM_RE.pattern + r"))\W*(?:(?:and|so|okay|ok|now|also|alright)\W+)*"
    r"(?:do|does|did|is|are|was|were|has|have|any)\b",
    re.IGNORECASE,
)
# the items of an asked topic: "trouble controlling their bladder or bowels, or numbness around their groin"
_LIST_ITEMS = re.compile(r",\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+", re.IGNORECASE)


# conditions a question asks about, not symptoms: "stomach ulcers or kidney problems", "diabetes"
_CONDITION_WORDS = re.compile(
    r"\b(?:kidney|heart|liver|lung|thyroid|stomach|bleeding|clotting) (?:problems?|disease)\b|\bulcers?\b",
    re.IGNORECASE,
)
_HISTORY_OF = re.compile(r"^(?:a\s+)?(?:past\s+)?history of\s+", re.IGNORECASE)


def _a_condition(asked: str) -> bool:
    """Whether an asked topic is past medical history (conditions, no symptom)."""
    return bool(
        (lx.DIAGNOSIS.search(asked) or _CONDITION_WORDS.search(asked) or _HISTORY_OF.match(asked))
        and not lx.SYMPTOM_RE.search(asked)
    )


def _names_more(asked: str) -> bool:
    """Whether a question's topic lists something the symptom lexicon has no term for."""
    return any(not lx.SYMPTOM_RE.search(item) for item in _LIST_ITEMS.split(asked) if item.strip())


def _asked_topic(question: str, lang: str) -> str | None:
    """What a closed question asks about, in the note's words ("trouble controlling their bladder or
    bowels"), or None when it is not such a question."""
    if _NOT_A_SYMPTOM_Q.search(question) or _TAG_QUESTION.match(question):
        return None
    m = (_ASKED_FA if lang == "fa" else _ASKED_EN).match(question)
    if m is None:
        return None
    topic = m.group("topic").strip(" ,.")
    if lang == "en":
        topic = re.sub(
            r"^(?:any|a|an|like|that)\s+", "", topic, flags=re.IGNORECASE
        )  # "feel like anything is stuck"
        for a, b in (("yourself", "themselves"), ("your", "their"), ("you", "they")):
            topic = re.sub(rf"\b{a}\b", b, topic, flags=re.IGNORECASE)
    words = len(_WORDS.findall(topic))
    return topic if 1 <= words <= 14 else None


_REQUEST = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:can|could|would) you (?:show|point|tell|describe|explain)\b", re.I
)
# an answer that is a sentence of its own ("it hurts when i walk", "i quit five years ago", "درد دارم")
_OWN_SUBJECT_START = re.compile(
    r"^\W*(?:(?:yes|yeah|no|well|um|uh|oh|so|and|but)\W+)*(?:i|i'm|i've|i'd|i'll|it|it's|he|he's|she|she's|we|"
    r"they|my|there|there's|that|that's|this|you)\b",
    re.IGNORECASE,
)
# a subject anywhere in an answer: it says something of its own ("i drink maybe two glasses a day")
_A_SUBJECT = re.compile(
    r"\b(?:i|i'm|i've|i'd|i'll|he|he's|she|she's|we|we're|they|they're|it|it's|there's|you|my|his|her)\b",
    re.IGNORECASE,
)
# a doctor announcing the next topic: "Second, the zolpidem.", "Next, your oxybutynin."
_TOPIC_HEADING = re.compile(
    r"^\W*(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|fourth|next|then|lastly|finally|and now|now)[,:]?\s+"
    r"(?:about\s+|for\s+)?(?:the|your|his|her)\s+[\w-]+(?:\s+[\w-]+)?\W*$",
    re.IGNORECASE,
)
# the doctor announcing what comes, with nothing told yet: "your blood results are back", "i looked back at your
# results", "so today is the thyroid check"
_ANNOUNCES = re.compile(
    r"^\W*(?:(?:so|and|okay|ok|right|now)\W+)*(?:(?:your|the|his|her) (?:\w+ )?(?:results?|bloods?|tests?|scans?) "
    r"(?:are|is|have|has|came) (?:back|in)|i (?:looked|had a look|have looked|'ve looked) (?:back )?at "
    r"(?:your|his|her|the) (?:\w+ )?(?:results?|bloods?|notes|records?)|today(?:'s| is) (?:the|your|his|her) "
    r"(?:\w+ ){1,3}?(?:check|review|follow[- ]?up|appointment)|(?:so|okay|ok|right|now)\W+(?:the|your|his|her) "
    r"(?:\w+ )?(?:results?|bloods?|tablets?|medicines?|medications?))\W*$",
    re.IGNORECASE,
)
# "it" for a medicine just named ("we'll cut it to five milligrams"), Persian "اونو/اینو/همینو"
_IT = re.compile(
    r"\b(?:it|that one|this one)\b|(?<![^\W\d_])(?:اونو|اینو|همینو|همون رو|اون رو)(?![^\W\d_])", re.IGNORECASE
)
# a medicine given in the room: "i injected 40 milligrams of triamcinolone into the knee", "we gave him one
# dose of dexamethasone here", "یه آمپول دیکلوفناک براتون زدیم"
_GIVEN_HERE = re.compile(
    r"\b(?:i|we)(?: just| already)? (?:injected|gave (?:you|him|her|them)|administered|put in)\b|"
    r"\b(?:given|injected) (?:here|today|in (?:the )?(?:clinic|office))\b|"
    r"(?:براتون|بهتون|براش|بهش)\s+(?:\S+\s+){0,3}?(?:زدیم|تزریق کردیم|دادیم)(?![^\W\d_])",
    re.IGNORECASE,
)
# a doctor retelling the history ("she has had diabetes for ten years"), not telling a diagnosis
_HISTORY_TOLD = re.compile(
    r"\b(?:had|been|history|diagnosed|years?|since|ago|used to|mentioned|said|told me)\b|"
    r"(?:داشتید|داشتی|داشته|سال|سابقه|قبلا|قبلاً|گفتید)",
    re.IGNORECASE,
)
_TAG_OBJECT = re.compile(r"\W*(?:that|it|this|to do that|to try (?:that|it))\W*", re.IGNORECASE)
# "if … ," — the condition of a conditional sentence, up to its comma
_CONDITION = re.compile(r"(?<!\w)(?:if|unless|in case|اگر|اگه)(?!\w)[^,،]*", re.IGNORECASE)


# an option left to the patient: "you can also take phenazopyridine if you want", "you could try a brace"
_OPTION = re.compile(
    r"\byou (?:can|could|may) (?:also )?(?:take|try|use|have|get)\b|\bif you(?:'d| would)? (?:want|like)\b",
    re.IGNORECASE,
)


# a time of day a dose is taken: "one in the morning, one at night", "one with breakfast, one at bedtime"
_DOSE_TIME = re.compile(
    r"\b(?:in the (?:morning|evening|afternoon)|at (?:night|bedtime|lunch(?:time)?|dinner(?:time)?)|"
    r"with (?:breakfast|lunch|dinner|supper)|before bed)\b",
    re.IGNORECASE,
)
# between a medicine's two names: "nitrofurantoin, that's macrobid, 100 milligrams"
_ALIAS_GAP = re.compile(r"\W*(?:that's|that is|also called|aka|known as|brand name)\W*", re.IGNORECASE)


def _one_per_alias(text: str, offset: int, meds: list) -> list:
    """A medicine said with its other name ("nitrofurantoin, that's macrobid, 100 mg twice a day") is one
    medicine: the first name with what is said after the second."""
    out: list = []
    for m in meds:
        last = out[-1] if out else None
        gap = text[last.name_span[1] - offset : m.name_span[0] - offset] if last is not None else ""
        if last is not None and _ALIAS_GAP.fullmatch(gap):
            m = replace(m, name=last.name, start=last.start, name_span=last.name_span)
            out[-1] = m
        else:
            out.append(m)
    return out


# more of an order just given: "and cyclobenzaprine ten milligrams at bedtime", "also the cream twice a day"
_MORE = re.compile(r"^\W*(?:and|also|plus|then)\b", re.IGNORECASE)


def _more_of_the_order(text: str, meds: list) -> bool:
    """Whether a doctor's verbless sentence right after a prescription orders another medicine: a dose
    with how often, or a dose led by "and"/"also"; never what is taken now."""
    if _CURRENT_USE.search(text) or _PAST_OR_RECAP.search(text):
        return False
    return any(m.dose and (m.frequency or m.duration or _MORE.match(text)) for m in meds)


# a medicine named as someone else's, just before its name: "one of my flatmate's propranolol", "some of my
# wife's naproxen", "my son's antihistamine"
_BORROWED = re.compile(
    r"\b(?:my|his|her|their|your|a|the)\s+(?!(?:doctor|gp|dentist|nurse|pharmacist|specialist)'s)[a-z]+'s\s+"
    r"(?:(?:old|spare|leftover|own|extra)\s+)?$",
    re.IGNORECASE,
)
# the patient asking whether to take a medicine: "can i take propranolol though", "should i keep taking it"
_MAY_I_TAKE = re.compile(
    r"^\W*(?:(?:and|so|but|um|uh|okay|oh)\W+)*(?:(?:the|my) [^,]{1,30},\s*)?(?:can|could|should|may|shall) i "
    r"(?:still |just |also )?(?:take|use|have|try|keep (?:taking|using)|go back on)\b",
    re.IGNORECASE,
)
# a thing that belongs to someone else: "that's stan's", "this is actually your husband's?", "not mine"
_SOMEONE_ELSES = re.compile(
    r"\b(?:(?:that|it|this|those|these)(?:'s| is| are)|they're|they are|(?:is|are) (?:this|that|it|these|those)"
    r"(?: ones?)?)\s+(?:actually\s+|really\s+|all\s+)?"
    r"(?:(?:(?:my|your|his|her|our|their)\s+)?[a-z]+'s|his|hers|theirs)(?=\s*(?:[.,?!;]|$))|"
    r"\b(?:not|isn't|aren't) mine\b",
    re.IGNORECASE,
)
# a medicine given at some time before: "they gave her amoxicillin", "i was on prednisone", "i took …"
_GIVEN_THEN = re.compile(
    r"\b(?:(?:they|he|she|the doctor|we)\s+(?:gave|prescribed|put)|(?:i|he|she)\s+(?:was|were)\s+(?:on|given)|"
    r"(?:i|he|she)\s+took)\b",
    re.IGNORECASE,
)
# a medicine named as the exception of a question ("apart from the tylenol, anything else?", "غیر از
# استامینوفن چیز دیگه‌ای می‌خوری؟"): taken, whatever the answer says of the rest
_EXCEPTED_BEFORE = re.compile(
    r"(?:" + lx.EXCEPTION + r"|غیر\s+از|به\s+جز|بجز|(?<![^\W\d_])جز|علاوه\s+بر)\s+(?:(?:the|your)\s+)?$",
    re.IGNORECASE,
)
_FA_NEVER = re.compile(r"\s*(?:(?:رو|را)\s+)?(?:هیچوقت|هیچ[\u200c ]?وقت|هرگز)(?![^\W\d_])")
# a medicine to take less of: "(ژلوفن) رو تا میتونی کم کن", "(مسکن) رو کمتر بخور", "(قرص خواب) رو کمش کنید"
_FA_CUT_DOWN = re.compile(
    r"\s*(?:رو|را)\s+(?:(?:هم|دیگه|تا\s+می[\u200c ]?تونی|تا\s+جایی\s+که\s+می[\u200c ]?تونی)\s+)*"
    r"(?:کم(?:ش)?\s*(?:کن|کنید|کنین)|کمتر\s+(?:بخور|بخورید|بخورین|مصرف\s+کن|مصرف\s+کنید))(?![^\W\d_])"
)
# … with a limit said next: "، هفته‌ای دو روز بیشتر نه", "، روزی یکی بیشتر نخور"
_FA_AT_MOST_CLAUSE = re.compile(r"\s*[،,]\s*([^.،,؟?!]{2,30}?\s+بیشتر\s+(?:نه|نخور|نخورید|نزن))(?![^\W\d_])")


# the doctor explaining rather than finding: what a finding means, a reason, how the body works in general
_FA_WHEN_IT = r"وقتی\s+(?:[^\W\d_]+\s+){1,4}?(?:می[\u200c ]?شه|می[\u200c ]?کنه)"  # "وقتی کلیه ضعیف میشه"
_FA_EXPLAINS = re.compile(r"(?<![^\W\d_])(?:یعنی|دلیل|دلیلش|بدن)(?![^\W\d_])|^\W*" + _FA_WHEN_IT)
# … told in general, not of this patient: "بدن آدرنالین ترشح میکنه", "وقتی کلیه ضعیف میشه، …"
_FA_IN_GENERAL = re.compile(r"^\W*(?:بدن(?![^\W\d_])|" + _FA_WHEN_IT + ")")


# a body part named, then said again with its side before the complaint: "زانوم، این زانوی راستم، خیلی درد
# میکنه", "دستم، همین دست چپم، درد میکنه": read as "زانوی راستم خیلی درد میکنه"
_FA_PART_RESTATED = re.compile(
    r"(?<![^\W\d_])([^\W\d_]+?)(?:م|ش)\s*[،,]\s*(?:این\s+|همین\s+)?\1(?:ی|\u200cی)?\s+(راست|چپ)(م|ش)\s*[،,]?\s*"
)


def _fa_restated_part(m: re.Match) -> str:
    return f"{m.group(1)}ی {m.group(2)}{m.group(3)} "


# a medicine the patient took before, said after its name: "(قبلاً سرترالین) میخوردم", "مصرف میکردم"
_FA_USED_TO = re.compile(
    r"\s*(?:رو\s+|را\s+)?(?:\S+\s+){0,2}?(?:می[\u200c ]?(?:خوردم|زدم|خوردیم)|مصرف\s*می[\u200c ]?کردم)(?![^\W\d_])"
)
# a simple past: "(دو سال پیش آهن) خوردم"; not taken now only with a time months or years back
_FA_TOOK_ONCE = re.compile(r"\s*(?:رو\s+|را\s+)?(?:\S+\s+){0,2}?(?:خوردم|زدم|مصرف\s*کردم|گرفتم)(?![^\W\d_])")
# the patient saying it was stopped or is not taken: "خودم قطعش کردم", "یه هفته‌ست نمیخورم", "ولش کردم"
_FA_I_STOPPED = re.compile(
    r"(?<![^\W\d_])(?:قطعش\s+کردم|قطع\s+کردم|ولش\s+کردم|کنارش\s+گذاشتم|کنار\s+گذاشتم|"
    r"نمی[\u200c ]?(?:خورم|زنم)|مصرف\s+نمی[\u200c ]?کنم)(?![^\W\d_])"
)
# … about other medicines: "داروی دیگه‌ای نمیخورم", "چیزی مصرف نمی‌کنم"
_FA_OTHERS = re.compile(r"(?<![^\W\d_])(?:دیگه[\u200c ]?ای|دیگری|چیزی|هیچی|هیچ)(?![^\W\d_])")
_FA_GIVEN_THEN = re.compile(
    r"(?<![^\W\d_])(?:دادن|دادند|داده بودن|نوشتن|نوشتند|نوشته بودن|زدن|زده بودن|تزریق کردن)(?![^\W\d_])"
)
_FA_PAST_TIME = re.compile(
    r"(?<![^\W\d_])(?:پارسال|پیارسال|سال\s+(?:پیش|قبل)|ماه\s+(?:پیش|قبل)|بچگی\S*|بچه\s+بودم|قبلاً|قبلا|"
    r"اون\s+دفعه|دفعه[\u200cی ]*(?:ی\s+)?(?:قبل|پیش))(?![^\W\d_])"
)
# the second half of an adherence question, asking about a lapse: "…, ever missing it", "any doses missed"
_EVER_LAPSE = re.compile(
    r"\b(?:ever|any(?: doses?)?)\s+(?:miss\w*|forget\w*|skip\w*|doubl\w*|tak\w+ (?:extra|more|two)|run out)\b|"
    r"\bdoses? (?:missed|skipped|forgotten)\b",
    re.IGNORECASE,
)
# the doctor asking what changes the complaint: "anything make it worse or better?", "what helps?"
_WORSE_BETTER_Q = re.compile(
    r"\b(?:make|makes|making) (?:it|them|things) (?:worse|better)\b|\bwhat (?:helps|brings (?:it|them) on)\b|"
    r"\b(?:bring|brings|set|sets) (?:it|them) off\b|\btrigger|"
    # how the complaint bears on the day: "how much is it affecting you day to day", "how's it affecting work"
    r"\b(?:affect|affects|affecting|stopping you|stop you) ",
    re.IGNORECASE,
)
# the doctor recalling a medicine taken before: "you used to be on X", "you were on X before"
_USED_TO_BE_ON = re.compile(
    r"\b(?:you|he|she|they) (?:used to (?:be on|take|have)|were on|was on)\b(?![^.?!]*\b(?:still|now)\b)",
    re.IGNORECASE,
)
# how long a medicine was taken, said of the past ("i was on X for about a year", "for a while"): it ended
_COURSE_ENDED = re.compile(
    r"\s+(?:(?:tablets?|pills?)\s+)?for (?:about |around |maybe |roughly |nearly |almost |like )?"
    r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a few|a couple of|several|\d+) "
    r"(?:years?|months?|weeks?|while)\b|\s+for a (?:while|bit|time)\b",
    re.IGNORECASE,
)
_PAST_TIME = re.compile(
    r"\bwhen (?:i|he|she|they) (?:was|were)\b|\b(?:years?|months?) ago\b|\blast year\b|\bas a (?:kid|child|baby|teen\w*)\b",
    re.IGNORECASE,
)


def _proposes(text: str) -> bool:
    return bool(
        lx.CUES["plan"].search(text)
        or lx.PRESCRIBE.search(text)
        or lx.CUES["test"].search(text)
        or _OPTION.search(text)
    )


_TAKES = re.compile(
    r"\b(?:take|taking|took|use|using|on|prescribed)\b|می[\u200c ]?خورم|مصرف می[\u200c ]?کنم", re.I
)
# The doctor accepting a refusal: "That's fine, we'll skip it.", "باشه، مشکلی نیست"
_FA_ACCEPTS = re.compile(
    r"^\W*(?:باشه|چشم|خب|اوکی|آهان)[\s،,]+(?:پس\s+)?(?:نمی[\u200c ]?خواد|لازم نیست|قبول|حله|متوجه شدم|"
    r"امتحان می[\u200c ]?کنم|سعی(?:م)?(?:و|رو)? می[\u200c ]?کنم|هر ?چی (?:شما|خودتون) (?:بگید|بگین|صلاح بدونید))\W*$|"
    # the same without "باشه": "سعی می‌کنم...", "ولی قول نمی‌دم"
    r"^\W*(?:(?:ولی|اما)\s+)?(?:امتحان می[\u200c ]?کنم|سعی(?:م)?(?:و|رو)? می[\u200c ]?کنم|قول نمی[\u200c ]?دم)\W*$"
)
# tests named with when they are to be done: "blood work today, lipids, a1c", "labs before you leave"
_TESTS_WHEN = re.compile(
    r"\b(?:blood ?work|bloods|labs?|blood tests?|x-?rays?|imaging|scans?)\s+"
    r"(?:today|this (?:morning|afternoon|week)|tomorrow|next week|before you (?:leave|go))\b",
    re.IGNORECASE,
)
# a test the doctor will do, book or add, named by what it is or what it measures: "i'll do a stool test for
# h pylori", "i'll book a heart monitor you wear for two days", "we'll repeat the tsh in six weeks", "i'll add
# a ferritin to that", "i'd like to check your iron stores"
_TEST_DONE = re.compile(
    r"\b(?:do|book|arrange|order|organi[sz]e|add|repeat|check|request|get|take|send (?:off|you for))\b"
    r"(?:\s+(?:you|him|her|them))?(?:\s+(?:a|an|the|some|your|his|her|their|another))?(?:\s+[a-z]+){0,2}?\s+"
    r"(?:(?:blood|stool|urine|thyroid|sugar|liver|kidney|pregnancy|breath|hearing)\s+tests?|bloods|blood (?:work|count)|"
    r"tsh|ferritin|b ?12|a1c|hba1c|ecg|ekg|x-?rays?|scans?|ultrasound|mri|monitor|holter|swabs?|cultures?|"
    r"(?:iron )?stores|tracing)\b",
    re.IGNORECASE,
)
# a result told: a value, a verb of showing, or a reading of it
_RESULT_TOLD = re.compile(
    r"(?<!\w)\d|\b(?:shows?|showed|came back|come back|was|were|is|are|normal|abnormal|high|low|elevated|negative|"
    r"positive|unremarkable)\b",
    re.IGNORECASE,
)
# advice to call or come back on a condition: "if you see pus coming out of the ear, just give us a call",
# "if the neck swells quickly, come in sooner", "if it keeps happening, let us know"
_CALL_BACK_IF = re.compile(
    r"\b(?:if|unless|in case)\b.*\b(?:give (?:us|me) a call|call (?:us|me|the (?:office|clinic)|911|nine one one)|"
    r"let (?:us|me) know|come (?:back|in)(?: (?:sooner|earlier|right away|again))?|bring (?:him|her|them) (?:back|in)|"
    r"go (?:straight )?to (?:the )?(?:er|emergency\w*|urgent care))\b",
    re.IGNORECASE,
)
# a proposal in so many words: "i'd suggest starting sertraline", "that's another option, semaglutide"
_PROPOSAL = re.compile(
    r"\b(?:i(?:'d| would) (?:suggest|recommend)|i recommend|i suggest|(?:another|one|an) option is|"
    r"that's (?:another|an|one) option|we could (?:try|start|add|switch)|i(?:'d| would) like (?:you )?to (?:start|try|add))\b",
    re.IGNORECASE,
)
# the doctor arguing for a declined proposal again: "how about a one month trial", "would you be willing to
# just try it for a few weeks"
_ARGUES_AGAIN = re.compile(
    r"\b(?:how about|what about|what if we|would you (?:be willing|consider)|could (?:you|we) at least|"
    r"(?:just|at least) (?:try|give it)|(?:a|one|two|three|four|six) (?:\w+ )?(?:week|month)s? trial|a trial of)\b",
    re.IGNORECASE,
)
# the patient agreeing after all: "yeah, okay. i can try that.", "fine, a month then."
_AGREES_AFTER_ALL = re.compile(
    r"^\W*(?:(?:yes|yeah|yep|okay|ok|alright|all right|fine|sure|well)\b[\s,.!]*)*"
    r"(?:(?:yes|yeah|yep|okay|ok|alright|all right|fine|sure)\b|i (?:can|could|will|'ll) (?:try|do)|i'll give it|let's (?:do|try))",
    re.IGNORECASE,
)
_ACCEPTS = re.compile(
    r"^\W*(?:(?:that's|that is) (?:fine|ok(?:ay)?|alright|all right|no problem)|no problem|ok(?:ay)?|sure|"
    r"absolutely|of course|i understand|باشه|مشکلی نیست|اشکالی نداره)\b",
    re.IGNORECASE,
)
# "nothing more" to a question that names what is already known ("apart from the asthma", "besides the
# metformin", "any others"): the answer adds nothing.
_EXCEPT_Q = re.compile(lx.EXCEPTION + r"|\b(?:any others?|anything else)\b", re.I)
_NOTHING_MORE = re.compile(
    r"^\W*(?:(?:no|nope|nah|nothing else|none)\W+)?(?:just|only) (?:that|those|these|this|the one|them|the (?:\w+ )?one)\W*$|"
    r"^\W*(?:no|nope),? (?:nothing|none) (?:else|other)\W*$",
    re.IGNORECASE,
)
_LED_ANSWER = re.compile(
    r"^\W*" + lx.FA_LEAD_IN + r"(?:yes|yeah|yep|no|nope|never|not really|آره|بله|نه|خیر)\b", re.IGNORECASE
)
_CURRENT_USE = re.compile(
    r"\b(?:you(?:'re| are) (?:on|taking)|you take|you(?:'ve| have) been (?:on|taking)|(?:she|he)(?:'s| is) (?:on|taking)|"
    r"(?:she|he) takes|currently|still)\b|می[\u200c ]?خور(?:ید|ه|ن|ین)|مصرف می[\u200c ]?کن|استفاده می[\u200c ]?کن",
    re.IGNORECASE,
)
_PRESCRIBED_BEFORE = re.compile(
    r"\b(?:last time|previously|ago|we started|you were started|was started|had started|we put you on|"
    r"we had you on|the other doctor|your (?:gp|pcp|doctor) (?:started|put|gave))\b|دفعه قبل|قبلاً|قبلا|پارسال|"
    r"دکتر قبلی",
    re.IGNORECASE,
)
_PAST_OR_RECAP = re.compile(
    r"\b(?:finished|had|took|taken|was|were|previously|ago|last (?:year|month|week|time)|it says|"
    r"in the hospital|so you|your (?:current )?(?:medications|meds|medicines))\b|"
    r"(?<![^\W\d_])(?:پس|داروهاتون|داروهای|فعلی|فعلیتون|پارسال|قبلاً|قبلا|دفعه قبل)(?![^\W\d_])|"
    r"(?:می[\u200c ]?)?(?:کردید|کردی|بودید|بودی|بودن|زدید|خوردید|نوشته بودن)(?![^\W\d_])",
    re.IGNORECASE,
)
_AS_A_CAUSE = re.compile(
    r"\b(?:side effects?|caus\w*|because of|due to|worse(?:ned)?|reaction|from the|adding (?:to|some)|"
    r"contribut\w*|overuse|rebound|irritat\w*|making (?:it|things|that) worse)\b|عوارض|بدتر|باعث|به[\u200c ]?خاطر|بخاطر",
    re.IGNORECASE,
)


def _ordered(text: str, meds: list, lang: str, begun: bool = False) -> bool:
    """A doctor's verbless order: a medicine with its dose and how to take it (Persian; once the plan has
    ``begun``, how to take it is enough), or with a course in English ("amoxicillin 500 mg three times a
    day for 10 days"); never what is taken now."""
    if _CURRENT_USE.search(text) or _PAST_OR_RECAP.search(text):
        return False
    if lang == "fa":  # not "این قرص والسارتانه، هشتاد، شبا": what a medicine taken is
        return any(
            (m.dose or begun) and (m.frequency or m.duration) and not m.extra.get("named_as_is") for m in meds
        )
    return any(m.dose and m.duration for m in meds)


# A question whether the patient takes a medicine ("are you still taking the lisinopril?")
_TAKING_Q = re.compile(
    r"^(?!.*side effects?)(?:.*\b(?:tak(?:e|ing)|using|still on|are you on)\b|.*(?:مصرف|می[\u200c ]?خورید)|"
    r".*دارو\S*\s+(?:\S+\s+)?(?:دادید|دادین|می[\u200c ]?دید|می[\u200c ]?دین|می[\u200c ]?خوره|خورده))",
    re.IGNORECASE,
)
# A doctor's sentence about the patient's history (dictation or recap), not an explanation in general
_ABOUT_PATIENT = re.compile(
    r"\b(?:she|he|the patient|patient)\b|\b(?:denies|denied|endorses|endorsed|reports|reported|complains)\b|"
    r"\byou (?:have|had|'ve|mentioned|said|told|endorsed|noticed|reported)\b|"
    r"\b(?:presents|presenting|history of)\b|بیمار|شما",
    re.IGNORECASE,
)
# A doctor explaining a condition in general ("some people tend to get sinus infections", "it can cause
# nausea", "side effects like dizziness"): what it names is not what this patient reports
_GENERAL = re.compile(
    r"\b(?:people|patients|folks|everyone|everybody|anyone|anybody|someone|somebody)\b|"
    r"\b(?:can|could|may|might|will|tends? to|is known to)\s+(?:\w+\s+)?(?:cause|causes|lead to|result in|"
    r"give you|make you|bring on|trigger|present with|go along with)\b|"
    r"\b(?:side effects?|risks?|complications?) (?:of|like|such as|include|including|are)\b|"
    r"\b(?:watch (?:out )?for|look out for|keep an eye (?:out )?for)\b|"
    r"(?:معمولا|معمولاً|ممکن است|عوارض)",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|me|my|myself)\b|(?:من|م\b)", re.IGNORECASE)
# a symptom that lasted until a day now past: "i felt some tingling in my toes until about sunday
# afternoon", "the fever lasted until yesterday"
_UNTIL_PAST = re.compile(
    r"[^.;!?]{0,60}?\b(?:until|till|up until) (?:about |around |maybe |like )?(?:yesterday|last \w+|"
    r"this (?:morning|past \w+)|(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:a|one|two|three|a few|a couple of) "
    r"(?:days?|weeks?) ago)\b",
    re.IGNORECASE,
)

_HYPOTHETICAL = re.compile(
    r"(?<![\w'])(?:if|unless|in case|should you|watch for|wish|i hope|hoping)(?![\w'])|اگر|اگه", re.IGNORECASE
)
