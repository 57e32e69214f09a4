"""What each part of a visit is about: a section classifier over question→answer units.

The visit is cut into *segments* with the shared dialogue analysis (``soapify.nlp.dialogue``): one
segment per doctor question and its answer (the answer is the evidence), and one per sentence that
belongs to no question (a doctor's statement such as "The right ear drum is red and bulging" or a
patient's own account). Each segment's MiniLM vector (the mean of its sentences' vectors) goes
through a multinomial logistic regression that gives the probability of each note section
(``SECTIONS``: chief complaint, history of present illness, review of systems, ..., exam,
assessment, plan). The regression was trained on MTS-Dialog's training snippets, whose section
headers are the labels (``scripts/train_checklist.py``); the weights are a small ``.npz`` artifact.

A checklist item is tied to sections by its ``TopicProfile``: the starter items by
``data/item_topics.json`` (reviewed by hand, derivation in ``docs/CHECKLIST-QUALITY.md``); any other
item by classifying its own title, description and question with the same regression. Items that
share a section (smoking, alcohol and family history all live in FAM/SOCHX; medicines, tests and
follow-up in PLAN) also need one of their keywords in the segment: the keywords are hints, the
section decides.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from soapify.checklist.engines.base import is_persian
from soapify.checklist.engines.keywords import compile_group
from soapify.core.transcript import TranscriptView
from soapify.nlp.dialogue import analyse
from soapify.nlp.engines.extract import extract_vitals
from soapify.nlp.engines.lexicons import (
    DIAGNOSIS,
    DOSE_RE,
    DRUG_SUFFIX,
    DRUGS,
    FA_DOSAGE_FORM,
    FA_FINDING,
    FA_NOT_FINDING,
    FA_RELATIVE,
    FILLER_RE,
    HEDGED_ASSESSMENT,
    PART_COMPLAINT,
    SYMPTOM_RE,
    TOLD_DIAGNOSIS,
    is_pleasantry,
    stated_reason,
    told_diagnosis,
)

ARTIFACT_DIR = Path(__file__).resolve().parent.parent / "data"
ARTIFACT = ARTIFACT_DIR / "checklist_sections.npz"
ITEM_TOPICS = ARTIFACT_DIR / "item_topics.json"

SECTIONS = (
    "CC",
    "GENHX",
    "ROS",
    "PASTMEDICALHX",
    "PASTSURGICAL",
    "FAM/SOCHX",
    "MEDICATIONS",
    "ALLERGY",
    "EXAM",
    "RESULTS",
    "ASSESSMENT",
    "PLAN",
    "OTHER",
)

# MTS-Dialog's 20 headers folded into the sections above (rare ones together).
HEADER_TO_SECTION = {
    "CC": "CC",
    "GENHX": "GENHX",
    "ROS": "ROS",
    "PASTMEDICALHX": "PASTMEDICALHX",
    "PASTSURGICAL": "PASTSURGICAL",
    "FAM/SOCHX": "FAM/SOCHX",
    "MEDICATIONS": "MEDICATIONS",
    "ALLERGY": "ALLERGY",
    "EXAM": "EXAM",
    "LABS": "RESULTS",
    "IMAGING": "RESULTS",
    "PROCEDURES": "RESULTS",
    "ASSESSMENT": "ASSESSMENT",
    "DIAGNOSIS": "ASSESSMENT",
    "PLAN": "PLAN",
    "DISPOSITION": "PLAN",
    "EDCOURSE": "OTHER",
    "IMMUNIZATIONS": "OTHER",
    "GYNHX": "OTHER",
    "OTHER_HISTORY": "OTHER",
}


@dataclass(frozen=True, slots=True)
class Segment:
    """A question with its answer, or one sentence on its own; offsets into the transcript."""

    start: int
    end: int
    evidence: tuple[int, int]  # the answering sentences (a unit) or the sentence itself
    text: str  # what is classified: question + answer, or the sentence
    sentences: tuple[str, ...]  # the texts embedded (mean vector)
    role: str  # speaker of the evidence: doctor | patient | other
    question: bool  # a question left without an answer
    attribute: str | None = None  # the unit's attribute ("severity", ...) from the dialogue analysis
    polarity: str = "statement"
    # the questioner's sentence just before the question ("I have amlodipine and metformin." / "Is that right?"),
    # or, for a sentence on its own, the other speaker's question just before it ("when do I come back?")
    lead: str = ""
    # where the answered question ends (a unit that also holds the turn's earlier questions starts before it)
    asked_end: int = -1

    @property
    def says_something(self) -> bool:
        """False when the segment carries no topic: a sentence on its own of one word once fillers
        are gone ("uh-", "sure."), or only pleasantries ("how are you? I'm good, how about you?").
        Its section probabilities are the classifier's guess at noise, so it never decides an item.
        A question with a real answer counts however short ("any allergies?" / "no")."""
        if len(self.sentences) > 1 or self.question:
            return not all(is_pleasantry(s) for s in self.sentences)
        text = FILLER_RE.sub(" ", self.text)
        return len(_WORD.findall(text)) >= 2 and not is_pleasantry(text)


_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class ItemPart:
    """One part of what an item asks for (``parts`` of ``item_topics.json``): tobacco *and how much*, work *and*
    home, breathlessness *and* lying flat, a plan's medicine *and* its dose. Found by one of its ``terms``
    (keyword syntax, English and Persian side by side), its ``regex``, its ``patterns``, or, with ``denied``, an
    answer "no" ("do you smoke?" / "never" needs no amount); in the evidence itself or in the part's scope: the
    segments that decided the item; with ``anywhere``, any segment of the visit but a doctor's conditional
    advice; with ``reach``, the segment before the evidence's and ``reach`` after it; with ``doctor``, only the
    doctor's statements (the plan's dose, not the patient's list). With ``asked``, a doctor's statement never
    holds it (a leg examined is no orthopnoea asked, a plan's "go up to 0.5 mg" no radiation). ``unless``: the
    part is not asked for when the evidence holds one of these (no dose of a medicine stopped)."""

    name: str
    terms: re.Pattern | None = None
    regex: re.Pattern | None = None
    patterns: tuple[str, ...] = ()
    denied: bool = False
    anywhere: bool = False
    reach: int = 0
    doctor: bool = False
    asked: bool = False
    unless: re.Pattern | None = None


@functools.cache
def _item_topics_raw() -> dict:
    """``data/item_topics.json``, parsed once for the loaders below (parts, profiles, contexts)."""
    return json.loads(ITEM_TOPICS.read_text(encoding="utf-8"))


_item_parts: dict[str, tuple[ItemPart, ...]] | None = None


def item_parts() -> dict[str, tuple[ItemPart, ...]]:
    """What the starter items ask for in full (``parts`` of ``item_topics.json``), by item key."""
    global _item_parts
    with _lock:
        if _item_parts is None:
            raw = _item_topics_raw().get("parts", {})
            _item_parts = {key: _parts(list(v)) for key, v in raw.items()}
        return _item_parts


def _parts(raw: list[dict]) -> tuple[ItemPart, ...]:
    return tuple(
        ItemPart(
            name=str(p["name"]),
            terms=compile_group(list(p.get("terms", ()))),
            regex=re.compile(p["regex"], re.IGNORECASE) if p.get("regex") else None,
            patterns=tuple(p.get("patterns", ())),
            denied=bool(p.get("denied", False)),
            anywhere=bool(p.get("anywhere", False)),
            reach=int(p.get("reach", 0)),
            doctor=bool(p.get("doctor", False)),
            asked=bool(p.get("asked", False)),
            unless=compile_group(list(p.get("unless", ()))),
        )
        for p in raw
    )


@dataclass(frozen=True, slots=True)
class TopicProfile:
    sections: tuple[str, ...]
    needs_hint: bool = False  # the section alone is not enough: a keyword must be in the segment
    attributes: tuple[str, ...] = ()  # unit attributes that answer the item ("severity")
    roles: tuple[str, ...] = ()  # speakers whose statements count (empty: anyone)
    patterns: tuple[str, ...] = ()  # ``PATTERNS`` that count as the item's hint, whoever says them
    partial_patterns: tuple[str, ...] = ()  # ``PATTERNS`` that touch the item without covering it
    opening: int = 0  # when > 0, only the first ``opening`` segments of an accepted speaker count
    exclude: re.Pattern | None = None  # keyword terms (compiled) that void the item's keywords beside them
    statements_only: bool = False  # keywords in a question do not cover it (a diagnosis is said, not asked)
    unhinted_min: float = 0.0  # a segment without the item's keyword or pattern needs this section score
    decisive: tuple[str, ...] = ()  # ``PATTERNS`` that cover the item by themselves in a statement
    history: bool = (
        False  # the patient's history: a doctor's conditional advice ("if the pain gets severe …") is none
    )
    exclude_clause: bool = (
        False  # ``exclude`` terms void the keywords of their whole clause, not only beside them
    )
    named_condition: bool = False  # a keyword counts only beside a condition's name, not in a warning
    # keywords in a doctor's conditional advice, announced plan, test order or medicine change do not count
    not_in_advice: bool = False
    declined: bool = False  # keywords in a clause that declines them ("we don't need an MRI") do not count
    # words a prefix keyword also finds that mean something else ("label")
    not_words: re.Pattern | None = None
    # keywords in a doctor's reading of a result ("three months ago it was 7.5") do not count
    not_in_results: bool = False
    # keywords in a doctor's exam finding or told diagnosis do not count («ذات‌الریه‌ی خفیفه» is no symptom's severity)
    not_in_findings: bool = False
    # keywords in the patient's own Persian question do not count («صافی چای خوبه؟» asks, it agrees to nothing)
    not_in_patient_questions: bool = False
    # keywords in a question of how much the complaint troubles the patient, and in its answer, do not count ("is it
    # affecting your sleep?" / "sleep, yeah" is the complaint's severity, not a mood screen)
    not_as_impact: bool = False
    source: str = "map"  # "map" (item_topics.json) or "classified" (from the item's own text)


_RETURN = (
    r"(?:\b(?:come|coming|bring|brought|get|call|go|head|return|see|seek|back)\b.{0,40}?"
    r"\b(?:back|in|us|me|the (?:clinic|office|doctor|er|emergency\w*)|emergency\w*|urgent care|help|care|a doctor)\b"
    r"|\breturn\w*\b|\bfollow[- ]?up\b|\bcheck (?:in|back)\b|\brecheck\b|\bsee (?:you|him|her|them)\b)"
)
_FA_RETURN = r"(?:مراجعه|برگرد|برگردید|برگردین|بیا|بیاید|بیایید|بیارید|بیاورید|تماس|اورژانس|ببینم|ببینمت|ببینیمت|سر\s+بزن\S*)"
# a condition, also a list of signs to watch for: "things to watch for: fever, back pain, ..., call us"
_CONDITION = (
    r"(?:\b(?:if|unless|in case|should (?:he|she|it|you|the|they)|whenever|(?:watch|look) (?:out )?for|"
    r"warning signs?)\b)"
)
_FA_CONDITION = r"(?:اگر|اگه|در صورت|درصورت|چنانچه|هر وقت|هروقت)"
_INTERVAL = (
    r"(?:\b(?:in|after|within)\s+(?:a|an|one|two|three|four|five|six|seven|eight|ten|twelve|a few|a couple of|\d+)"
    r"(?:\s+(?:to|or)\s+\w+)?\s+(?:day|week|month|year)s?\b|\bnext (?:week|month|year|visit|time)\b"
    r"|\b(?:a|one|two|three|four|six)[- ](?:week|month)s?\b)"
)
_FA_INTERVAL = (
    r"(?:(?:[0-9۰-۹]+|یک|دو|سه|چهار|پنج|شش|شیش|هفت|هشت|ده|دوازده|پونزده|یه|چند)\s*(?:روز|هفته|ماه|سال)\s*(?:دیگر|دیگه|بعد)|"
    # «هفته‌ی بعد», «ماه آینده»
    r"(?:هفته|ماه)(?:\u200c?ی)?\s+(?:بعد|آینده))"
)

# a condition that names nothing to watch for: «اگه مشکلی بود», «اگر کاری داشتید», «اگه چیزی شد» (not when a sign
# follows: «اگه چیزی شد یا تب کرد …»)
_FA_VAGUE_CONDITION = (
    r"(?<![^\W\d_])(?:اگر|اگه)\s+(?:هر\s+)?(?:مشکلی|کاری|سوالی|سؤالی|چیزی)\s+(?:\S+\s+)?"
    r"(?:بود|داشتی\S*|داشتید|داشتین|شد|پیش\s+(?:اومد|آمد))(?![^\W\d_])(?!\s*(?:یا|و)\s)"
)
# a return asked for with no time: «یه سر دیگه هم بیا ببینمت», «دوباره بیاید ببینمتون», «بعداً یه سر بزن»; the
# follow-up touched, not arranged
_FA_UNTIMED_RETURN = re.compile(
    r"(?<![^\W\d_])(?:یه\s+سر(?:ی)?\s+(?:دیگه\s+|دیگر\s+)?(?:هم\s+)?(?:بیا|بیاید|بیاین|بیایید|بزن|بزنید|بزنین)|"
    r"(?:دوباره|بعدا|بعداً)\s+(?:هم\s+)?(?:بیا|بیاید|بیاین|بیایید)\s+ببینم|"
    r"(?:بیا|بیاید|بیاین|بیایید)\s+ببینم(?:ت|تون|ش)(?![^\W\d_]))"
)

_COURTESY = re.compile(
    r"\bif (?:you (?:need|have|want) (?:anything|any\w*|me|us|help)|there(?:'s| is) anything|anything (?:else )?comes up|"
    r"(?:that|this|it) (?:works|suits|is (?:ok|okay|fine|alright))|you(?:'d| would)? (?:prefer|like|want))\b"
    r"|اگر سوالی|اگه سوالی|اگر کاری|" + _FA_VAGUE_CONDITION,
    re.IGNORECASE,
)
_CONDITION_WORD = re.compile(rf"{_CONDITION}|{_FA_CONDITION}", re.IGNORECASE)
_FA_CONTACT = r"خبر بد(?:ید|ین|ه|هید)|زنگ بزن(?:ید|ین)?|تماس بگیر(?:ید|ین)?|" + _FA_RETURN
_FA_VAGUE_CONDITION_RE = re.compile(_FA_VAGUE_CONDITION)  # the strings stay for the patterns they join
_FA_CONTACT_RE = re.compile(_FA_CONTACT)

# Structural hints: how advice is phrased, whatever the words of the catalog's keyword lists.
PATTERNS: dict[str, re.Pattern[str]] = {
    # "bring him back if the fever lasts more than three days", "اگر تب ادامه داشت مراجعه کنید"
    "conditional_return": re.compile(
        rf"{_CONDITION}.*{_RETURN}|{_RETURN}.*{_CONDITION}|{_FA_CONDITION}.*{_FA_RETURN}", re.IGNORECASE
    ),
    # the same with urgency: "if your sugar is above 300, call us", "… go to the emergency room right
    # away", "اگر … فوراً مراجعه کنید": safety-net advice whatever else the sentence is about
    "urgent_return": re.compile(
        # not logistics: "if you need a refill, call us" ("don't wait for the appointment" is urgency, not logistics)
        r"^(?!.*\b(?:refills?|pharmacy|(?<!wait for the )(?<!wait for your )(?<!wait for an )appointments?|questions?|"
        r"paperwork|forms?|insurance)\b)"
        rf".*(?:{_CONDITION}|{_FA_CONDITION}).*(?:\b(?:right away|immediately|at once|straight away|call (?:us|me|911)|"
        # sooner than the visit planned: "if the neck swells quickly, come in sooner"
        r"(?:come|get|be seen|call)\b.{0,20}\b(?:sooner|earlier)|"
        # "go straight to the er", "take her to a and e", "don't wait for us"
        r"(?:go|come|get|head|take \w+)(?: \w+)? (?:straight |right |directly )?(?:to|into) (?:the |a |an )?"
        r"(?:er|e\.r|a ?& ?e|a and e|hospital|casualty)|don'?t wait|do not wait|"
        r"call nine[- ]one[- ]one|(?:an|the) ambulance|emergency|urgent care|tell the nurse|"
        r"(?:call|ring|phone|dial) (?:nine nine nine|999|one one one|111)|"
        r"(?:ring|phone) (?:us|me|the (?:surgery|practice|clinic|ward)) (?:straight away|right away|urgently|immediately|the same day))\b|فورا|فوراً|بلافاصله|"
        r"اورژانس|بیمارستان|معطل\s+نکن\S*|(?:سریع|زود)\s+(?:\S+\s+)?(?:بیا|مراجعه|بر|ببر))",
        re.IGNORECASE,
    ),
    # a condition with a call or word to the clinic: "if the sugar drops below 70, eat some sugar and let me know",
    # "اگه خیلی اذیت کرد بهم زنگ بزنید"; safety-net advice (logistics and courtesies are not: see below)
    "conditional_contact": re.compile(
        r"^(?!.*\b(?:refills?|pharmacy|appointments?|questions?|paperwork|forms?|insurance)\b)"
        rf".*(?:{_CONDITION}|{_FA_CONDITION}).*(?:\b(?:(?:call|ring|phone) (?:us|me|the (?:office|clinic|surgery|practice))|"
        r"let (?:me|us|the (?:office|clinic|surgery)) know|give (?:us|me) a (?:call|ring)|get in touch)\b|خبر بد(?:ید|ین|ه|هید)|زنگ بزن(?:ید|ین)?|تماس بگیر(?:ید|ین))",
        re.IGNORECASE,
    ),
    # "come back in two weeks", "see you next month", "دو هفته دیگر مراجعه کنید"
    "return_interval": re.compile(
        # «کی بیاریمش؟ / یه هفته دیگه»: the return asked, the interval answered
        rf"{_RETURN}.*{_INTERVAL}|{_INTERVAL}.*{_RETURN}|{_FA_INTERVAL}.*{_FA_RETURN}|{_FA_RETURN}.*{_FA_INTERVAL}",
        re.IGNORECASE,
    ),
}


# A return the doctor arranges, said with a verb of coming back or seeing again ("let's see him again
# in one week", "follow up in three months", "شش هفته دیگه دوباره ببینمتون"); "get better in the next
# week" or "bring your readings in over the next three weeks" only look like one.
_SCHEDULED = re.compile(
    r"\b(?:see (?:you|him|her|them)(?: (?:back|again))?|come (?:back|in again|see (?:me|us))|coming back|"
    r"bring (?:him|her|them) back|follow[- ]?up|return (?:visit|appointment|in)|check back|recheck)\b|"
    rf"{_FA_INTERVAL}.*(?:مراجعه|برگرد|بیا|ببینم|ببینیم|ویزیت|تماس|سر\s+بزن)|(?:مراجعه|برگرد|بیا|ببینم|ببینیم|ویزیت)\S*.*{_FA_INTERVAL}",
    re.IGNORECASE,
)
# a return after an event rather than an interval: «بعد از ام‌آر‌آی و ارتوپد، یه سر بیاید ببینم چی گفتن»,
# «جواب آزمایش که اومد بیارید ببینم»
_FA_EVENT_RETURN = re.compile(
    r"(?:بعد از|پس از)\s+[^.؟?!]{2,50}?[،,]?\s*(?:یه\s+سر(?:ی)?\s+|دوباره\s+)?(?:بیاید|بیاین|بیایید|بیا|سر بزنید|سر بزنین)(?![^\W\d_])|"
    r"(?<![^\W\d_])جواب\S*\s+(?:\S+\s+){0,3}?(?:که\s+)?(?:اومد|آمد|حاضر شد)\S*[،,]?\s*(?:بیارید|بیارین|بیاورید|بیاید|بیاین|بیار|بیا)(?![^\W\d_])"
)


# the patient's own reason in Persian, said in the first person: «اومدم برای قندم», «برای فشارم اومدم»; not
# «برای چی اومدی؟» (the question) nor a companion («با مادرم اومدم»)
_FA_CAME_FOR = re.compile(
    r"(?<![^\W\d_])(?:اومدم|آمدم|اومدیم|آمدیم)\s+(?:که\s+)?برای\s+(?!(?:چی|چه|چرا|این(?:که)?)(?![^\W\d_]))\S{2,}|"
    r"(?<![^\W\d_])برای\s+(?!(?:چی|چه|چرا)(?![^\W\d_]))[^\s،,.؛;?؟]{2,}(?:\s+[^\s،,.؛;?؟]+){0,2}?\s+"
    r"(?:اومدم|آمدم|اومدیم|آمدیم|خدمت رسیدم)(?![^\W\d_])|"
    # «اومدم آزمایشامو نشون بدم», «اومدم نسخه‌مو تمدید کنم»
    r"(?<![^\W\d_])(?:اومدم|آمدم|اومدیم|آمدیم)\s+(?:که\s+)?(?:\S+\s+){1,3}?(?:نشون\s+بدم|نشان\s+بدهم|تمدید\s+کنم|چک\s+کنم)"
    r"(?![^\W\d_])"
)


def pattern_hits(text: str) -> set[str]:
    """The ``PATTERNS`` a sentence shows. A courtesy ("call me if you need anything") is no
    conditional return; an interval inside the condition ("if the fever lasts 3 more days") is no
    scheduled return; ``scheduled_return`` is a return with an interval said with a verb of coming
    back or seeing again (a follow-up arranged)."""
    found: set[str] = set()
    if stated_reason(text) or _FA_CAME_FOR.search(text):  # "a 56-year-old man here with abnormal labs"
        found.add("reason_for_visit")
    courtesy = bool(_COURTESY.search(text))
    cond = PATTERNS["conditional_return"].search(text)
    if cond and not courtesy:
        found.add("conditional_return")
    elif not courtesy and PATTERNS["conditional_contact"].search(text):
        found.add("conditional_contact")  # word sent, no return: "… let me know", "… خبر بدید"
    if not courtesy and PATTERNS["urgent_return"].search(text):
        found.add("urgent_return")  # also without a verb of returning: "if you faint, call nine one one"
    interval = PATTERNS["return_interval"].search(text)
    if interval:
        first_condition = _CONDITION_WORD.search(text)
        if first_condition is None or not re.search(
            rf"{_INTERVAL}|{_FA_INTERVAL}", text[first_condition.start() :], re.IGNORECASE
        ):
            found.add("return_interval")
            if _SCHEDULED.search(text):
                found.add("scheduled_return")
    elif _FA_EVENT_RETURN.search(text) and not _CONDITION_WORD.search(text):
        found |= {"return_interval", "scheduled_return"}
    elif _FA_UNTIMED_RETURN.search(text) and not _CONDITION_WORD.search(text):
        found.add("untimed_return")
    if _FA_VAGUE_CONDITION_RE.search(text) and _FA_CONTACT_RE.search(text):
        found.add("courtesy_contact")  # «اگه مشکلی بود زنگ بزنید»: a door left open, no warning sign named
    return found


def segment_patterns(seg: Segment) -> set[str]:
    """The ``PATTERNS`` a segment shows, and what a segment says by who says it:

    * ``told_diagnosis``: a doctor's own statement that names a condition ("he has an ear
      infection", "this is a moderate asthma flare", "عفونت ویروسی است"; the notes engine's rule plus
      "this is / it looks like …", a child named as the subject, "Lily has an ear infection", and how
      well a known condition is controlled, "your diabetes is not as well controlled", "فشارتون
      هنوز کنترل نشده"), not a question and its answer ("do you have any lung disease?" / "no");
    * ``exam_finding``: a doctor's statement of what is heard, felt or seen on examination ("I hear
      wheezing on both sides", "the ear drum is red and bulging", "ریه‌ها صاف است");
    * ``vital_reading``: a doctor's statement reading a vital sign with its value (the notes
      engine's ``extract_vitals``: blood pressure, pulse, respiratory rate, temperature, SpO2;
      thresholds and conditions are not readings);
    * ``self_care_advice``: a doctor's advice on what to do or avoid that is not a medicine with its
      dose ("drink plenty of water", "شام رو سه ساعت قبل خواب بخور");
    * ``stated_duration``: the patient telling how long a complaint has lasted ("for the last three
      days it burns", "دو ماهه سر دلم می‌سوزه"), not how long a medicine has been taken;
    * ``stated_onset``: the patient telling when a complaint began, the time with the complaint ("I
      rolled my ankle playing basketball yesterday evening", "it started hurting two days ago"), not
      when a medicine was taken or an old operation done;
    * ``adherence_check``: a question whether a medicine is taken as it should be ("does he take
      the preventer inhaler every day?", "پروپرانولول رو مرتب می‌خورید؟");
    * the history in the patient's words (``_history_patterns``): ``stated_complaint`` (a symptom, a
      body part that hurts, a raised sugar: «کمرم خیلی درد می‌کنه», "my back is killing me"),
      ``stated_location`` ("pulling at her right ear", «زیر دلم»), ``stated_quality`` ("like a band",
      «نبض میزنه»), ``medicine_taken`` ("I gave her some tylenol", «ژلوفن خوردم», yes to "are you still
      taking the metformin?"), ``past_illness`` ("has she had ear infections before?", «سابقه سرطان؟»,
      "you were in hospital last month"), ``relative_illness`` ("my mom gets migraines", «مادرم دیابت
      داره»), ``elapsed_since_onset`` ("when did it start?" / "ten days ago": the duration so far),
      ``onset_since`` ("how long?" / "since they changed my pills"), ``stated_severity`` (a number
      answered to "zero to ten?", or how bad beside the complaint: «زیر دلم یه کم سنگینه، ولی نه زیاد»),
      ``doses_missed`` ("he skips the water pill some days", «تموم شده، دیگه نگرفتم»), ``occupation_told``
      («روزمزدم», «کار بانک»), ``self_harm_asked`` ("thoughts of hurting yourself?", «به آسیب زدن به
      خودتون فکر کردید؟»), ``modifying_factor`` ("is it worse
      at any time?", "when I stand up", «وقتی از جام پا میشم»);
    * the plan in a doctor's statement (``_plan_patterns``, not in conditional advice): ``test_planned``
      ("I'll send the urine for culture", «آزمایش سدیم و پتاسیم می‌نویسم») and ``drug_plan`` ("I'm going
      to stop the hydrochlorothiazide", «استامینوفن کدئین رو قطع کنید»).
    """
    found = pattern_hits(seg.text)
    if seg.role == "doctor" and seg.lead and _AHEAD.search(seg.text) and _RETURN_ASKED.search(seg.lead):
        found |= {"return_interval", "scheduled_return"}  # «کی بیاریمش؟» / «یه هفته دیگه، با جواب آزمایش»
    doctor = [t for t in _said_by(seg) if seg.role == "doctor"]
    patient = [t for t in _said_by(seg) if seg.role != "doctor"]
    statement = seg.role == "doctor" and len(seg.sentences) == 1 and not seg.question
    # a sign found on examination («دو طرف خس‌خس بازدمی هست») is no diagnosis told, unless judged as one
    if (
        statement
        and (told_diagnosis(seg.text) or _this_is_a_condition(seg.text) or _assessed_condition(seg.text))
        and (not _exam_finding(seg.text) or HEDGED_ASSESSMENT.search(seg.text) or _FA_JUDGED.search(seg.text))
        and not _only_ruled_out(seg.text)
    ):
        found.add("told_diagnosis")
    for text in doctor:
        if (_COURSE_EXPLAINED.search(text) and not _CONDITION_WORD.search(text)) or (
            _FA_THAT_IS.search(text) and names_condition(text)
        ):
            found.add("explains_condition")
        if _exam_finding(text):
            found.add("exam_finding")
        if vital_kinds(text):
            found.add("vital_reading")
        if _self_care_advice(text):
            found.add("self_care_advice")
    if any(_stated_duration(text) for text in patient):
        found.add("stated_duration")
    if any(_stated_onset(text) for text in patient):
        found.add("stated_onset")
    asked = seg.sentences[0] if len(seg.sentences) > 1 or seg.question else ""
    if asked and _ADHERENCE_Q.search(asked) and not _ANY_MEDICINE_FA.search(asked):
        found.add("adherence_check")
    found |= _history_patterns(seg, asked, patient)
    if _EYE_KIDNEY.search(seg.text):
        found.add("eye_kidney_checked")
    if _HOOKAH.search(seg.text):  # the colloquial «قلیون» the catalog (spelling «قلیان») does not list
        found.add("hookah_named")
    if seg.role == "doctor" and not seg.question:
        found |= _plan_patterns(seg.text)
        if (_RESULT_READ.search(seg.text) or _fa_result_read(seg.text)) and not _IF.search(seg.text):
            found.add("result_read")
        if _weighs_a_cause(seg.text):
            found.add("weighs_cause")
    questions = f"{seg.lead} {asked}".strip() if asked else ""
    if questions and not seg.question and seg.role != "doctor":
        if _UNDERSTANDING_Q.search(questions):
            found.add("understanding_checked")
        if _WARNING_SIGN_Q.search(questions):
            found.add("warning_sign_asked")
    return found


# the condition explained to the patient, its course: "most of these clear up by themselves in two or three days",
# "it usually settles on its own", "antibiotics only make a small difference", "that's not dangerous", "it's
# contagious", «خودش خوب میشه», «مسری», «آنتی‌بیوتیک لازم نداره»; «یعنی» with a condition (_FA_THAT_IS)
_COURSE_EXPLAINED = re.compile(
    r"\b(?:get|gets|getting) better on (?:its|it's) own\b|\bgo(?:es)? away on (?:its|it's) own\b|\bself[- ]limiting\b|"
    r"\b(?:is|it's|are) (?:contagious|catching)\b|\bantibiotics (?:won't|will not|don't|do not) (?:help|work)\b|"
    r"(?<![^\W\d_])(?:خود\s*به\s*خود|خودش\s+(?:\S+\s+)?خوب\s+می|مسری|واگیر|"
    r"آنتی[\s\u200c]?بیوتیک\s+(?:\S+\s+)?(?:لازم\s+نداره|لازم\s+نیست|اثر\s+نداره|فایده\s+نداره|کمک\s+نمی))|"
    r"\b(?:clear|settle|get better|gets better|improve|resolve|heal|go away|goes away|pass)\w*(?: up)?\b(?: \w+){0,3}? "
    r"(?:by (?:it|them|him|her)sel(?:f|ves)|on (?:its|their|his|her) own|without (?:antibiotics|treatment|medicine))\b|"
    r"\b(?:most|many) (?:of )?(?:these|them|cases|children|kids|people)\b[^.?!]{0,40}\b(?:clear|settle|get better|"
    r"improve|resolve|go away|heal)|\busually (?:clears?|settles?|gets? better|improves?|resolves?|goes away|heals?|lasts?)\b|"
    r"\b(?:it's|it is|this is|that's|that is) (?:not dangerous|nothing (?:serious|dangerous)|harmless|(?:very )?common)\b|"
    r"\bantibiotics (?:only )?(?:make|makes|don't|won't|do not|will not|aren't|are not)\b|"
    # "it should settle in a week or two", "this will clear up over the next few days"
    r"\b(?:should|will|tends to|tend to) (?:usually |probably |normally )?(?:settle|clear|get better|improve|resolve|heal|"
    r"go away|ease)\w*(?: up| down)?\b(?: \w+){0,2}? (?:in|within|over) (?:a|an|the|one|two|three|four|six|a few|\w+ or \w+)\b|"
    r"\b(?:it's|it is|this is|that's) (?:caused by|due to|because of) (?:a |the )?\w+",
    re.IGNORECASE,
)


def visit_patterns(segs: list[Segment], found: list[set[str]]) -> None:
    """Patterns of the whole visit, added in place to ``found`` (one set per segment):
    ``vital_readings`` when the doctor reads at least two different vital signs with their values
    (anywhere in the visit), on the segment(s) reading the most of them; ``exam_finding`` on what the
    doctor says once the examination has begun (``_examined``)."""
    _examined(segs, found)
    kinds = [
        vital_kinds(" ".join(_said_by(seg))) if "vital_reading" in f else set()
        for seg, f in zip(segs, found, strict=True)
    ]
    if len(set().union(*kinds)) >= 2:
        most = max(len(k) for k in kinds)
        for k, f in zip(kinds, found, strict=True):
            if k and len(k) == most:
                f.add("vital_readings")
    # "did you use them?" right after the medicines were named («یه شیاف داد و یه قرص» / «استفاده کردید؟») asks
    # whether what was given is taken, not which medicines
    for i in range(1, len(segs)):
        asked = segs[i].sentences[0] if len(segs[i].sentences) > 1 else ""
        if asked and _FA_USED_Q.match(asked) and names_drug(segs[i - 1].text):
            found[i].add("adherence_check")
    # the plan said back by the patient and confirmed by the doctor («یه بار دیگه بگم درسته؟ …» / «آفرین، دقیقاً»)
    for i in range(1, len(segs)):
        if segs[i].role != "doctor" or not _FA_CONFIRMED.match(segs[i].text):
            continue
        first = i  # the patient's own statements just before (an answer to a question says nothing back)
        while first > 0 and segs[first - 1].role != "doctor" and len(segs[first - 1].sentences) == 1:
            first -= 1
        said = " ".join(seg.text for seg in segs[first:i])
        if said and (_FA_SAY_BACK.search(said) or _plan_items(said) >= 2):
            for j in range(first, i + 1):
                found[j].add("understanding_checked")
    # a report at hand («جواب سونو رو دارید؟» / «آره، اینه», «آزمایشامم آوردم»): what the doctor reads out of it
    # next is a result read, though it names no test («سنگ ۶ میلی‌متری توی حالب راست … کلیه‌ی چپ طبیعیه»)
    for i, seg in enumerate(segs):
        if seg.polarity == "no" or not _FA_RESULT_AT_HAND.search(seg.text):
            continue
        for j in range(i + 1, min(i + 4, len(segs))):
            if segs[j].role == "doctor" and not segs[j].question and _reads_from_report(segs[j].text):
                found[j].add("result_read")


# the doctor starting the examination: "let's have a look", "let me listen to your chest", "i'll examine you now"; not a
# look at results or papers ("let me have a look at your bloods")
_EXAM_START = re.compile(
    r"\b(?:let me|let's|let us|i'll|i will|i'd like to|i want to|can i|could i|i'm going to|i am going to) (?:just |now )?"
    r"(?:have a (?:quick )?|take a (?:quick )?)?(?:look|listen|feel|examine)\b"
    r"(?! (?:at|through|over) (?:the|your|his|her|these|those) (?:\w+ )?(?:results?|bloods?|blood tests?|tests?|labs?|numbers|"
    r"readings|x-?rays?|scans?|notes|records?|letters?|list|medications?|medicines|chart|diary|log|sugars?|screen|"
    r"report|paperwork|forms?))",
    re.IGNORECASE,
)
#: how far (segments) after the start of the examination its findings are looked for
_EXAM_REACH = 8


def _examined(segs: list[Segment], found: list[set[str]]) -> None:
    """What the doctor states once the examination has begun is a finding, in whatever words ("so dry, red, slightly
    scaly patches on the wrists", "no blisters, nothing weeping"): each doctor statement after an English
    "let's have a look" (``_EXAM_START``), up to the next question asked by either speaker, that says something
    and is no request, plan, advice or diagnosis."""
    for i, seg in enumerate(segs):
        if seg.role != "doctor" or seg.question or not _EXAM_START.search(seg.text):
            continue
        for j in range(i + 1, min(i + 1 + _EXAM_REACH, len(segs))):
            after = segs[j]
            if after.question or len(after.sentences) > 1:
                break  # a question asked: the examination is over, or it never began
            if after.role != "doctor" or not after.says_something:
                continue
            text = after.text
            if _EXAM_REQUEST.search(text) or _EXAM_START.search(text) or states_the_plan(text):
                continue
            if _self_care_advice(text) or "told_diagnosis" in found[j]:
                continue
            found[j].add("exam_finding")


def _said_by(seg: Segment) -> tuple[str, ...]:
    """The sentences of the segment's speaker: the answer of a unit, or the statement itself."""
    if len(seg.sentences) > 1:
        return seg.sentences[1:]
    return () if seg.question else seg.sentences


_VITAL_KINDS = frozenset({"bp", "hr", "rr", "temperature", "spo2", "weight"})


def vital_kinds(text: str) -> set[str]:
    """The vital signs read with a value in ``text`` (not thresholds: "if the fever goes above 39")."""
    return {v.name for v in extract_vitals(text)} & _VITAL_KINDS


# "this is a moderate asthma flare", "it looks like a simple bladder infection", "that's a sprain";
# not "it's time for your flu shot" (a condition's name used for something else)
_THIS_IS = re.compile(
    r"\b(?:this|it|that)(?:'s| is| looks like| sounds like| seems like| seems to be| appears to be)\s|"
    # "what you're describing sounds like depression", "what I'm more suspicious of is a sprain"
    r"\bwhat you(?:'re| are) (?:describing|telling me) (?:sounds|looks|seems) like\s|"
    r"\bwhat (?:i'm|i am) (?:most |more )?(?:suspicious of|worried about|thinking(?: of)?) is\s",
    re.IGNORECASE,
)
_NOT_A_CONDITION = re.compile(
    r"\s*(?:shot|vaccine|jab|season|test|swab|clinic|medicine|medication|pill)s?\b", re.I
)
# only articles and describing words between: not "that is a good question about your diabetes"
_NOT_DESCRIBING = re.compile(
    r"\b(?:about|for|of|with|to|in|on|at|from|your|my|his|her|their|our|you|we|i|he|she|they|question|time|"
    r"thing|something|what|not|no)\b",
    re.IGNORECASE,
)


def _this_is_a_condition(text: str) -> bool:
    """ "This is / it looks like …" with a condition's name within the next six words of its clause."""
    return any(_condition_ahead(text, m.end()) for m in _THIS_IS.finditer(text))


# Conditions the notes engine's ``lexicons.DIAGNOSIS`` does not name yet (said the way it says the
# others: "you have early nerve damage", "این یه کشیدگی عضلانی کمره").
_MORE_CONDITIONS = re.compile(
    r"\b(?:nerve damage|kidney damage|h\.? ?pylori|helicobacter|sprain\w*|strain\w*|torn \w+|(?:tension|cluster|rebound|medication[- ]overuse)"
    r"(?:[- ]type)? headaches?)\b|کشیدگی|رگ[\s\u200c]?به[\s\u200c]?رگ|هلیکوباکتر|ذات[\s\u200c]?الریه|پنومونی|"
    # headache types: «سردرد تنشی», «سردرد خوشه‌ای», «سردرد ناشی از مصرف زیاد دارو»
    r"سردرد\s+(?:تنشی|عصبی|خوشه[\s\u200c]?ای|میگرنی|ناشی\s+از\s+(?:\S+\s+){0,2}?(?:دارو|مسکن)\S*)|"
    r"ضرب[\s\u200c]?دیدگی",
    re.IGNORECASE,
)
# The patient named as the subject: a name or a child ("so Lily has a right middle ear infection", "your
# son has croup"), not a parent, spouse or sibling (their conditions are family history).
_NAMED_HAS = re.compile(
    r"^\W*(?:(?:so|okay|ok|well|alright|now|and)\W+)*(?:your (?:son|daughter|baby|child|kid|boy|girl|little one)|"
    r"(?!(?:he|she|it|this|that|there|everyone|everybody|nobody|somebody|someone|who|which|what|mom|dad|mum|"
    r"mother|father|brother|sister|wife|husband|grandma|grandpa|everything|nothing|today|here|let)\b)[a-z]+)"
    r" (?:has|is)\s",
    re.IGNORECASE,
)
# "you have early nerve damage in your feet": the notes engine's form, for the conditions above
_YOU_HAVE = re.compile(
    r"\b(?:you|he|she|they) (?:have|has|'ve got|have got|probably have|likely have)\s", re.I
)
# How well a known condition is controlled is its assessment: "your diabetes is not as well controlled as
# before", "your blood pressure is still not under control", "فشارتون هنوز کنترل نشده", "قندتون کنترل نیست".
_CONTROL = re.compile(
    r"\b(?:your|his|her|their|the) (?:blood pressure|bp|diabetes|blood sugars?|sugars?|a1c|asthma|copd|cholesterol|"
    r"thyroid|reflux|hypertension|heart failure|epilepsy|seizures|migraines?)\b"
    r"(?: \w+){0,2}? (?:is|are|isn't|aren't|has been|have been|remains?)(?: \w+){0,3}? "
    r"(?:(?:well[- ]|poorly |better |not )?controlled|uncontrolled|under control|out of control|(?:not )?at goal)\b|"
    r"(?<![^\W\d_])(?:فشار|قند|دیابت|آسم|تیروئید|چربی|میگرن)[\w\u200c]*(?:\s+\S+){0,2}?\s+کنترل\s*"
    r"(?:نشده|شده|نیست|هست|است|ه|شدس|نمیشه)(?![^\W\d_])",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def finding_or_assessment(text: str) -> bool:
    """Whether a doctor's statement is an exam finding or tells a diagnosis (not the patient's history)."""
    return bool(
        _exam_finding(text)
        or told_diagnosis(text)
        or _this_is_a_condition(text)
        or _assessed_condition(text)
        or (_FA_JUDGED.search(text) and names_condition(text))
    )


def _assessed_condition(text: str) -> bool:
    """A doctor's assessment the notes engine's rules miss: a condition it does not know told the usual
    way, the patient named as the subject, or how well a known condition is controlled."""
    control = _CONTROL.search(text)
    if control and not _CONDITION_WORD.search(text, 0, control.start()):
        return True  # not "if your sugar is not controlled, call us"
    if FA_RELATIVE.search(text):
        return False
    if _MORE_CONDITIONS.search(text) and (
        (is_persian(text) and TOLD_DIAGNOSIS.search(text))
        or any(_condition_ahead(text, m.end()) for m in _YOU_HAVE.finditer(text))
    ):
        return True
    if is_persian(text) and any(_FA_COPULA.match(text, m.end()) for m in DIAGNOSIS.finditer(text)):
        return True  # «یه حمله‌ی متوسط آسمه که سرماخوردگی راش انداخته»
    m = _NAMED_HAS.match(text)
    return m is not None and _condition_ahead(text, m.end())


# a condition said not to be there: «به نظر شکستگی نیست», «عفونت نداره», «سنگ رد شد»
_FA_RULED_OUT_AFTER = re.compile(
    r"(?:\s+[^\s.،,؟?]+){0,2}?\s+(?:نیست|نیس|نداره|ندارید|نداری|ندارن|نشده|رد\s+(?:شد|میشه|می\u200cشه))(?![^\W\d_])"
)


def _only_ruled_out(text: str) -> bool:
    """Whether every condition a Persian sentence names is said not to be there (a fracture ruled out is
    no diagnosis stated)."""
    named = list(DIAGNOSIS.finditer(text))
    return is_persian(text) and bool(named) and all(_FA_RULED_OUT_AFTER.match(text, m.end()) for m in named)


# the spoken copula on a condition's name mid-sentence: «آسمه که …», «گاستروانتریته، …»
_FA_COPULA = re.compile(r"\u200c?(?:ه|ست|است)(?=\s+که\s|\s*[،,؛;.!]|\s*$)")


def names_condition(text: str) -> bool:
    """Whether ``text`` names a condition (the notes engine's list and the few it lacks)."""
    return bool(DIAGNOSIS.search(text) or _MORE_CONDITIONS.search(text))


def _condition_ahead(text: str, start: int) -> bool:
    """A condition's name within the next six describing words of the clause from ``start``."""
    clause = re.split(r"[,.;:!?]", text[start : start + 80], maxsplit=1)[0]
    dx = DIAGNOSIS.search(clause) or _MORE_CONDITIONS.search(clause)
    between = clause[: dx.start()] if dx else ""
    return (
        dx is not None
        and len(_WORD.findall(between)) <= 6
        and not _NOT_DESCRIBING.search(between)
        and not _NOT_A_CONDITION.match(clause, dx.end())
    )


_EXAM_FINDING = re.compile(
    # what the doctor hears or feels now ("i hear wheezing", "i don't appreciate any murmur"); not
    # "i hear you", "i hear an accent", "i hear someone had a birthday" (hearsay), "i appreciate when
    # patients ..." (thanks, not a finding)
    r"\bi (?:can |could |do |don't |do n't |do not |can't |ca n't |cannot )?hear (?:\w+ ){0,7}?(?:wheez\w*|"
    r"crackl\w*|murmurs?|rubs?|gallops?|clicks?|bruits?|stridor|rales|rhonchi|breath sounds|bowel sounds|"
    r"(?:heart|lung|breath|bowel) sounds|air (?:entry|movement))\b|"
    r"\bi (?:can |could |do |don't |do n't |do not |can't |ca n't |cannot )?(?:auscultate|palpate)\b(?=\s+\w)|"
    r"\bi (?:can |could |do |don't |do n't |do not |can't |ca n't |cannot )?appreciate (?:a|an|any|some|no|mild|"
    r"trace|\d+)\b|"
    # findings only an examination gives
    r"\b(?:crackles|rales|rhonchi|breath sounds|bowel sounds|air entry|air movement|clear to auscultation|"
    r"tender(?:ness)? (?:to|on) palpation|(?:no|without) (?:\w+ )?(?:edema|lymphadenopathy|murmurs?|wheez\w*|"
    r"crackles|rales|ulcers?|deformity|effusion)|(?:lungs?|heart|abdomen|belly|throat|tonsils|ear ?drums?|"
    r"tympanic membranes?|pupils|skin|wound|incision) (?:is|are|sounds?|looks?|feels?) (?:\w+ ){0,2}?(?:clear|"
    r"normal|soft|red|swollen|bulging|inflamed|regular|tender|benign|unremarkable|healthy|healing|warm|dry|intact)|"
    # what a neurological or vascular check finds: "reduced feeling on the monofilament", "absent reflexes"
    r"(?:reduced|decreased|diminished|absent|normal|intact) (?:feeling|sensation|reflexes|pulses|strength)|"
    r"(?:it's|it is|you're|you are) tender (?:over|at|on|along))\b",
    re.IGNORECASE,
)


# A Persian request to the patient ("دراز بکشید، پاتونو صاف بالا بیارید", "دهنتو باز کن"): the
# examination's instructions, whose words ("صاف": straight) only look like findings ("ریه‌ها صافه": clear).
_FA_REQUEST = re.compile(
    r"(?<![^\W\d_])(?:ب[\w\u200c]+(?:ید|ین)|[\w\u200c]+ (?:کنید|کنین|کن|بده|بدید|بدین))(?![^\W\d_])|دراز بکش|نفس عمیق"
)


# Persian findings over parts the notes engine's list lacks: "روی مثانه یه کم حساسیت هست", "ضربه به پهلوها درد
# نداره"
_FA_MORE_FINDING = re.compile(
    r"(?<![^\W\d_])(?:مثانه|پهلو|ناف|فک|کتف|لگن|ران|ساق|مهره)[\w\u200c]*(?:\s+\S+){0,4}?\s+"
    r"(?:حساسیت|حساس|درد|تورم|ورم|قرمزی)(?![^\W\d_])|"
    # a sign heard or seen, present or not: «دو طرف خس‌خس بازدمی هست», «توکشیدگی بین دنده‌ها ندارید», «رال نمی‌شنوم»
    r"(?<![^\W\d_])(?:خس[\s\u200c]?خس|ویز|رال|کراکل|توکشیدگی|سیانوز|نیستاگموس)[\w\u200c]*(?:\s+\S+){0,4}?\s+"
    r"(?:هست|است|داره|دارید|دارین|ندارید|ندارین|نداره|نیست|شنیده\S*|می[\s\u200c]?شنوم|نمی[\s\u200c]?شنوم)(?![^\W\d_])"
)


def _exam_finding(text: str) -> bool:
    if _EXAM_FINDING.search(text):
        return True
    return bool(
        (FA_FINDING.search(text) or _FA_MORE_FINDING.search(text))
        and not FA_NOT_FINDING.search(text)
        and not _FA_REQUEST.search(text)
    )


# A medicine with its dose is the medication plan, not self-care advice.
_MEDICINE = re.compile(
    rf"{DOSE_RE.pattern}|{DRUG_SUFFIX.pattern}|\b(?:mg|milligrams?|tablets?|pills?|capsules?|puffs?|doses?|"
    rf"antibiotics?|medicines?|medications?|prescri\w*)\b|{FA_DOSAGE_FORM}|میلی[\s\u200c]?گرم|دارو",
    re.IGNORECASE,
)
_ADVICE = re.compile(
    # an instruction opening its clause: "drink plenty of water", "and try to avoid spicy food"
    r"(?:^|[,;:.!]\s*|\b(?:and|so|also|please|just|then|okay|ok)\s+)(?:please\s+)?(?:try (?:not )?to\s+)?"
    r"(?:avoid|drink|rest(?! of\b)|elevate|raise|ice (?=it|the|your|that)|eat|limit|reduce|cut (?:down|back)|"
    r"stay (?:hydrated|active|home|off|away|out)|keep (?:\w+ ){0,3}(?:elevated|clean|dry|moving|hydrated|active)|"
    r"wear|lose (?:some )?weight|"
    r"(?:stop|quit) smoking|get (?:plenty|some rest|some sleep|enough|more)|sleep (?:with|on)|"
    r"(?:don't|do not|do n't) (?:eat|drink|lift|smoke|lie|scratch|push|strain|skip)|make sure (?:you |to )?"
    r"(?:drink|eat|rest|get|stay|keep|avoid|wash|use (?:the|a|your) spacer)|"
    # feeding a child: "give him plenty of fluids", "don't give her juice"
    r"(?:(?:don't|do not|do n't) )?give (?:him|her|them|the baby) (?:plenty|lots|small|frequent|extra|more|sips|"
    r"fluids|water|juice|soda|milk|food)|"
    # how to give a medicine, not which: "use the syringe, not a kitchen spoon", "finish the whole course"
    r"use (?:the|a) (?:syringe|spacer|dosing cup)|"
    # one thing in place of another, an old habit back: "use it instead of soap", "go back to the old washing powder"
    r"use (?:\w+ ){1,3}?(?:instead of|rather than)|(?:go|switch|change) back to (?:the|your) (?:old|usual|normal|previous)|"
    r"finish (?:the |all the |his |her )?(?:whole |entire |full )?"
    r"(?:course|antibiotics?|bottle))\b|"
    # said as advice: "you should avoid …", "it's important to drink …", "I want you to rest"
    r"\b(?:you (?:should|need to|must|have to)(?: also| really| just)?|it(?:'s| is) (?:important|best|a good idea) to|"
    # "i want you to", "i'd also like you to", "i would really like you to"
    r"i(?:'d| would)?(?: also| really| just)? (?:want|like|ask) you to|i recommend (?:that you )?)\s+(?:try to\s+)?"
    r"(?:also\s+)?(?:avoid|drink|rest|elevate|"
    r"eat|limit|reduce|cut|stay|keep|lose|stop smoking|quit smoking|exercise|walk|sleep|wear)\b",
    re.IGNORECASE,
)
# Persian advice: an imperative of eating, drinking, resting, avoiding, reducing, raising, walking …
_FA_ADVICE = re.compile(
    r"(?<![\u0600-\u06FF])(?:[بن](?:خور|نوش|خواب)(?:ید|ین)?|استراحت کن(?:ید|ین)?|پرهیز کن(?:ید|ین)?|"
    r"کم(?:ش|تر)? کن(?:ید|ین|ی)?|بالا (?:بیار|بذار|بگذار)(?:ید|ین)?|ترک کن(?:ید|ین|ی)?|ورزش کن(?:ید|ین)?|"
    r"پیاده[\s\u200c]?روی کن(?:ید|ین)?|راه برو(?:ید|ین)?|راه بر(?:ید|ین)|بشور(?:ید|ین)?|بشویید|"
    # heat, ice, stretching, not lying about: "کیسه آب گرم بذارید", "زیاد دراز نکشید"
    r"(?:آب گرم|یخ|کمپرس\S*) (?:بذار|بگذار)(?:ید|ین)?|دراز نکش(?:ید|ین)?|حرکات (?:کششی|ورزشی)|نرمش کن(?:ید|ین)?|"
    # a list of advice in short: "خواب منظم، قهوه کمتر"
    r"(?:قهوه|چای|نمک|شکر|شیرینی|سیگار|نوشابه|چربی|فست[\s\u200c]?فود|صفحه[\s\u200c]?نمایش|گوشی)\s+(?:کمتر|ممنوع)|"
    # the same list closing its clause with "little" or "no": «نمک کم، گوشت قرمز کمتر، نوشابه نه»
    r"(?:قهوه|چای|چایی|نمک|شکر|قند|شیرینی|سیگار|نوشابه|چربی|گوشت(?:\s+قرمز)?|سرخ[\s\u200c]?کردنی|ترشی|"
    r"فست[\s\u200c]?فود|غذای\s+بیرون|الکل|قلیون)\s+(?:کم|کمتر|ممنوع|نه)(?=\s*[،,.؛;!]|\s*$)|"
    r"(?:خواب|ورزش|غذا)\s+(?:منظم|کافی|سبک))"
    r"(?![\u0600-\u06FF])"
)


# how much to drink and how to get up: «روزی شیش هشت لیوان آب», «روزی دو لیتر آب», «اول یه دقیقه لبه‌ی تخت بشینه، بعد پا شه»
_FA_HABIT_ADVICE = re.compile(
    r"(?<![^\W\d_])(?:لیوان آب|لیتر آب|(?:اول|قبلش)\s+(?:\S+\s+){0,4}?بشین(?:ه|ید|ین)?|آروم(?:\s+آروم)?\s+بلند ش\S*)"
    r"(?![^\W\d_])"
)


# Persian feeding advice to a parent, "give" or "don't give" with food or drink: "غذای معمولیشو بدید،
# فقط آبمیوه و نوشابه ندید"
_FA_FEEDING = re.compile(
    r"(?<![^\W\d_])(?:غذا|آبمیوه|نوشابه|مایعات|شیر|آب|چای|میوه|سوپ|ماست|شیرینی|نمک|روغن|چیپس|فست[\s\u200c]?فود)"
    r"[\w\u200c]*(?:\s+\S+){0,4}?\s+(?:بدید|بدین|بدهید|ندید|ندین|ندهید|بده|نده)(?![^\W\d_])"
)
# The examination's instructions, not advice: "lie back and raise your leg", "دراز بکشید، پاتونو بالا بیارید"
_EXAM_REQUEST = re.compile(
    r"\b(?:lie (?:down|back|flat)|take a (?:deep|big) breath|open (?:your|his|her) mouth|say ah+|squeeze my|"
    r"push against|follow my finger|bend (?:forward|over)|for me)\b|دراز بکش|نفس عمیق|دهن\S* (?:رو |را )?باز|بگید آ|بگو آ",
    re.IGNORECASE,
)


def _self_care_advice(text: str) -> bool:
    if _MEDICINE.search(text) or any(w in DRUGS for w in _WORD.findall(text.lower())):
        return False
    if _EXAM_REQUEST.search(text):
        return False
    return bool(
        _ADVICE.search(text)
        or _FA_ADVICE.search(text)
        or _FA_FEEDING.search(text)
        or _FA_HABIT_ADVICE.search(text)
    )


_DURATION_EN = re.compile(
    r"\b(?:for (?:the )?(?:last |past )?|(?:(?:in|over|for) )?the (?:last|past) )(?:about |around |almost |nearly |"
    r"over |like |maybe )?"
    r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|a couple(?: of)?|couple(?: of)?|"
    r"few|several|\d+)"
    r"(?: or \w+)? (?:hours?|days?|nights?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)
# "دو ماهه سر دلم می‌سوزه", "سه روزه تب دارم", "یه هفته‌ست", «سه روز است که …», «یه هفته‌ای میشه», «ده روزی
# هست»; not an age ("هفت ساله")
_DURATION_FA = re.compile(
    r"(?<![\u0600-\u06FF])(?:[0-9۰-۹]+|یک|یه|دو|سه|چهار|پنج|شش|شیش|هفت|هشت|ده|چند)\s*"
    r"(?:روزه|ماهه|هفته[\s\u200c]?(?:است|ست)|(?:روز|هفته|ماه|سال)(?:[\s\u200c]?ای|ی)?\s*"
    r"(?:است|ست|هست|میشه|می[\s\u200c]?شه|می[\s\u200c]?شود))(?![\u0600-\u06FF])"
)
# how long a medicine has been taken, or a job or a home: not the complaint
_NOT_A_COMPLAINT = re.compile(
    r"\b(?:tak(?:e|es|ing)|took|on (?:it|them)|work\w*|job|live[ds]?|living|married|together|widowed|divorced|"
    r"retired|unemployed|employed|school|college|smok\w*|drink\w*|dry|sober|quit|been using|treated|therapy|"
    r"kept (?:me|him|her)|stayed|improved|felt (?:good|fine|great|better)|twice|once a day|times a day|stopped)\b|"
    r"می[\s\u200c]?خورم|مصرف|کار می|زندگی|روزی\s+\S+\s+بار|قطع\S*\s+کرد|ترک\s+کرد|گذاشتم کنار",
    re.IGNORECASE,
)


# how long an episode lasts, told: «یه ربع طول کشید», «نیم ساعتی طول میکشه»
_EPISODE_FA = re.compile(r"(?<![^\W\d_])(?:دقیقه|ساعت|ربع|ثانیه)\S*\s+(?:\S+\s+)?طول\s+(?:می[\s\u200c]?)?کش")


def _stated_duration(text: str) -> bool:
    if _NOT_A_COMPLAINT.search(text) or _MEDICINE.search(text):
        return False
    return bool(_DURATION_EN.search(text) or _DURATION_FA.search(text) or _EPISODE_FA.search(text))


# English only: Persian says it with the onset item's own keywords ("از دیروز", "دو روز پیش")
_ONSET_TIME = re.compile(
    r"\b(?:yesterday|last night|this (?:morning|afternoon|evening)|(?:a|an|one|two|three|four|five|six|seven|eight|"
    r"nine|ten|a few|a couple(?: of)?|several|\d+) (?:hours?|days?|nights?|weeks?|months?|years?) ago|"
    r"(?:on|since|last) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"\b(?:pain\w*|hurt\w*|ach\w*|sore|swell\w*|swollen|rolled|twisted|sprained|fell|injur\w*|started|began|"
    r"came on|noticed|woke up|fever\w*|cough\w*|vomit\w*|threw up|rash|bleed\w*|dizz\w*|itch\w*|numb\w*)\b",
    re.IGNORECASE,
)
# an old operation, illness or fracture is history, not the onset of today's complaint
_PAST_EVENT = re.compile(
    r"\b(?:surger\w*|operat\w*|diagnosed|broke|fractured|had (?:a|an|my))\b", re.IGNORECASE
)


# Persian: «دیشب موقع خواب یهو قفسه سینه‌م تیر کشید», «از دو روز پیش گلوم درد میکنه»; not an old operation or
# a diagnosis years ago («پنج سال پیش عمل کردم»)
_FA_ONSET_TIME = re.compile(
    r"(?<![^\W\d_])(?:دیشب|دیروز|پریروز|امروز\s+صبح|امروز\s+ظهر|(?:[0-9۰-۹]+|یه|یک|دو|سه|چهار|پنج|شش|شیش|هفت|چند)\s*"
    r"(?:روز|هفته|ساعت)\s+پیش|هفته\s+(?:پیش|قبل)|یهو|ناگهان\S*)(?![^\W\d_])"
)
_FA_PAST_EVENT = re.compile(r"(?<![^\W\d_])(?:عمل|جراحی|بستری|تشخیص|سزارین|زایمان|تصادف\s+کردم\s+سال)")


def _stated_onset(text: str) -> bool:
    if _NOT_A_COMPLAINT.search(text) or _MEDICINE.search(text) or _PAST_EVENT.search(text):
        return False
    if is_persian(text):
        return bool(
            _FA_ONSET_TIME.search(text) and _stated_complaint(text) and not _FA_PAST_EVENT.search(text)
        )
    return bool(_ONSET_TIME.search(text) and _COMPLAINT.search(text))


_ADHERENCE_Q = re.compile(
    r"\b(?:do|does|did|are|is|have|has)\s+(?:you|he|she|they)\s+(?:\w+\s+){0,2}?(?:take|taking|use|using)\b"
    r"[^?]*\b(?:every ?day|daily|regularly|each day|every (?:night|morning)|as (?:prescribed|directed)|"
    r"consistently|on a regular basis|(?:once|twice|three times|\w+ times) a day|as you should|"
    r"(?:like|as) (?:you're|you are|he's|she's) (?:supposed|meant) to)\b"
    r"(?! (?:medications?|medicines?|meds|supplements?|pills?|vitamins?)\b)|"
    # "are you managing to take it twice a day?", "have you been able to use the inhaler?"
    r"\b(?:managing|manage|able) to (?:take|use|remember)\b|"
    r"(?:مرتب|منظم|هر روز|سر وقت|سروقت|هنوز)\s+(?:\S+\s+)?(?:می[\s\u200c]?(?:خور|زن)|مصرف|استفاده)|"
    # «قرصاتو جا نمیندازی؟», «یادت میره بخوری؟», «دوزی فراموش میشه؟»
    r"(?<![^\W\d_])(?:جا\s+(?:نمی|می)[\s\u200c]?نداز|یادت\s+(?:می|نمی)[\s\u200c]?ره|فراموش\s+(?:می|نمی)[\s\u200c]?(?:کن|ش))",
    re.IGNORECASE,
)

#: "any (other) medicine regularly?" asks which medicines are taken, not whether they are taken as they should be:
#: «داروی دیگه‌ای به‌طور مرتب مصرف می‌کنی؟», «دارویی مرتب می‌خورید؟», «چه داروهایی هر روز می‌خوری؟»
_ANY_MEDICINE_FA = re.compile(
    r"(?<![^\W\d_])(?:(?:دارو|قرص)(?:ی|های)?\s+(?:دیگه|دیگر)[\s\u200c]*ای|دارویی|قرصی|"
    r"چه\s+(?:دارو|قرص)\S*|(?:دارو|قرص)(?:ی|های)?\s+(?:خاصی|خاص))(?![^\W\d_])"
)

# --- the history in the patient's words and the plan in the doctor's (thirteenth session) -------------

#: a question about the last time something happened, not about when the complaint began ("when was your
#: last period?")
LAST_TIME = re.compile(
    r"\b(?:when (?:was|is|were|did) (?:your|his|her|their|the|you|he|she) last|last (?:time|period|menstrua\w*|"
    r"visit|appointment|dose|meal|checkup|check-up))\b|آخرین|دفعه آخر|بار آخر|پریود|قاعدگی",
    re.IGNORECASE,
)
# a raised or low sugar or pressure told as the complaint: "قندم این چند وقت یه کم بالا بوده"
_RAISED = re.compile(
    r"\bmy (?:blood )?(?:sugars?|pressure|bp|numbers)\b(?: \w+){0,3}? (?:high|up|low|all over the place)\b|"
    r"(?<![^\W\d_])(?:قند|فشار)(?:م|ش|مون|تون|ش)?(?:\s+\S+){0,5}?\s+(?:بالا|پایین)(?![^\W\d_])",
    re.IGNORECASE,
)
# a Persian symptom with a verb of having it: "سوزش دارم", "اسهال داره", "تب کرده", «سرگیجه دارید»; or said the
# colloquial way: «نفسم تنگه», «سرم گیج می‌ره», «حالم خوب نیست»
_FA_COMPLAINT = re.compile(
    r"(?<![^\W\d_])(?:نفس(?:م|ش|مون)\s+(?:\S+\s+)?(?:تنگ|بند|بالا نمیاد)|(?:سرم|سرش)\s+گیج|"
    # an own body part that feels wrong: «سینه‌م یه جوری میشه», «وسط سینه‌م سنگین میشه», «قلبم تند میزنه»
    r"(?:سینه|قفسه\s+سینه|شکم|معده|دل|سر|کمر|گلو|زانو|پا|پاها|دست|دستا|گوش|چشم|چشما|گردن|قلب|پهلو)\u200c?(?:م|ش)\s+"
    r"(?:\S+\s+)?(?:سنگین|یه\s*جوری|یجوری|سفت|داغ|اذیت|گز\s*گز|سوزن\s*سوزن|بی[\s\u200c]?حس|تند\s+می[\s\u200c]?زن|"
    r"تیر\s+(?:می[\s\u200c]?)?کش|درد\s+(?:گرفت|کرد)|می[\s\u200c]?سوز|میسوز|سوخت|فشار)|"
    r"حال(?:م|ش)\s+(?:بده|خوب نیست|خوش نیست))|"
    r"(?<![^\W\d_])(?:درد|سوزش|خارش|ورم|تورم|تب|سرفه|اسهال|استفراغ|تهوع|سرگیجه|بی[\s\u200c]?حسی|ضعف|خونریزی|کهیر|"
    r"دل[\s\u200c]?درد|سردرد|گلودرد|کمردرد|گوش[\s\u200c]?درد|دندون[\s\u200c]?درد|تنگی نفس|لکه|زخم|جوش)[\w\u200c]*"
    r"\s+(?:\S+\s+)?(?:دارم|داره|دارد|داریم|دارید|دارین|داشتم|کرده|کردم|گرفتم|گرفته|می[\s\u200c]?کن\S*|میکن\S*)"
    r"(?![^\W\d_])"
)
# a pronoun of the patient (or a parent's child): not small talk ("cold out there today, huh")
_PERSONAL = re.compile(r"\b(?:i|i'm|i've|my|me|she|she's|her|he|he's|his|we|we've)\b", re.IGNORECASE)


def _stated_complaint(text: str) -> bool:
    """The patient telling what is wrong: a symptom, a body part that hurts, a raised sugar or pressure."""
    if is_persian(text):
        return bool(
            SYMPTOM_RE.search(text)
            or PART_COMPLAINT.search(text)
            or _FA_COMPLAINT.search(text)
            or _RAISED.search(text)
        )
    return bool(_PERSONAL.search(text)) and bool(
        SYMPTOM_RE.search(text) or PART_COMPLAINT.search(text) or _RAISED.search(text)
    )


# the patient taking a medicine now: "I gave her some tylenol", "I've been taking advil", "ژلوفن خوردم";
# not "they gave her amoxicillin" (a past episode's treatment)
_TAKEN = re.compile(
    r"\b(?:i|we|she|he)(?:'m|'re|'s|'ve| am| are| is| have| has)?(?: been| also| just| only| already)? "
    r"(?:take|takes|taking|took|tried|gave|give|giving|use|uses|using|used|started)\b|\b(?:i'm|she's|he's|i am|she is|he is) on\b|"
    r"(?<![^\W\d_])(?:خوردم|می[\s\u200c]?خورم|دادم|می[\s\u200c]?دم|مصرف می[\s\u200c]?کنم|مصرف کردم|زدم|می[\s\u200c]?زنم|"
    r"استفاده می[\s\u200c]?کنم|استفاده کردم)(?![^\W\d_])",
    re.IGNORECASE,
)
# a question about what is taken or tried: "what have you been taking?", "are you still taking the metformin?",
# "چی خوردین تا حالا؟", "برای سردرد چی میخورید؟"
_TAKING_Q = re.compile(
    r"\b(?:what|which|anything|any)\b[^?]*\b(?:taking|take|taken|tried|try|given|give|using|use)\b|"
    r"\bstill (?:taking|on)\b|\b(?:are|is) (?:you|she|he|they) (?:taking|on)\b|"
    # the list read back: "I have furosemide forty once a day, carvedilol ... Is that right?"
    r"\b(?:i have|i've got|i see|you're on|you are on|(?:he's|she's|he is|she is) on)\b|"
    r"(?<![^\W\d_])(?:چی|چه)(?:\s+\S+){0,2}?\s+(?:خوردی\S*|می[\s\u200c]?خور\S*|میخور\S*|مصرف\S*|دادی\S*|زدی\S*)|"
    # "متفورمین رو چطوری مصرف می‌کنید؟", "آتورواستاتین هم میخورید؟"
    r"(?:مصرف می[\s\u200c]?کنی\S*|می[\s\u200c]?خوری\S*|میخوری\S*|می[\s\u200c]?زنی\S*|دارید|دارین|زدید|زدین|"
    r"خوردید|خوردین)\s*[؟?]",
    re.IGNORECASE,
)
_ALLERGY_WORDS = re.compile(r"\b(?:allerg\w*|reactions?|rash|hives)\b|حساسیت|آلرژی|کهیر", re.IGNORECASE)
_TOKEN = re.compile(r"[\w\u200c]+")


def names_drug(text: str) -> bool:
    """Whether ``text`` names a medicine (the notes engine's list or a drug-class ending)."""
    return bool(DRUG_SUFFIX.search(text)) or any(w in DRUGS for w in _TOKEN.findall(text.lower()))


# a question about an illness before: "has she had ear infections before?", "how many of these have you had?",
# "any stomach ulcers or kidney problems?", "قبلا عفونت ادراری داشتید؟", "سابقه سرطان؟", "دیابت یا مشکل کلیه؟"
_PAST_ILLNESS_Q = re.compile(
    r"\b(?:ha(?:ve|s)|did) (?:you|she|he|they) (?:ever )?(?:had|been (?:diagnosed|treated|told|admitted))\b[^?]*"
    r"\b(?:before|previously|in the past)\b|"
    r"\bhow many (?:of these|times|episodes)\b[^?]*\bhad\b|"
    # "has anything like this happened before?", "ever had anything like that in the past?"
    r"\b(?:anything|something) like (?:this|that)\b[^?]*\b(?:before|previously|in the past)\b|"
    r"\bever been (?:diagnosed|told|hospitali[sz]ed|admitted)\b|"
    r"\b(?:any|a) (?:past |prior |previous )?history of\b|"
    # "do you have any other health problems?", "any long-term medical conditions?"
    r"\b(?:any|do you have|does (?:she|he) have|have you got)\b(?: \w+){0,3}? (?:health|medical) (?:problems?|conditions?|"
    r"issues?)\b|\b(?:other|ongoing|long[- ]term) (?:health|medical) (?:problems?|conditions?|issues?)\b|"
    r"\b(?:any|do you have|does (?:she|he) have)\b[^?]*\b(?:diabetes|high blood pressure|hypertension|asthma|"
    r"(?:kidney|heart|liver|lung|thyroid) (?:problems?|disease|issues?)|ulcers?|cancer)\b|"
    r"(?<![^\W\d_])(?:قبلا|قبلاً|تا حالا|تاحالا)(?:\s+\S+){0,4}?\s+(?:داشتی\S*|شدی\S*|گرفتی\S*|بستری\S*|"
    r"شده بودی\S*)|"
    r"(?<![^\W\d_])سابقه(?!\s+(?:خانوادگی|فامیلی))|"
    r"(?<![^\W\d_])(?:دیابت|فشار خون|مشکل (?:کلیه|قلب|کبد|تیروئید|ریه)|بیماری (?:قلبی|کلیوی|خاص|زمینه\S*)|آسم|سرطان|"
    r"تیروئید)(?![^\W\d_])[^؟?]*[؟?]|"
    # the colloquial list: «فشار، قند، چربی داری؟»
    r"(?<![^\W\d_])(?:فشار|قند|چربی)(?![^\W\d_])[^؟?]{0,20}?(?:داری|دارید|دارین|نداری|ندارید|ندارین)\s*[؟?]",
    re.IGNORECASE,
)
_NOT_OWN_ILLNESS = re.compile(
    r"\b(?:family|mother|father|mom|dad|parents|siblings|relatives|surger\w*|operations?)\b|خانواد|فامیل|عمل|جراحی|"
    r"(?<![^\W\d_])(?:پدر|مادر|بابا|مامان|برادر|خواهر|داداش|آبجی|پدربزرگ|مادربزرگ|عمو|عمه|خاله|دایی)",
    re.IGNORECASE,
)
# a stay in hospital told by the doctor: "you were in hospital last month for the heart rhythm"
_HOSPITAL_STAY = re.compile(
    r"\b(?:you|she|he) (?:were|was|have been|has been) (?:in (?:the )?hospital|hospitali[sz]ed|admitted)\b|"
    r"(?<![^\W\d_])بستری (?:بودید|بودین|بوده|شدید|شدین|شده)",
    re.IGNORECASE,
)
# a blood relative's illness: "my mom gets migraines", "مادرم دیابت داره"; not a spouse, a child or a sick
# contact ("my mom had it too")
_RELATIVE_ILL = re.compile(
    r"\bmy (?:mom|mother|mum|dad|father|parents?|brothers?|sisters?|siblings?|grandma|grandmother|grandpa|grandfather|"
    r"aunts?|uncles?|cousins?)(?: \w+){0,2}? (?:gets|got|has|had|have|suffers|suffered|was diagnosed|were diagnosed|"
    r"died|passed away)\b(?! (?:to|it|that|this|the same)\b)|"
    r"(?<![^\W\d_])(?:پدر|مادر|برادر|خواهر|پدربزرگ|مادربزرگ|عمو|عمه|خاله|دایی|مامان|بابا|داداش|آبجی)(?:م|ش|تون|تان)?"
    r"(?:\s+\S+){0,4}?\s+(?:داره|دارد|دارن|داشت|داشته|داشتن|گرفت|گرفته|مبتلا\S*|فوت کرد\S*|سکته کرد\S*)(?![^\W\d_])",
    re.IGNORECASE,
)
# where it is, in the patient's words: "my back is killing me", "pulling at her right ear", "into my right butt
# cheek", "a band across my forehead", "کمرم درد می‌کنه", "زیر دلم یه کم سنگینه"
_SITE = (
    r"(?:back|ears?|eyes?|arms?|legs?|knees?|hips?|shoulders?|feet|foot|hands?|chest|belly|abdomen|stomach|head|"
    r"forehead|temples?|butt(?: cheek)?|buttocks?|groin|flank|neck|toes?|fingers?|throat|thigh|calf|wrist|ankle|jaw|side|"
    r"ribs?|breastbone|sternum|tummy|belly button|navel|pelvis|heel|elbow|armpit|face|cheek|nose|teeth|tooth|scalp)"
)
_LOCATION = re.compile(
    rf"\b(?:my|her|his|the|your) (?:right|left|lower|upper|low|middle|mid|inner|outer) {_SITE}\b|"
    rf"\b(?:in|into|down|across|around|behind|over|at|under|below|above|beneath|between|up to) (?:my|her|his|the|both) "
    rf"(?:\w+ ){{0,3}}?{_SITE}\b(?! of\b)|"
    # the side told after the part: "holding his ear, the right one"
    rf"\b{_SITE}\b,? (?:the|on the) (?:right|left)(?: one| side)?\b|"
    r"(?<![^\W\d_])(?:زیر|بالای|پشت|جلوی|کنار|وسط|پایین|دور)\s+(?:دل|شکم|ناف|ران|سر|گوش|چشم|کمر|گردن|سینه|زانو|پا|"
    r"دست|کتف|شونه|شانه|معده|مقعد)|(?<![^\W\d_])(?:سمت|طرف)\s+(?:راست|چپ)|(?<![^\W\d_])شقیقه|"
    # «به بازوی چپم میزد», «قفسه سینه‌م تیر کشید»
    r"(?<![^\W\d_])(?:بازو|دست|پا|زانو|شونه|شانه|کتف|گوش|چشم|پهلو|ران|مچ)(?:ی)?\s+(?:چپ|راست)|"
    r"(?<![^\W\d_])(?:قفسه\s+)?سینه\u200c?(?:م|ش)\s+(?:\S+\s+)?(?:تیر|درد|سنگین|فشار|می[\s\u200c]?سوز)",
    re.IGNORECASE,
)
# where it is, asked: "show me where", "where do you feel it?", "which side?"; not where one works or lives
_LOCATION_Q = re.compile(
    r"^(?![^?]*\b(?:work|live|living|born|from|stay\w*|travel\w*|school|buy|get (?:it|them))\b)"
    r"[^?]*\b(?:(?:show|tell) me where|point to (?:where|it)|whereabouts|"
    r"where(?:'s| is) (?:it|that|the (?:\w+ )?(?:pain|ache|rash|lump|swelling|soreness|tenderness|itch))|"
    r"where (?:does|did) (?:it|that|the (?:\w+ )?pain)(?: \w+)?|where do you (?:feel|get) (?:it|the pain|that)|"
    r"where exactly|"
    # whether it spreads: "does it go up the leg at all?", "does it move anywhere?"
    r"(?:does|did) (?:it|that|the (?:\w+ )?pain) (?:go|spread|move|travel|radiate|shoot)s? (?:up|down|into|to|anywhere|"
    r"elsewhere|across|around|round|through)|"
    r"which (?:side|part|ear|eye|knee|leg|arm|foot|hand))\b",
    re.IGNORECASE,
)
# who is at home, asked or told: "who's at home?", "who do you live with?", "do you live alone?", "i live with my
# daughter" (the social history's living situation)
_HOME_Q = re.compile(
    r"\bwho(?:'s| is| else is| else)? (?:at home|in the house|living with you|lives with you)\b|\bwho do (?:you|they) live with\b|"
    r"\b(?:live|living) (?:alone|on your own|by yourself)\b|\b(?:home|living) situation\b|\bthings at home\b|"
    r"\b(?:anyone|someone|help|support) "
    r"(?:at home|to help)\b|\bwho (?:looks after|takes care of|helps) (?:you|him|her)\b",
    re.IGNORECASE,
)
# warning signs asked about beyond the catalog's words: "is he floppy or very sleepy?", "any trouble breathing?",
# "any stiff neck?", "any confusion?"
# what it is like, in the patient's words: "like a band", "lightheaded, no spinning", "نبض میزنه", "تیر میکشه"
_QUALITY = re.compile(
    r"\b(?:like a (?:band|vise|vice|knife|weight|belt|pressure)|band[- ]like|light[- ]?headed|woozy|"
    r"(?:room|everything) (?:is |kind of )?spin\w*|spinning|throbb\w*|pounding|pulsing|shooting|electric shocks?|"
    r"watery|crampy|pressure[- ]like|itchy|itching|stinging)\b|"
    r"نبض\s*(?:می|نمی)?[\s\u200c]?زن|تیر\s*(?:می|نمی)?[\s\u200c]?کش|سیاهی\s*(?:می|نمی)?[\s\u200c]?ر|"
    r"(?:دور سرم|دور خودم|دور خودش|اتاق|همه چی)\s+(?:\S+\s+)?(?:می|نمی)[\s\u200c]?چرخ|آبکی|فشاری|سوزنی|کوبنده|"
    r"ضربان[\s\u200c]?دار|مثل (?:چاقو|سوزن|کمربند|یه کمربند)|"
    # an own part that feels heavy or tight: «سرم سنگینه», «سینه‌م سفت میشه»
    r"(?<![^\W\d_])(?:سر|سینه|شکم|دل|معده|پا|پاها|دست|گلو)\u200c?(?:م|ش)\s+(?:\S+\s+)?(?:سنگین|سفت|داغ|گز\s*گز)|"
    # a cough's kind: «سرفه‌ش خشکه», «خلط داره», «خلط زرد میاد»
    r"(?<![^\W\d_])سرفه\S*\s+(?:\S+\s+)?خشک|(?<![^\W\d_])خلط\s+(?:\S+\s+)?(?:دار|داره|داشت|میاد|میده|می[\s\u200c]?کن)",
    re.IGNORECASE,
)
# how long ago it began, in the answer to "when did it start?": "about ten days ago", "since yesterday",
# "دو هفته‌ای میشه"; the time since the onset is the duration so far
_ELAPSED = re.compile(
    # "about ten days ago", or only "four days" answered to "when did it start?"
    r"\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|a couple(?: of)?|several|\d+)"
    r" (?:hours?|days?|nights?|weeks?|months?|years?)(?: ago)?\b|"
    r"\bsince (?:yesterday|last night|this morning|(?:last )?(?:monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday))\b|"
    r"(?<![^\W\d_])(?:[0-9۰-۹]+|یک|یه|دو|سه|چهار|پنج|شش|شیش|هفت|هشت|نه|ده|چند)\s*(?:روز|هفته|ماه|سال|ساعت)|"
    r"از (?:دیروز|پریروز|دیشب)",
    re.IGNORECASE,
)
# how bad it is, asked on a scale: "zero to ten?", "از صفر تا ده، دردتون چنده؟", «از یک تا ده چند می‌دید؟»
_SCALE_Q = re.compile(
    r"\b(?:(?:zero|0|one|1) to (?:ten|10)|out of (?:ten|10))\b|"
    r"(?<![^\W\d_])از\s+(?:صفر|یک|یه|[0-9۰-۹]+)\s+تا\s+(?:ده|[0-9۰-۹]+)(?![^\W\d_])",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten)\b|"
    r"(?<![^\W\d_])(?:صفر|یک|یه|دو|سه|چهار|پنج|شش|شیش|هفت|هشت|نه|ده)(?![^\W\d_])",
    re.IGNORECASE,
)
# how bad it is, told beside the complaint: "it hurts, but not too bad", «زیر دلم یه کم سنگینه، ولی نه زیاد»,
# «امونم رو بریده»; a degree word alone («آب زیاد نمی‌خورم») is no severity
_DEGREE = re.compile(
    r"\b(?:not (?:too|that|so) bad|pretty bad|really bad|so bad|unbearable|excruciating|the worst|tolerable|"
    r"can't stand (?:it|the pain))\b|"
    r"(?:ولی|اما)\s+نه\s+(?:زیاد|خیلی|اونقدر|اون[\s\u200c]قدر|اینقدر|شدید)|"
    r"(?<![^\W\d_])(?:امونم|امانم|امونمو|طاقتم)(?![^\W\d_])|قابل تحمل|تحمل\S*\s+نمی|"
    r"(?<![^\W\d_])خیلی\s+(?:شدید|زیاد|بد)(?![^\W\d_])",
    re.IGNORECASE,
)
# how bad it is, asked as how much it troubles or stops the patient: «خیلی اذیتت میکنه؟», «کارت رو مختل کرده؟»,
# "how bad is it?", "does it stop you sleeping?", "how's he been in himself?", "how is it affecting you?"
_IMPACT_Q = re.compile(
    r"\bhow bad\b|\b(?:does|is) (?:it|the pain) (?:stop|keep|wake|affect|interfer\w*)\w*|"
    r"\bhow(?:'s| is| has| have| are)? (?:he|she|you|they|it|the baby)(?: been)? in (?:himself|herself|yourself|themselves)\b|"
    r"\bhow (?:is|has|are|does) (?:it|this|that|the \w+)(?: been)? affect\w*|"
    r"\bstop(?:ping|ped|s)? (?:you|him|her|them) (?:from )?(?:doing|working|sleeping|going)\b|"
    r"\b(?:affect\w*|interfer\w*) (?:with )?(?:your|his|her|their) (?:daily|day|life|work|sleep|activities)|"
    r"(?<![^\W\d_])(?:اذیت(?:ت|تون|ش)\s+(?:\S+\s+)?(?:می[\s\u200c]?کن|میکن|کرده)|"
    r"(?:مختل|مانع)\s+(?:\S+\s+)?(?:کرده|میشه|می[\s\u200c]?شه)|چقدر\s+شدید)",
    re.IGNORECASE,
)


def asks_impact(text: str) -> bool:
    """Whether a question asks how much the complaint troubles or stops the patient (``_IMPACT_Q``)."""
    return bool(_IMPACT_Q.search(text))


# how much it stops the patient, told beside the complaint: «شبا سرفه میکنه، نمیذاره بخوابه», «از درد نمی‌تونم
# بخوابم», "it keeps me up at night", "I can't walk on it"
_IMPACT_TOLD = re.compile(
    r"\b(?:keeps? (?:me|him|her) (?:up|awake)|wakes? (?:me|him|her) up|can't (?:sleep|walk|work|stand)|"
    r"(?:missed|missing|off) work)\b|"
    r"(?<![^\W\d_])(?:نمی[\s\u200c]?ذاره|نمیذاره|نمی[\s\u200c]?تونم|نمیتونم|نمی[\s\u200c]?تونه|نمیتونه)\s+(?:\S+\s+)?"
    r"(?:بخواب|راه\s+بر|کار\s+کن|سر\s+کار|غذا\s+بخور)|از\s+(?:درد|سرفه)\S*\s+(?:\S+\s+)?بیدار",
    re.IGNORECASE,
)
# how much the complaint stops daily life, told ("i've had two days off work", "he didn't go to nursery", "it's
# woken me up twice"): the severity's effect
_IMPACT = re.compile(
    r"\b(?:days?|time|weeks?) off (?:work|school|college)\b|"
    r"\b(?:didn't|couldn't|can't|cannot|did not|could not|haven't been able to|hasn't been able to|unable to) "
    r"(?:go|get|make it) (?:in )?(?:to )?(?:work|school|nursery|daycare|day care|college|the office)\b|"
    r"\b(?:missed|missing|off) (?:work|school|nursery|daycare|day care|college)\b|"
    r"\b(?:woken|woke|wakes?|waking) (?:me|him|her|them) up\b|\bkeeps? (?:me|him|her|them) (?:up|awake)\b|"
    r"\b(?:can't|couldn't|cannot) (?:sleep|work|walk|eat|concentrate)\b",
    re.IGNORECASE,
)
# the patient's own body part in Persian: «گلوم», «سرش», «دلم» (what the degree is about)
_OWN_PART = re.compile(
    r"(?<![^\W\d_])(?:سر|کمر|شکم|دل|زانو|پا|دست|گلو|سینه|گوش|چشم|گردن|شونه|شانه|مچ|معده)(?:م|ش|تون|تان)(?![^\W\d_])"
)
# doses missed or a medicine run out, in the patient's (or a carer's) words: "he skips the water pill some days",
# "I forget the evening one", «دو ماهه تموم شده، دیگه نگرفتم», «بعضی روزا یادم می‌ره بخورم»
_DOSES_MISSED = re.compile(
    r"\b(?:skips?|skipped|skipping|miss(?:es|ed|ing)?|forgets?|forgot|forgetting)\b(?: \w+){0,3}? (?:the |my |his |her |a "
    r"|some )?(?:\w+ )?(?:pills?|medicines?|medications?|meds|doses?|tablets?|inhalers?|insulin|shots?|puffers?)\b|"
    # one of the day's doses by its time: "the evening one i miss a lot", "I forget the morning one"
    r"\b(?:morning|evening|night|nighttime|bedtime|lunchtime|afternoon) (?:one|dose|tablet|pill)s?\b(?: \w+){0,3}? "
    r"(?:miss|forget|skip)\w*|\b(?:miss|forget|skip)\w*(?: \w+){0,2}? (?:the |my )?(?:morning|evening|night|nighttime|"
    r"bedtime|lunchtime|afternoon) (?:one|dose|tablet|pill)s?\b|"
    r"\bran out of\b|"
    # stopped by the patient's own choice: "i stopped it in the spring, i felt fine", "she just stopped taking them"
    r"\b(?:i|she|he|we) (?:just |then )?stopped (?:it|them|taking (?:it|them|the|my|her|his))\b|"
    r"(?<![^\W\d_])(?:تموم شده|تمام شده|تموم شد)\S*(?:\s+\S+){0,3}?\s+(?:دیگه|دیگر)\s+(?:نگرفتم|نخریدم|نخوردم|نزدم)|"
    r"یادم\s+(?:می[\s\u200c]?ره|میره|رفت)\s+(?:\S+\s+)?(?:بخورم|بزنم)",
    re.IGNORECASE,
)
# the patient's work told in Persian: «روزمزدم», «کار بانک هم خیلی فشار آورده», «سر کار تمرکز ندارم», «بازنشسته‌ام»
_OCCUPATION_TOLD = re.compile(
    r"(?<![^\W\d_])(?:سر کار|سرکار|روزمزد\S*|شغلم|کارم(?:و| رو)?|درس\s+می[\s\u200c]?د(?:م|ه|ن)|کار\s+(?:بانک|اداره|کارخونه|کارخانه|شرکت|مغازه|ساختمون|"
    r"بیمارستان|مدرسه)|بازنشسته\S*|بیکار\S*|کارمند\S*|مهد(?:\s*کودک)?|(?:خونه|خانه)[\s\u200c]?دار\S*|کارگر\S*|راننده\S*|معلم\S*|پرستار\S*|فروشنده\S*)(?![^\W\d_])",
)
# who the patient lives with, told: «با پسرم و عروسم زندگی میکنم», «تنها زندگی میکنم», "I live with my wife"
_HOME_TOLD = re.compile(
    r"\bi live (?:alone|by myself|with)\b|"
    r"(?<![^\W\d_])(?:با\s+(?:\S+\s+){1,4}?زندگی\s+می[\s\u200c]?کن\S*|تنها\s+زندگی\s+می[\s\u200c]?کن\S*|تنهام|تنها\s+هستم)",
    re.IGNORECASE,
)
# what makes it worse or better: asked ("is it worse at any particular time?", "با سرفه بدتر میشه؟") or told
# ("when I stand up the room goes gray", "وقتی از جام پا میشم چشمام سیاهی میره")
_MODIFIER_Q = re.compile(
    r"\b(?:it|that|the pain|anything)\b[^?]*\bworse\b|\bmakes? (?:it|the pain|things) (?:better|worse)\b|"
    r"\bbetter or worse\b|\btrigger\w*|\bsets? (?:it|them|this|that|the \w+) off\b|\bbrings? (?:it|them|this|that) on\b|"
    r"\bhow does (?:it|this|that|the \w+) (?:stop|settle|ease|go away|pass)\b|"
    r"\b(?:what|anything|has anything|does anything|did anything) (?:\w+ )?help(?:s|ed)?\b|"
    r"(?<![^\W\d_])(?:بدتر|بهتر|بیشتر|کمتر)(?:ش)?\s*(?:می|نمی)|"
    # «چیزی کمکت کرده؟», «چی بهت کمک می‌کنه؟», «با چی آروم میشه؟»
    r"(?<![^\W\d_])کمک(?:ت|تون|ش)?\s+(?:\S+\s+)?(?:کرده|کرد|می[\s\u200c]?کن\S*|میکن\S*)|"
    r"(?<![^\W\d_])(?:با\s+چی|چی)\s+(?:\S+\s+)?(?:آروم|بهتر|خوب)\s*(?:می|میشه|می[\s\u200c]?شه)",
    re.IGNORECASE,
)
_MODIFIER = re.compile(
    r"\b(?:worse|better) (?:when|with|after|if|in the|at night|by the end)\b|"
    r"\bwhen (?:i|she|he) (?:stand|get up|sit up|bend|walk|lie down|eat|cough|climb|lift|move|exercise)\b|"
    r"(?<![^\W\d_])وقتی (?:از جام|از جاش|پا می|بلند می|راه می|خم می|غذا می|سرفه می|دراز می)|"
    # a time or circumstance that makes it worse or better: «شبا سرفه‌م بیشتره», «با غذا بدتر میشه»
    r"(?<![^\W\d_])(?:شب|شبا|شبها|صبح|صبحا|عصر|عصرا|موقع|با|بعد\s+از|قبل\s+از)(?:\u200c?ها)?\s+(?:\S+\s+){0,3}?"
    r"(?:(?:بیشتر|بدتر)(?:ه|\s+میشه|\s+می[\s\u200c]?شه)|(?:کمتر|بهتر)\s+(?:میشه|می[\s\u200c]?شه))(?![^\W\d_])",
    re.IGNORECASE,
)
# blood where it should not be, asked about: "any blood in the stool?", "خون تو ادرار دیدید؟", "تو مدفوعش خون
# یا بلغم دیدین؟"
_BLEEDING_Q = re.compile(
    r"\bblood (?:in|on) (?:the |your |his |her )?(?:stools?|poop|urine|pee|vomit|diaper|phlegm|sputum|mucus|tissue)\b|"
    r"\b(?:bloody|black|tarry) (?:stools?|poop|diarrh\w*|vomit|urine|phlegm|sputum)\b|"
    r"(?<![^\W\d_])خون(?:ی)?(?:\s+\S+){0,3}?\s+(?:دیدی\S*|دیده\S*|داشت\S*|داره|دارن|هست)|"
    r"(?<![^\W\d_])(?:ادرار|مدفوع|استفراغ|خلط)\S*(?:\s+\S+){0,2}?\s+خون",
    re.IGNORECASE,
)
# the patient's own past told without a question: never or once admitted, the vaccines complete
_OWN_PAST = re.compile(
    r"(?<![^\W\d_])(?:تا حالا|تاحالا|قبلا|قبلاً|هیچ[\s\u200c]?وقت)(?:\s+\S+){0,3}?\s+بستری|"
    r"(?<![^\W\d_])واکسن\S*\s+(?:\S+\s+)?کامل|"
    r"\b(?:never|ever) been (?:in (?:the )?hospital|hospitali[sz]ed|admitted)\b|\b(?:shots|vaccines?) (?:are )?up to date\b",
    re.IGNORECASE,
)
# an operation in the everyday Persian verb, said of the patient or asked of them («عمل کردم», «عمل شده»,
# «عملی نداشتم», «عمل چیزی نکردید؟»); the catalog lists only «عمل کردید/شدید»
_FA_OPERATION = re.compile(
    r"(?<![^\W\d_])عمل(?:ی)?(?:\s+(?:چیزی|جراحی))?\s+(?:ن)?(?:کرد|شد|داشت)(?:م|ی|ید|ین|ه|ن|یم)(?![^\W\d_])"
)
_FA_NEEDED = re.compile(r"(?<![^\W\d_])(?:باید|لازم|نیاز|قراره)(?![^\W\d_])")
# thoughts of self-harm or suicide, asked: "have you had thoughts of hurting yourself?", "better off dead",
# «به آسیب زدن به خودتون فکر کردید؟», «فکر خودکشی داشتید؟», «کاش دیگه نباشید؟»
_SELF_HARM_Q = re.compile(
    r"\b(?:hurt(?:ing)? (?:yourself|himself|herself)|harm(?:ing)? (?:yourself|himself|herself)|self[- ]harm|suicid\w*|"
    r"kill(?:ing)? (?:yourself|himself|herself)|better off dead|end (?:your|his|her) life)\b|"
    r"آسیب\s+(?:زدن\s+)?به\s+خود|خودکشی|کاش\s+(?:دیگه\s+)?نباش|به\s+زندگی\s+(?:\S+\s+)?پایان",
    re.IGNORECASE,
)
# when it began, asked: "when did it start?", «از کی؟», «از کی شروع شده؟»
_ONSET_Q = re.compile(
    r"\bwhen did (?:it|this|that|the \w+) (?:start|begin|come on)\b|(?<![^\W\d_])از (?:کی|چه (?:موقع|زمانی))"
    r"(?![^\W\d_])|(?<![^\W\d_])کی شروع",
    re.IGNORECASE,
)
_SINCE = re.compile(r"\bsince\b|از وقتی|از موقعی|از زمانی|از همون موقع", re.IGNORECASE)


def _history_patterns(seg: Segment, asked: str, patient: list[str]) -> set[str]:
    """What a segment tells about the history (module doc of ``segment_patterns``)."""
    found: set[str] = set()
    said = " ".join(patient)
    denied = seg.polarity == "no"
    if (
        said
        and not denied
        and _stated_complaint(said)
        or said
        and not denied
        and asked
        and _stated_complaint(asked)
        and (_ELAPSED.search(said) or _stated_duration(said))
    ):
        found.add("stated_complaint")
    # where and what it is like are told even beside a "no" ("no blood. it was watery", "not down the leg")
    if said and (
        _LOCATION.search(said)
        or PART_COMPLAINT.search(said)
        or (asked and not denied and _LOCATION_Q.search(asked))
    ):
        found.add("stated_location")
    if said and _QUALITY.search(said):
        found.add("stated_quality")
    # also earlier in the turn: «ادرارتون؟ خون دیدید؟ سوزش؟» / «یه کم صورتی بود»
    if asked and said and _BLEEDING_Q.search(f"{seg.lead} {asked}"):
        found.add("bleeding_asked")
    if asked and said and _SELF_HARM_Q.search(asked):
        found.add("self_harm_asked")
    if said and _DOSES_MISSED.search(said):
        found.add("doses_missed")
    if said and (
        _OCCUPATION_TOLD.search(said)
        or (asked and not denied and _OCCUPATION_TOLD.search(asked) and seg.role != "doctor")
    ):
        found.add("occupation_told")
    if said and (_HOME_TOLD.search(said) or (asked and _HOME_Q.search(asked))):  # told beside a "no" too
        found.add("home_told")
    if said and _RELATIVE_ILL.search(said):
        found.add("relative_illness")
    # an operation told or asked and answered in the everyday verb: «بچه بودم آپاندیسمو عمل کردم», «عمل چیزی
    # نکردید؟» / «نه، هیچ عملی نداشتم»; not one still needed («باید عمل کنی»)
    if said and any(t and _FA_OPERATION.search(t) and not _FA_NEEDED.search(t) for t in (said, asked)):
        found.add("operation_told")
    if said and _medicine_taken(f"{seg.lead} {asked}".strip() if asked else "", said, denied):
        found.add("medicine_taken")
    # the question may be the sentence before the one answered: «قبلاً هم این‌جوری شده بودید؟ به دارویی حساسیت دارید؟»
    questions = (asked, seg.lead) if asked else ()
    if said and any(q and _PAST_ILLNESS_Q.search(q) and not _NOT_OWN_ILLNESS.search(q) for q in questions):
        found.add("past_illness")
    if said and _OWN_PAST.search(said):
        found.add("past_illness")  # told unasked: «تا حالا هم بستری نشده», «واکسن‌هاش هم کامله»
    told = seg.text if seg.role == "doctor" and not seg.question else asked  # said, or asked back
    if told and _HOSPITAL_STAY.search(told):
        found.add("past_illness")
    if said and (
        (asked and _SCALE_Q.search(asked) and _NUMBER.search(said))
        or (asked and _IMPACT_Q.search(asked))
        or (
            (_DEGREE.search(said) or _IMPACT_TOLD.search(said))
            and (_stated_complaint(f"{asked} {said}") or _LOCATION.search(said) or _OWN_PART.search(said))
        )
    ):
        found.add("stated_severity")
    if said and not denied and _IMPACT.search(said):
        found.add("stated_severity")  # its effect on daily life (the item's own definition)
    # a modifier told is told beside a "no" too ("no, it doesn't spin. it goes dark when I stand up")
    # the question may be earlier in the turn: «با فعالیت بیشتر میشه؟ مثلاً پله؟»
    if said and (
        _MODIFIER.search(said) or (not denied and asked and _MODIFIER_Q.search(f"{seg.lead} {asked}"))
    ):
        found.add("modifying_factor")
    if said and not LAST_TIME.search(asked):
        if (seg.attribute == "onset" or _ONSET_Q.search(asked)) and _ELAPSED.search(said):
            found.add("elapsed_since_onset")
        if seg.attribute == "duration" and _SINCE.search(said):
            found.add("onset_since")
    return found


def _medicine_taken(asked: str, said: str, denied: bool) -> bool:
    """The patient (or a parent) telling a medicine taken now, or saying yes to "are you still taking …?";
    a drug named with a reaction is an allergy ("I'm allergic to bactrim, I got hives")."""
    if _ALLERGY_WORDS.search(f"{asked} {said}"):
        return False
    asks_taking = bool(asked and _TAKING_Q.search(asked))
    if names_drug(said):
        # a list with doses or times is what is taken now: «آملودیپین ۵ صبح، متفورمین ۵۰۰ صبح و شب»
        return bool(_TAKEN.search(said) or DOSE_RE.search(said) or _SCHEDULE_SAID.search(said)) or asks_taking
    return asks_taking and not denied and names_drug(asked)


#: when a medicine is taken: "twice a day", "every morning", «صبح و شب», «روزی دو تا»
_SCHEDULE_SAID = re.compile(
    r"\b(?:once|twice|three times) a day\b|\bevery (?:morning|night|evening|day)\b|\bat (?:night|bedtime)\b|"
    r"(?<![^\W\d_])(?:روزی|شبی|هر شب|هر روز|صبح و شب|صبح‌ها|شب‌ها|صبحا|شبا)(?![^\W\d_])",
    re.IGNORECASE,
)


#: a doctor's conditional advice ("if …", "اگه …") or a courtesy: not the plan's order of a test or medicine
_IF = re.compile(
    r"\b(?:if|unless|in case)\b|\bonce (?:the|it|it's|you|your|he|she|they|that|this)\b|"
    r"(?<![^\W\d_])(?:اگر|اگه|در صورت|درصورت)(?![^\W\d_])",
    re.IGNORECASE,
)
# a test the doctor will do or asks for: "I'll send the urine for culture", "we'll recheck the a one c",
# "آزمایش سدیم و پتاسیم و کراتینین می‌نویسم", "یه کشت ادرار هم … بدید"
_TEST_NAME = (
    r"(?:cultures?|urine|blood (?:work|tests?|counts?)|bloodwork|kidney function|potassium|sodium|electrolytes|a1c|"
    r"a one c|labs?|bloods|crp|cholesterol|lipids?|thyroid|x[- ]?rays?|scans?|ultrasound|ecg|ekg|swabs?|panel|levels?|tests?|mri|"
    r"ct|cbc)\b"
)
_TEST_PLANNED = re.compile(
    r"\b(?:i'll|we'll|i will|we will|(?:i'm|we're|i am|we are) (?:going to|gonna)|let's|let me|i'd like to|"
    r"i want to|i would like to|we should|we need to)(?: \w+){0,2}? (?:send|check|recheck|order|draw|get|repeat|do|run)\b(?: \w+){0,5}? "
    rf"{_TEST_NAME}|"
    # "the nurse will take some bloods", "i'll book you an ecg", "i'm going to request an ultrasound"
    r"\b(?:the nurse|the lab|the phlebotomist|they)(?:'ll| will| can) (?:\w+ )?(?:take|do|draw|check|run)\b(?: \w+){0,3}? "
    rf"{_TEST_NAME}|"
    r"\b(?:i'll|we'll|i will|we will|(?:i'm|we're|i am|we are) (?:going to|gonna)|let me|let's) (?:\w+ )?(?:book|arrange|"
    rf"organi[sz]e|request) (?:you )?(?:in )?(?:for )?(?:a|an|some|the)\b(?: \w+){{0,3}}? {_TEST_NAME}|"
    # "so i'm sending you for a stool test", "we're booking you in for an ultrasound", "i want to test for h pylori"
    r"\b(?:i'm|we're|i am|we are|i'll|we'll|i will|we will) (?:\w+ )?(?:sending|send|booking|book|arranging|arrange|referring|refer) "
    rf"(?:you|him|her|them) (?:\w+ )?for (?:a|an|some|the)\b(?: \w+){{0,3}}? {_TEST_NAME}|"
    r"\b(?:i'll|we'll|i will|we will|(?:i'm|we're|i am|we are) (?:going to|gonna)|let's|i'd like to|i want to|"
    r"i would like to|we should|we need to) (?:also )?test (?:you |him |her |them )?for\b|"
    # "I'd also like a CBC and a basic metabolic panel today"
    rf"\b(?:i'd|i would|we'd|we would|i want|we want) (?:also )?(?:like )?(?:a|an|some)\b(?: \w+){{0,3}}? {_TEST_NAME}|"
    r"(?<![^\W\d_])(?:آزمایش|کشت|تست|عکس|سونو\S*|نوار قلب|ام[\s\u200c]?آر[\s\u200c]?آی|سی[\s\u200c]?تی|HbA1c|A1c|"
    r"چربی خون)[^.؟?!]*?\s(?:می[\s\u200c]?نویسم|بدید|بدین|بدهید|بگیرید|بگیرین|انجام بد\S*|درخواست می\S*)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
# a test's result read out: "the urine dip shows positive leukocytes", "your a1c came back at 8.4"
_RESULT_READ = re.compile(
    r"\b(?:dip(?:stick)?|urine(?: test)?|urinalysis|swab|culture|x[- ]?ray|scan|ct|mri|ultrasound|ecg|ekg|labs?|"
    r"blood (?:work|tests?|counts?)|bloodwork|bloods|a1c|hba1c|a one c|crp|(?:kidney|liver|thyroid|renal) (?:function|tests?)|"
    r"cholesterol|potassium|sodium|ha?emoglobin|iron|ferritin|b12|vitamin d|tsh|psa|egfr|creatinine|echo(?:cardiogram)?|"
    r"(?:strep|flu|covid|pregnancy|urine|rapid|pcr|lab|stool) tests?)"
    # a few words between, also a clause told aside: "your blood count from the check up last month was normal",
    # "your hba1c, that's the three month average, is nine point one"
    r"\b(?:,? [\w']+){0,7}?,? (?:shows?|showed|came back|is back|looks?|looked|"
    r"was|were|is|are) (?:\w+ ){0,2}?(?:positive|negative|normal|abnormal|elevated|raised|high|low|clear|unremarkable|"
    r"fine|okay|borderline|\d|one|two|three|four|five|six|seven|eight|nine|ten)",
    re.IGNORECASE,
)
_RESULT_WORDS = re.compile(
    r"\b(?:came back|showed|shows|positive|negative|normal)\b|مثبت|منفی|نرمال|طبیعی|آوردید|آوردین",
    re.IGNORECASE,
)
# a change to a medicine: "i'm going to stop the hydrochlorothiazide", "limit the advil to two days a week",
# "متفورمین رو میکنیم هزار", "استامینوفن کدئین رو قطع کنید"; not a reading of the list taken now
_DRUG_CHANGE = re.compile(
    r"\b(?:stop|start|increase|decrease|reduce|limit|switch|change|prescrib\w*|cut (?:down|back)|hold|add|double|"
    r"halve|taper|continue|give (?:you|her|him))\b|"
    r"(?<![^\W\d_])(?:قطع کن\S*|شروع (?:می|کن)\S*|می[\s\u200c]?نویسم|میکنیم|می[\s\u200c]?کنیم|کم کن\S*|"
    r"اضافه می\S*|ادامه بد\S*|عوض می\S*|می[\s\u200c]?د(?:م|یم)|بجو(?:ید|ین)?|می[\s\u200c]?جوی\S*|تجویز\s+می\S*)(?![^\W\d_])",
    re.IGNORECASE,
)


# a medicine named by its kind, not its name: "i'll give you some antibiotics", "start a steroid cream", "a course of
# antibiotics", "i'll prescribe an inhaler"
_FA_DOSAGE_FORM = re.compile(FA_DOSAGE_FORM)
_MED_CLASS = re.compile(
    r"\b(?:antibiotics?|steroids?|(?:steroid|antifungal|antibiotic|barrier) (?:cream|ointment|tablets?)|painkillers?|"
    r"pain (?:killers?|relief|medicine)|inhalers?|nasal spray|(?:eye|ear|nose) drops|antihistamines?|water tablets?|"
    r"blood thinners?|anti[- ]?inflammatories|antacids?|laxatives?|nicotine (?:patches|replacement|gum))\b",
    re.IGNORECASE,
)
# a referral written or arranged: «یه معرفی‌نامه برای چشم‌پزشکی», «معرفیتون می‌کنم به متخصص», «ارجاع می‌دم»,
# "I'll refer you to", "I'm putting in a referral"
_REFERRAL_MADE = re.compile(
    r"(?<![^\W\d_])معرفی[\s\u200c]?نامه|(?<![^\W\d_])معرفی(?:تون|ت|ش|شون)?\s+(?:\S+\s+)?می[\s\u200c]?کنم|"
    r"(?<![^\W\d_])ارجاع(?:تون|ت|ش)?\s+(?:\S+\s+)?می[\s\u200c]?د(?:م|یم)|"
    # «برو پیش چشم‌پزشک», «باید یه متخصص قلب ببیندت»
    r"(?<![^\W\d_])(?:برو|برید|برین|بری|ببرید|ببرش)\s+(?:پیش|به|نزد)\s+(?:یه\s+|یک\s+)?(?:متخصص|فوق[\s\u200c]?تخصص|[\w\u200c]*پزشک|"
    r"جراح|روانپزشک|فیزیوتراپ|مشاور)|(?<![^\W\d_])(?:متخصص|فوق[\s\u200c]?تخصص)\s+(?:\S+\s+){0,2}?ببین(?:ه|د|دت|تت|تون)|"
    r"\b(?:i'll|i will|we'll|we will|(?:i'm|we're|i am|we are) (?:going to|gonna)) (?:\w+ )?(?:refer|put in a referral|"
    r"send (?:you|him|her|them) to (?:a|an|the) (?:specialist|\w+ologist|surgeon|clinic))\b",
    re.IGNORECASE,
)
# a Persian prescription dictated without a verb: "نیتروفورانتوئین صد میلی‌گرم روزی دو بار، پنج روز"
_FA_SCHEDULE = re.compile(r"(?<![^\W\d_])(?:روزی|شبی|هر\s+\S+\s+ساعت)(?![^\W\d_])")


@functools.lru_cache(maxsize=4096)
def reads_a_result(text: str) -> bool:
    """Whether a doctor's sentence reads out a test result ("your a1c came back at 8.4", «قند ناشتا ۱۶۸،
    A1c هشت و چهار دهم؛ سه ماه پیش هفت و نیم بود»): a result, not when the complaint began."""
    return bool(_RESULT_READ.search(text) or (_LAB_NAME.search(text) and re.search(r"[0-9۰-۹]", text)))


# a laboratory value named: "a1c", "creatinine", «قند ناشتا», «کراتینین», «هموگلوبین»
_LAB_NAME = re.compile(
    r"\b(?:a1c|a one c|creatinine|egfr|ldl|hdl|cholesterol|triglycerides?|potassium|sodium|hemoglobin|tsh|"
    r"white count|platelets?)\b|(?<![^\W\d_])(?:A1c|HbA1c|قند ناشتا|کراتینین|کلسترول|تری[\s\u200c]?گلیسرید|"
    r"هموگلوبین|پتاسیم|سدیم|پلاکت|گلبول)",
    re.IGNORECASE,
)


#: the diabetic eye and kidney checks in the words people use: «ته چشمتون رو معاینه کردن؟», «آلبومین ادرار»,
#: «کراتینین», "dilated eye exam", "urine albumin", "creatinine"
_EYE_KIDNEY = re.compile(
    r"\b(?:dilated eye|fundus|fundoscop\w*|(?:urine )?albumin\w*|creatinine|egfr|acr)\b|"
    r"(?<![^\W\d_])(?:ته\s*چشم\S*|آلبومین\S*|کراتینین\S*|عملکرد\s+کلیه\S*)",
    re.IGNORECASE,
)


#: a hookah, said colloquially or in English: tobacco, though not cigarettes
_HOOKAH = re.compile(
    r"\b(?:hookah|shisha|water ?pipe)\b|(?<![^\W\d_])(?:قلیون|قلیان)[\w\u200c]*", re.IGNORECASE
)


_FA_THAT_IS = re.compile(r"(?<![^\W\d_])یعنی(?![^\W\d_])")


# --- round 8 (Persian visits): results read, causes weighed, understanding checked, breathlessness asked ---

#: a Persian diagnosis told with how sure the doctor is: «به احتمال زیاد … عفونت باکتریایی لوزه‌ست», «احتمالاً …»,
#: «بیشتر به استرپتوکوک می‌خوره» (a condition named beside it is a judgement, even with a finding's word in it)
_FA_JUDGED = re.compile(
    r"(?<![^\W\d_])(?:به\s+احتمال\s+(?:زیاد|قوی|خیلی\s+زیاد)|احتمالا|احتمالاً|تشخیص(?:م|مون)?\s+(?:\S+\s+)?(?:اینه|اینست|این است)|"
    r"به\s+\S+(?:\s+\S+)?\s+می[\s\u200c]?خوره)(?![^\W\d_])"
)

#: a Persian test (or what it measures) read with its result: «نوار ادراری که … گرفت، نیتریت مثبته»,
#: «نوار قلبت الان تغییر حادی نشون نمیده», «آزمایش خونت نرماله»
_FA_TEST = (
    # a named test, not an examination's manoeuvre («تست بالا آوردن پا منفیه» is the exam)
    r"(?:آزمایش|تست\s+(?:سریع|استرپ|کرونا|بارداری|ادرار|قند|ورزش|خون|آنفولانزا)|کشت|عکس|سونو|سونوگرافی|نوار\s+(?:قلب|ادرار)|ام[\s\u200c]?آر[\s\u200c]?آی|سی[\s\u200c]?تی|"
    r"اسکن|نیتریت|گلبول|پروتئین|کراتینین|هموگلوبین|چربی|کلسترول|قند|تیروئید|تی[\s\u200c]?اس[\s\u200c]?اچ|"
    r"آنزیم|تروپونین|جواب)"
)
_FA_RESULT_WORD = (
    r"(?:مثبت|منفی|نرمال|طبیعی|غیرطبیعی|بالاست|بالاه|پایینه|تمیز|پاکه|سالمه|"
    r"نشون\s*(?:می|نمی)[\s\u200c]?د\S*|نشان\s*(?:می|نمی)[\s\u200c]?د\S*|نشون\s+داد\S*|نشان\s+داد\S*|"
    r"اومده\s+(?:\S+\s+)?(?:بالا|پایین)|شده\s+[0-9۰-۹])"
)
_FA_TEST_RE = re.compile(_FA_TEST)
_FA_RESULT_WORD_RE = re.compile(_FA_RESULT_WORD)
_FA_RESULT_READ = re.compile(
    # the spoken copula may follow: «مثبته», «نرماله», «طبیعی‌ان»
    rf"(?<![^\W\d_]){_FA_TEST}[\w\u200c]*(?:\s+[^\s.؟?!]+){{0,7}}?\s+{_FA_RESULT_WORD}"
    r"(?:\u200c?(?:ه|ن|ان|است|ست|ند))?(?![^\W\d_])"
)
#: a result still to come or to see: «تا ببینیم …», «که ببینیم …», «جوابش که اومد»
_FA_RESULT_AHEAD = re.compile(
    r"(?<![^\W\d_])(?:ببینیم|ببینم|ببینن|بیار\S*|بیاید|بیاین|بفرست\S*|بنویسم|می[\s\u200c]?نویسم|که\s+اومد)(?![^\W\d_])"
)


#: a doctor's reply that confirms what was just said back: «آفرین، دقیقاً», «درسته، همینه», «عالی، خیلی خوب گفتید»
_FA_CONFIRMED = re.compile(
    r"\s*(?:آفرین|دقیقا|دقیقاً|دقیقًا|درسته|همینه|عالیه|عالی)(?:[\s،,.!]+(?:دقیقا|دقیقاً|دقیقًا|همینه|درسته|همین(?:ه)?)?|$)"
)
#: the patient offering to say the plan back: «یه بار دیگه بگم درسته؟», «درست فهمیدم؟», «تکرار کنم؟»
_FA_SAY_BACK = re.compile(
    r"(?<![^\W\d_])(?:بگم\s+(?:\S+\s+)?درسته|درست\s+فهمیدم|تکرار\s+کنم|بگم\s+ببینید)(?![^\W\d_])"
)


def _plan_items(text: str) -> int:
    """How many medicines and tests a patient's turn names (a plan said back names several)."""
    named = {w for w in _TOKEN.findall(text.lower()) if w in DRUGS}
    named |= set(_FA_TEST_RE.findall(text))
    named |= {m.group() for m in _FA_DOSAGE_FORM.finditer(text)}
    return len(named)


#: a short question whether it was used or taken: «استفاده کردید؟», «خوردیش؟», «زدید؟»; not «چیزی خوردید؟»
_FA_USED_Q = re.compile(
    r"\s*(?:(?:اونا|اینا|اونو|اینو|هر\s+دو|همه\S*)(?:\s+رو)?\s+)?(?:(?:استفاده|مصرف)\s+(?:کرد|می[\s\u200c]?کن)\S*|"
    r"(?:خورد|زد|گذاشت)(?:ی|ید|ین|یش|یدش|ینش))\s*[؟?]\s*$"
)
#: a test's report at hand, asked for or handed over: «جواب سونو رو دارید؟», «آزمایشامم آوردم», «عکسشو آوردید؟»
_FA_RESULT_AT_HAND = re.compile(
    r"(?<![^\W\d_])(?:جواب|نتیجه|آزمایش|سونو|سونوگرافی|عکس|نوار|گزارش)[\w\u200c]*\s+(?:\S+\s+){0,3}?"
    r"(?:دارید|داری|دارین|آوردید|آوردی|آوردین|آوردم|آوردیم|همراهتونه|همراهته)(?![^\W\d_])"
)
#: what a doctor reads out of a report: a result word, a measure or a condition («… ۶ میلی‌متری …», «طبیعیه»)
_FA_MEASURE = re.compile(r"[0-9۰-۹]|(?<![^\W\d_])میلی[\s\u200c]?(?:متر|گرم)")


def _reads_from_report(text: str) -> bool:
    return (
        is_persian(text)
        and bool(_FA_RESULT_WORD_RE.search(text) or _FA_MEASURE.search(text) or names_condition(text))
        and not _TEST_PLANNED.search(text)
        and not _IF.search(text)
    )


def _fa_result_read(text: str) -> bool:
    """Whether a doctor's Persian statement reads a test's result (not a test ordered or awaited)."""
    return (
        is_persian(text)
        and bool(_FA_RESULT_READ.search(text))
        and not _FA_RESULT_AHEAD.search(text)
        and not _TEST_PLANNED.search(text)
    )


#: another cause weighed: "it could also be mono", «ویروسی هم می‌تونه باشه، مثل مونونوکلئوز», «شاید … باشه»,
#: «بعیده … باشه»
_COULD_BE = re.compile(
    # "it could also be an ulcer", "it might still be a viral bronchitis", "less likely a clot"
    r"\b(?:could|might|may) (?:(?:also|still|just|equally|possibly|even) )?(?:just )?be\b|\bless likely\b|"
    r"\bother (?:causes?|possibilit\w+)\b|\brule (?:out|\w+ out)\b|\bruling out\b|\b(?:or|versus|vs) (?:maybe|possibly)\b|"
    # «بعیده میکروبی باشه» (unlikely to be): a cause weighed and argued against is weighed too
    r"(?<![^\W\d_])(?:می[\s\u200c]?تونه|میتونه|ممکنه|ممکن\s+است|شاید|بعیده|بعید\s+است)(?:\s+\S+){0,4}?\s+(?:باشه|باشد)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
#: other causes looked for by name: "other causes like a stone", «باید دنبال چیزای دیگه مثل سنگ بگردیم»
_OTHER_CAUSES = re.compile(
    r"\b(?:other|another|something else)\s+(?:\w+\s+)?(?:causes?|things?|conditions?|possibilit\w+|reasons?|diagnos\w+)"
    r"\s+(?:like|such as|including)\b|"
    # what the other cause is for: "the main other thing i think about with a hot joint is an infection", "there are
    # other things that can cause falls too, a heart rhythm problem", "make sure we're not missing something else, like
    # low iron"
    r"\bother (?:\w+ )?(?:causes?|things?|conditions?|possibilit\w+|reasons?|diagnos\w+) (?:that )?(?:i|we|you|doctors) "
    r"(?:think|worry|wonder) about\b|"
    r"\bother (?:\w+ )?(?:causes?|things?|conditions?|reasons?) (?:that |which )?(?:can|could|might|may) (?:cause|explain|"
    r"give|bring on|lead to)\b|"
    r"\bnot missing (?:something|anything) (?:else|more serious)\b,? (?:like|such as)\b|"
    r"(?<![^\W\d_])(?:چیز|علت|دلیل|مشکل|بیماری|تشخیص)(?:ای|های|ها|\u200cهای|\u200cها)?\s+(?:دیگه|دیگر)(?:ای)?"
    r"(?:\s+\S+){0,2}?\s+(?:مثل|از جمله|مانند)(?![^\W\d_])",
    re.IGNORECASE,
)
# a search or a ruling out: what makes "other things like …" a differential rather than advice
_LOOK_FOR = re.compile(
    r"\b(?:look(?:ing)? for|rule out|check for|think about|worry about|consider|(?:can|could|might|may) cause|not missing)\b|"
    r"دنبال|بگرد|رد\s+کن|بررسی|چک\s+کن|فکر\s+کن",
    re.IGNORECASE,
)


#: a condition to be excluded: "make sure it's not a clot", «باید مطمئن شیم که سنگ کلیه نیست», «رد کنیم»
_RULE_OUT = re.compile(
    r"\bmake sure (?:it's|it is|this is|that's|that it's) not\b|\brule (?:out|it out)\b|"
    r"(?<![^\W\d_])(?:مطمئن\s+(?:ش(?:یم|ویم|م)|بشیم)|رد\s+(?:کن(?:یم|م)|بشه|شه))(?![^\W\d_])",
    re.IGNORECASE,
)


#: two conditions told as alternatives: "gastritis or an ulcer", «گاستریته یا زخم معده‌ست»
_EITHER_CONDITION = re.compile(
    rf"(?:{DIAGNOSIS.pattern})\S*\s+(?:or|versus|vs\.?|یا)\s+(?:(?:a|an|the|maybe|یه|شاید)\s+)?(?:{DIAGNOSIS.pattern})",
    re.IGNORECASE,
)


def _weighs_a_cause(text: str) -> bool:
    """A doctor's statement weighing another cause: "could be" beside a condition's name, outside a conditional
    ("if …"), or other causes named to look for (also in a conditional: «اگه … هنوز خون بود، باید دنبال چیزای
    دیگه مثل سنگ بگردیم»)."""
    if _OTHER_CAUSES.search(text) and (_LOOK_FOR.search(text) or names_condition(text)):
        return True
    weighs = _COULD_BE.search(text) or _RULE_OUT.search(text) or _EITHER_CONDITION.search(text)
    return bool(weighs) and names_condition(text) and not _IF.search(text)


#: the doctor checking the patient has understood or has questions, or asking them to say the plan back:
#: «متوجه شدی؟», «سؤالی ندارید؟», «بگو ببینم متفورمینو چه جوری میخوری؟», "any questions?", "does that make sense?",
#: "can you tell me how you'll take it?"
_UNDERSTANDING_Q = re.compile(
    r"\bany (?:other |more |further )?questions\b|\bwhat questions\b|"
    r"\b(?:does|did) (?:that|this|it|all that|this all|that all|all this|all of (?:that|this)) make sense\b|"
    r"\b(?:anything|something) (?:else )?(?:you(?:'d| would)? (?:want|like|wanted) to|to) ask\b|"
    r"\bdo you understand\b|\bis (?:that|this|everything) clear\b|"
    r"\b(?:can|could) you (?:tell|show) me (?:back )?how\b|\btell me (?:back )?how you(?:'re going to|'ll| will)?\s+(?:take|use)\b|"
    # «متوجه شدی؟», «متوجه شدین چی گفتم؟»; not «متوجه شدی کی شروع شد؟» (did you notice when it began)
    r"(?<![^\W\d_])(?:متوجه\s+شد(?:ی|ید|ین)|فهمید(?:ی|ید|ین))(?:\s+چی\s+گفتم)?\s*[؟?]|"
    r"(?<![^\W\d_])(?:روشن\s+شد|روشنه|واضح\s+(?:بود|شد)|واضحه|بپرس(?:ی|ید|ین))(?![^\W\d_])|"
    r"(?<![^\W\d_])(?:سوال|سؤال)[\w\u200c]*(?:\s+\S+){0,2}?\s+(?:داری|دارید|دارین|نداری|ندارید|ندارین|هست|نیست)(?![^\W\d_])|"
    r"(?<![^\W\d_])(?:بگو|بگید|بگین|بگویید)\s+ببینم(?:\s+\S+){0,3}?\s+(?:چه\s*جوری|چجوری|چطوری|چطور|کی|چند\s+بار)(?![^\W\d_])|"
    r"(?:برام|برای\s+من)\s+تکرار\s+کن",
    re.IGNORECASE,
)

#: a warning sign asked about in everyday words: breathlessness «نفست تنگ نشده؟», «نفس‌تون بند میاد؟» (the catalog says
#: «تنگی نفس»), night sweats «شبا عرق میکنی؟», fainting «از حال رفتی؟»
_WARNING_SIGN_Q = re.compile(
    r"(?<![^\W\d_])نفس(?:\u200c)?(?:ت|تون|تان|ش)?\s+(?:\S+\s+)?(?:تنگ|بند|تند|کم\s+میاد|بالا\s+نمیاد)|"
    # a child's lips or fingers turning blue: «لب‌هاش کبود نمیشه؟»
    r"(?<![^\W\d_])کبود\s*(?:نمی|می|شد|نشد)|"
    r"(?<![^\W\d_])شب(?:ا|ها|\u200cها)?\s+(?:\S+\s+)?عرق|(?<![^\W\d_])از\s+حال\s+رفت|"
    r"\b(?:short(?:ness)? of breath|trouble breathing|hard to breathe|breathless)\b|"
    r"\b(?:floppy|hard to wake|difficult to wake|(?:very|really|unusually) (?:sleepy|drowsy)|drowsy|stiff neck|"
    r"neck stiffness|non[- ]?blanching|rash that doesn't fade|(?:trouble|difficulty|struggling|hard) (?:breathing|to breathe)|"
    r"blue lips|lips (?:go|going|turn\w*) blue|fits|having a fit|seizures?|convuls\w*|confus(?:ed|ion)|muddled|slurred speech|"
    r"facial droop|vision loss|loss of vision|coughing (?:up )?blood|vomiting blood)\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def states_the_plan(text: str) -> bool:
    """Whether a doctor's sentence orders or asks for a test (and reads no result), starts, stops or changes
    a medicine ("continue metformin, start Jardiance ten milligrams"), sets a time ahead ("bring the
    results in a week", «یه هفته دیگه، با جواب آزمایش») or awaits a result ("the x ray should be back by
    then")."""
    return (
        bool(_plan_patterns(text) & {"test_planned", "drug_plan"})
        or bool(_AHEAD.search(text))
        or bool(_AWAITED.search(text))
    )


# a result still to come: "the x ray should be back by then", "we're waiting on the bloods", "when the culture
# comes back"; it is awaited, not reviewed
_AWAITED = re.compile(
    r"\b(?:should|will|would|'ll|might|may) be (?:back|ready|available)\b|"
    r"\bwhen (?:the|your|his|her|it|they)\b(?: \w+){0,3}? (?:comes?|get|gets) back\b|"
    r"\b(?:waiting|wait) (?:for|on) (?:the|your|his|her)\b(?: \w+){0,3}? (?:results?|x[- ]?rays?|bloods?|tests?|scans?|cultures?|"
    r"reports?)\b|\bpending\b",
    re.IGNORECASE,
)


_AHEAD = re.compile(rf"{_INTERVAL}|{_FA_INTERVAL}", re.IGNORECASE)
# the patient asking when to come back: "when should I come back?", «کی بیاریمش؟», «کی دوباره بیام؟»
_RETURN_ASKED = re.compile(rf"\bwhen\b.*{_RETURN}|(?<![^\W\d_])کی\s+(?:\S+\s+)?{_FA_RETURN}", re.IGNORECASE)


def _plan_patterns(text: str) -> set[str]:
    """What a doctor's statement (not a question) plans: ``test_planned`` (a test ordered or asked for) and
    ``drug_plan`` (a medicine started, stopped or changed); neither in conditional advice."""
    found: set[str] = set()
    if _IF.search(text):
        return found
    if _TEST_PLANNED.search(text) and not _RESULT_WORDS.search(text):
        found.add("test_planned")
    # a drug, a dosage form («قرص سرماخوردگی، هر هشت ساعت یکی») or a class ("a steroid cream") changed or scheduled
    named = names_drug(text) or _FA_DOSAGE_FORM.search(text) or _MED_CLASS.search(text)
    if named and (_DRUG_CHANGE.search(text) or _FA_SCHEDULE.search(text)):
        found.add("drug_plan")
    if _REFERRAL_MADE.search(text):
        found.add("referral_made")
    return found


def segments(transcript: TranscriptView, *, language: str | None = None) -> list[Segment]:
    """The visit cut into question→answer units and free statements, in transcript order."""
    dialogue = analyse(transcript, language=language)
    sents = dialogue.sentences
    in_unit: set[int] = set()
    out: list[Segment] = []
    for unit in dialogue.units:
        q = sents[unit.question]
        answers = [sents[i] for i in unit.answer]
        in_unit.add(unit.question)
        in_unit.update(unit.answer)
        if answers:
            evidence = (answers[0].start, answers[-1].end)
            role = answers[0].speaker or "patient"
        else:
            evidence = (q.start, q.end)
            role = q.speaker or "doctor"
        before = sents[unit.question - 1] if unit.question > 0 else None
        lead = before.text if before is not None and before.speaker == q.speaker else ""
        # several questions in one turn share its answer: «نفست تنگ نشده؟ صدات عوض نشده؟ آب دهنتو میتونی قورت بدی؟»
        k = unit.question
        while k > 0 and sents[k - 1].speaker == q.speaker and sents[k - 1].question and k - 1 not in in_unit:
            k -= 1
        if k < unit.question - 1:
            lead = " ".join(sents[i].text for i in range(k, unit.question))
        if answers and k < unit.question:
            # the turn's earlier questions belong to the unit (its answer answers them all): its span starts
            # at the first, so a keyword there is asked in the unit; the text classified stays the same
            in_unit.update(range(k, unit.question))
        out.append(
            Segment(
                start=sents[k].start if answers else q.start,
                end=answers[-1].end if answers else q.end,
                evidence=evidence,
                text=" ".join([q.text, *(a.text for a in answers)]),
                sentences=(q.text, *(a.text for a in answers)),
                role=role,
                question=not answers,
                attribute=unit.attribute,
                polarity=unit.polarity,
                lead=lead,
                asked_end=q.end,
            )
        )
    for i, s in enumerate(sents):
        if i in in_unit or not s.text.strip():
            continue
        before = sents[i - 1] if i > 0 else None
        asked_before = before is not None and before.speaker != s.speaker and bool(before.question)
        out.append(
            Segment(
                start=s.start,
                end=s.end,
                evidence=(s.start, s.end),
                text=s.text,
                sentences=(s.text,),
                role=s.speaker or "other",
                question=bool(s.question),
                lead=before.text if before is not None and asked_before else "",
            )
        )
    out.sort(key=lambda seg: seg.start)
    return out


def segment_vectors(encode, segs: list[Segment]) -> np.ndarray:
    """(n, dim) L2-normalised mean of each segment's sentence vectors (each sentence embedded once)."""
    texts = sorted({t for seg in segs for t in seg.sentences})
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vecs = np.asarray(encode(texts), dtype=np.float32)
    index = {t: i for i, t in enumerate(texts)}
    out = np.zeros((len(segs), vecs.shape[1]), dtype=np.float32)
    for j, seg in enumerate(segs):
        out[j] = vecs[[index[t] for t in seg.sentences]].mean(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-9)


@dataclass
class SectionClassifier:
    """Softmax regression over ``SECTIONS`` (weights from ``scripts/train_checklist.py``)."""

    weights: np.ndarray  # (n_sections, dim)
    bias: np.ndarray  # (n_sections,)
    sections: tuple[str, ...]
    meta: dict = field(default_factory=dict)

    def proba(self, vectors: np.ndarray) -> np.ndarray:
        if len(vectors) == 0:
            return np.zeros((0, len(self.sections)), dtype=np.float32)
        logits = vectors @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)

    def column(self, section: str) -> int:
        return self.sections.index(section)

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            sections=np.array(self.sections),
            meta=np.array(json.dumps(self.meta)),
        )


_lock = threading.Lock()
_classifier: SectionClassifier | None = None
_profiles: dict[str, TopicProfile] | None = None


def load_classifier(path: Path = ARTIFACT) -> SectionClassifier:
    global _classifier
    with _lock:
        if _classifier is None or path != ARTIFACT:
            with np.load(path, allow_pickle=False) as data:
                clf = SectionClassifier(
                    weights=data["weights"],
                    bias=data["bias"],
                    sections=tuple(str(s) for s in data["sections"]),
                    meta=json.loads(str(data["meta"])),
                )
            if path != ARTIFACT:
                return clf
            _classifier = clf
        return _classifier


def starter_profiles() -> dict[str, TopicProfile]:
    """The hand-reviewed section map of the starter items (``data/item_topics.json``)."""
    global _profiles
    with _lock:
        if _profiles is None:
            raw = _item_topics_raw()["items"]
            _profiles = {
                key: TopicProfile(
                    sections=tuple(v.get("sections", ())),
                    needs_hint=bool(v.get("needs_hint", False)),
                    attributes=tuple(v.get("attributes", ())),
                    roles=tuple(v.get("roles", ())),
                    patterns=tuple(v.get("patterns", ())),
                    partial_patterns=tuple(v.get("partial_patterns", ())),
                    opening=int(v.get("opening", 0)),
                    exclude=compile_group(list(v.get("exclude", ()))),
                    statements_only=bool(v.get("statements_only", False)),
                    unhinted_min=float(v.get("unhinted_min", 0.0)),
                    decisive=tuple(v.get("decisive", ())),
                    history=bool(v.get("history", False)),
                    exclude_clause=bool(v.get("exclude_clause", False)),
                    named_condition=bool(v.get("named_condition", False)),
                    not_in_advice=bool(v.get("not_in_advice", False)),
                    declined=bool(v.get("declined", False)),
                    not_words=compile_group(list(v.get("not_words", ()))),
                    not_in_results=bool(v.get("not_in_results", False)),
                    not_in_findings=bool(v.get("not_in_findings", False)),
                    not_in_patient_questions=bool(v.get("not_in_patient_questions", False)),
                    not_as_impact=bool(v.get("not_as_impact", False)),
                )
                for key, v in raw.items()
            }
        return _profiles


@dataclass(frozen=True, slots=True)
class ItemContext:
    """Where a specialty item's keyword means the item (``contexts`` and ``visits`` of ``item_topics.json``)."""

    near: re.Pattern | None = None  # one of these words must be beside the keyword
    terms: re.Pattern | None = None  # only these keywords need ``near`` (all of them when None)
    not_in_advice: bool = False  # a doctor's conditional advice is not the patient's history
    visit: re.Pattern | None = None  # the visit must name this (a diabetes item in a diabetes visit)
    # when the patient's first ``opening`` sentences name a ``near`` word, the visit is about it and every keyword
    # has its sense («سینه‌م سنگین میشه» … «درد جایی پخش میشه؟ دست چپ، فک، پشت؟»)
    opening: int = 0


_contexts: dict[str, ItemContext] | None = None


def item_contexts() -> dict[str, ItemContext]:
    """The starter items' keyword contexts, by item key."""
    global _contexts
    with _lock:
        if _contexts is None:
            raw = _item_topics_raw()
            visit_of: dict[str, re.Pattern | None] = {}
            for kind in raw.get("visits", {}).values():
                words = compile_group(list(kind["words"]))
                visit_of.update(dict.fromkeys(kind["items"], words))
            contexts = raw.get("contexts", {})
            _contexts = {
                key: ItemContext(
                    near=compile_group(list(contexts.get(key, {}).get("near", ()))),
                    terms=compile_group(list(contexts.get(key, {}).get("terms", ()))),
                    not_in_advice=bool(contexts.get(key, {}).get("not_in_advice", False)),
                    opening=int(contexts.get(key, {}).get("opening", 0)),
                    visit=visit_of.get(key),
                )
                for key in set(contexts) | set(visit_of)
            }
        return _contexts


def classified_profile(
    probs: np.ndarray, sections: tuple[str, ...], *, min_share: float = 0.25
) -> TopicProfile:
    """A profile for an item outside the map, from the section probabilities of its own text: the
    sections holding at least ``min_share`` of it; keywords required (the text names a topic, not a
    whole section)."""
    chosen = tuple(s for s, p in zip(sections, probs, strict=True) if p >= min_share and s != "OTHER")
    if not chosen:
        chosen = (sections[int(np.argmax(probs))],)
    return TopicProfile(sections=chosen, needs_hint=True, source="classified")
