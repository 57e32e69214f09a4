"""Assessment and plan by problem: which problem each assessment statement and plan item belongs to.

A doctor walks through the problems one by one ("for your first problem, your congestive heart failure,
...", "in terms of your depression ...", "from a reflux standpoint ...") or tells a diagnosis ("he has an
ear infection"); what is planned after it, up to the next problem, belongs to it, unless a plan
statement names another known problem itself ("for the blood pressure, continue the lisinopril").

``find_problems`` finds the problems a visit discusses (name, span, sentence), ``link`` writes each
one's name into the ``problem`` field of the assessment and plan items that belong to it, and adds a
diagnosis statement (the problem's name, with the name's span as evidence) for a problem that has
none of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from soapify.core.draft_schema import Item
from soapify.core.transcript import SPEAKER_DOCTOR

from . import lexicons as lx
from .text import Sentence

_DET = r"(?:(?:your|his|her|their|the|this|that|a|an|my)\s+)"
_STOP = (
    r"we|i|i'm|i'd|i'll|i've|it|it's|you|you're|you've|she|she's|he|he's|they|is|was|are|were|that|which|"
    r"so|and|but|um|uh|since|today|okay|ok|now|as|because|there|then|for|we'll|we're|let's|let|if|what|"
    r"how|again|just|your|his|her|their|the|this|that|a|an|my|seems|looks|sounds|who|where|when|has|have|had|will|would|can|could|should|do|"
    r"does|did|um-hmm|mm-hmm|like|with|to|on|at|in|from|of|or|not|all|actually|really|kind|sort|said"
)
# a problem's name: one to five words, up to a pronoun, a verb or punctuation
_NAME = rf"((?:(?!(?:{_STOP})\b)[a-z][\w'-]*)(?:\s+(?!(?:{_STOP})\b)[a-z][\w'-]*){{0,4}})"
_HEADS = [
    # "for your first problem, your congestive heart failure", "your next problem of your hypertension"
    re.compile(
        rf"\b(?:first|second|third|fourth|fifth|next|last|final|other|main)\s+(?:problem|issue|concern)"
        rf"(?:\s+(?:is|was|of|for|with|regarding))?\W+(?:(?:is|was|of|for|with)\s+)?{_DET}?{_NAME}",
        re.IGNORECASE,
    ),
    # "in terms of your depression", "regarding her hypertension", "as far as your reflux"
    re.compile(
        rf"\b(?:in terms of|regarding|with regards? to|as far as|as for|moving on to|now for|then for)\s+"
        rf"{_DET}?{_NAME}",
        re.IGNORECASE,
    ),
    # "from a depression standpoint", "diabetes-wise"
    re.compile(rf"\bfrom an?\s+{_NAME}\s+(?:standpoint|perspective|point of view)", re.IGNORECASE),
    # "for your migraines" (a diagnosis only: "for the pain" is not a problem heading)
    _FOR_HEAD := re.compile(rf"\bfor\s+{_DET}{_NAME}", re.IGNORECASE),
]
# a test just before "for your X": "bloods for your thyroid", "a scan for your kidneys"
_TESTED_FOR = re.compile(
    r"\b(?:bloods?|blood tests?|blood work|tests?|scans?|x-?rays?|ultrasound|swabs?|samples?|levels?|monitor)"
    r"(?:\s+(?:today|as well|too|also))?\W*$",
    re.IGNORECASE,
)
_TOLD = re.compile(
    r"(?:looks like|sounds like|consistent with|diagnos(?:is|ed) (?:of|with|is)|you have|you've got|"
    r"(?:he|she|they) (?:has|have|'s got)|(?:it's|it is|this is|that's) called|this is|these are|"
    # "the most likely explanation is that these are panic attacks"
    r"most likely(?: (?:explanation|cause|diagnosis) is)?(?: that)?(?: (?:these are|this is|it's|it is|you have))?|"
    r"suspect|my impression is|"
    r"could be|might be|worried about|concerned about|rule out|"
    r"دچار|مبتلا به|تشخیص)\s+(?:an? |the |some |a case of )?"
    # "it sounds like something called svt": the name after what introduces it
    r"(?:(?:something|a thing|what's|what is|what we) (?:called|known as|call) )?([^,.;?!]{3,60})",
    re.IGNORECASE,
)
# a named condition: a diagnosis word, a symptom term, or a body-part problem ("knee pain")
_CONDITION = re.compile(
    lx.DIAGNOSIS.pattern
    + r"|\b(?:high blood pressure|blood pressure|cholesterol|blood sugar|sugars?|heart failure|"
    r"kidney|thyroid|arthritis|pain|injury|rash|acne|cough|headaches?|weight|sleep apnea|"
    r"transplant|deficiency|lesion|mass|nodule|cyst|wound|burn|infection|stones?|"
    r"a1c|osteo\w+|hyper\w+|hypo\w+)\b",
    re.IGNORECASE,
)
_SYNONYMS = {
    "high blood pressure": "hypertension",
    "blood pressure": "hypertension",
    "elevated blood pressure": "hypertension",
    "sugar": "diabetes",
    "sugars": "diabetes",
    "blood sugar": "diabetes",
    "diabetes mellitus": "diabetes",
    "type 2 diabetes": "diabetes",
    "cholesterol": "hyperlipidemia",
    "high cholesterol": "hyperlipidemia",
    "heart failure": "congestive heart failure",
    "chf": "congestive heart failure",
    "migraine": "migraines",
    "acid reflux": "reflux",
    "gerd": "reflux",
}
_TRAILING = re.compile(r"(?:\s+(?:problem|issue|concern|today|here|there|again|as well|too|also))+$", re.I)


@dataclass(frozen=True)
class Problem:
    name: str  # normalised ("hypertension"), the key items link to
    text: str  # as said ("high blood pressure")
    start: int
    end: int
    sentence: int


def normalise(name: str) -> str:
    low = re.sub(r"\s+", " ", name.lower()).strip(" -'")
    low = _TRAILING.sub("", low)
    return _SYNONYMS.get(low, low)


def _mention(s: Sentence, i: int, lang: str, label: str) -> Problem | None:
    text = s.text
    assessment = label == "assessment"
    if lang == "en":
        for k, head in enumerate(_HEADS):
            if k and label not in ("assessment", "plan"):
                continue  # "in terms of your knee" in the history opens no problem; "your first problem" does
            for m in head.finditer(text):
                said = _TRAILING.sub("", m.group(1).strip())
                if not said or (k != 0 and not _CONDITION.search(said)):
                    continue  # "in terms of your activity": not a problem heading
                if head is _FOR_HEAD and re.fullmatch(
                    r"(?:\w+ )?(?:pain|discomfort|symptoms?|shots?|vaccines?)", said, re.I
                ):
                    continue  # "keep taking ibuprofen for the pain": a symptom treated, not a problem
                if head is _FOR_HEAD and _TESTED_FOR.search(text, 0, m.start()):
                    continue  # "bloods for your thyroid, salts and blood count": what a test looks at
                a = s.start + m.start(1)
                return Problem(normalise(said), said, a, a + len(said), i)
    if not assessment:
        return None
    told = _TOLD.search(text)
    if told and (d := lx.DIAGNOSIS.search(told.group(1))):
        # the diagnosis and the words that qualify it before it ("an acute exacerbation of your arthritis")
        # up to its last diagnosis word ("viral gastroenteritis", not "viral"), before what it comes with
        lead = re.split(r"\s+(?:with|and|due to|from|because|secondary to)\s+|[,;]", told.group(1))[0]
        end = max((m.end() for m in lx.DIAGNOSIS.finditer(lead)), default=d.end())
        said = told.group(1)[:end].strip()
        said = re.sub(rf"^{_DET}", "", said, flags=re.IGNORECASE)
        a = s.start + told.start(1) + told.group(1).find(said)
        return Problem(normalise(said), said, a, a + len(said), i)
    # Persian: the most specific name said ("اوتیت" rather than the "عفونت" before it)
    found = list(lx.DIAGNOSIS.finditer(text)) if lang == "fa" else []
    d = next((m for m in found if m.group(0) not in _FA_GENERIC), found[0] if found else None)
    if d:
        name = _FA_CONDITION_OF.get(d.group(0).replace(" ", "\u200c"), d.group(0))
        return Problem(name, d.group(0), s.start + d.start(), s.start + d.end(), i)
    return None


#: a condition said as what the patient is ("کم‌آبه": is dehydrated) named as the condition
_FA_CONDITION_OF = {"کم\u200cآب": "کم\u200cآبی"}
_FA_GENERIC = frozenset({"عفونت", "التهاب", "اختلال", "سندرم", "ویروسی", "باکتریایی", "باکتریال", "میکروبی"})


def find_problems(sents: list[Sentence], labels: list[str], lang: str) -> list[Problem]:
    """The problems the doctor discusses, in the order first named (one per name)."""
    found: list[Problem] = []
    for i, s in enumerate(sents):
        if s.speaker != SPEAKER_DOCTOR or s.question:
            continue
        p = _mention(s, i, lang, labels[i])
        if p is not None:
            found.append(p)
    return found


def _start(item: Item) -> int:
    return min((ev["start"] for ev in item["evidence"]), default=0)


def link(problems: list[Problem], assessment: list[Item], plan: list[Item]) -> list[Problem]:
    """Set ``problem`` on assessment and plan items; return the problems no assessment statement names
    (named only in a plan sentence, say): the caller adds a diagnosis statement for each."""
    if not problems:
        return []
    names = list(dict.fromkeys(p.name for p in problems))
    by_name = {n: re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE) for n in names}
    said = {p.text.lower(): p.name for p in problems}

    def named(text: str) -> str | None:
        low = text.lower()
        hits = [(m.start(), n) for n, rx in by_name.items() if (m := rx.search(low))]
        hits += [(low.find(t), n) for t, n in said.items() if t in low]
        return min(hits)[1] if hits else None

    def current(pos: int) -> str | None:
        before = [p for p in problems if p.start <= pos]
        return before[-1].name if before else None

    for it in assessment:
        inside = [p for p in problems if any(ev["start"] <= p.start < ev["end"] for ev in it["evidence"])]
        name = inside[0].name if inside else named(it["text"]) or current(_start(it))
        if name:
            it["problem"] = name
        if inside and not it.get("name"):
            it["name"] = inside[0].name
    for it in plan:
        pos = _start(it)
        inside = [p for p in problems if any(ev["start"] <= p.start < ev["end"] for ev in it["evidence"])]
        name = inside[0].name if inside else current(pos)
        if it["kind"] != "medication":
            name = named(it["text"]) or name
        if name:
            it["problem"] = name
    told = {
        it["problem"]
        for it in assessment
        if it.get("problem")
        and (by_name[it["problem"]].search(it["text"]) or _holds(it, problems, it["problem"]))
    }
    return [next(p for p in problems if p.name == n) for n in names if n not in told]


def _holds(item: Item, problems: list[Problem], name: str) -> bool:
    return any(
        p.name == name and ev["start"] <= p.start < ev["end"] for p in problems for ev in item["evidence"]
    )
