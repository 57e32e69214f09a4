"""Speech-recognition style input: no speaker labels, no punctuation, no capitals.

PocketSphinx gives one segment per speech region with ``speaker=None``. Before the rules engine
classifies anything, long segments are cut into clauses at discourse cues ("this looks like",
"i will", "and i want you to", "come back", "and your ... is") and every clause gets a speaker and a
question flag from light heuristics: doctor questions ("what brings you in", "do you", "any fever")
and doctor statements ("your blood pressure is", "i will start", "the exam is normal") versus the
patient's first-person history ("i have", "i take", "i'm allergic", "my ..."). Offsets are kept, so
evidence spans stay exact transcript text.
"""

from __future__ import annotations

import re
from dataclasses import replace

from soapify.core.transcript import SPEAKER_DOCTOR, SPEAKER_PATIENT

from .text import Sentence

UNLABELLED_SHARE = 0.6  # a transcript is "unlabelled" when this share of its sentences has no speaker

# Where a new clause starts inside an unpunctuated segment. The optional connective before the cue
# ("and", "so") is left out of both clauses.
_CUT = re.compile(
    r"(?<=\sاست)(?<!روز است)(?<!هفته است)(?<!ماه است)(?<!سال است)\s+(?:و\s+)?(?=\S)|\s+و\s+(?=اگر\s)|"  # Persian: after "است" (is), before "و اگر" (and if)
    r"\s+(?:(?:and|so|but|then|okay|alright|now)\s+)?(?="
    r"(?:this|it|that) (?:looks|sounds|seems) like\b|"
    r"i(?:'m| am) (?:going to|gonna|gon na) (?:start|prescribe|order|send|refer|give|put|get|have|check)|"
    r"i (?:will|'ll)\b|i'll\b|we(?:'ll| will| are going to|'re going to)\b|let's\b|"
    r"i want you to\b|i(?:'d| would) like (?:you|to)\b|i recommend\b|"
    r"come back\b|follow up (?:in|with)\b|see you (?:back|again|in)\b|"
    r"your (?:\w+ ){0,2}(?:is|are|was|were|looks?|sounds?)\b|"
    r"the (?:\w+ )?(?:exam|examination) (?:is|was)\b|on (?:physical )?exam\b|"
    r"i(?:'m| am) allergic\b|i(?:'m| am) (?:on|taking)\b|i take\b|"
    r"it(?:'s| is) (?:mostly|usually|always|worse|better|on|in)\b|(?<=and )(?:do|did|have|are) you\b"
    r")",
    re.IGNORECASE,
)
_MIN_WORDS = 2

_QUESTION = re.compile(
    r"^(?:(?:okay|ok|alright|so|and|now|well|um|uh)\s+)*(?:"
    r"what|when|where|why|how|which|who|whose|"
    r"do you|did you|does (?:it|that|this|anything|the|your)|have you|has (?:it|that|anyone|the|your)|"
    r"are you|is (?:it|that|this|there|the|your)|was (?:it|that|there)|were you|can you|could you|"
    r"would you|will you|any\b|anything|tell me|is that|you (?:have|had|don't|didn't)\b.*\bright$|"
    r"any other|no other)\b",
    re.IGNORECASE,
)
_DOCTOR = re.compile(
    r"\b(?:your|you(?:'re| are) going to|i(?:'m| am) (?:going to|gonna|gon na) (?:start|prescribe|order|send|refer|give|put|"
    r"get|have|check|examine|listen)|i will|i'll|i want you to|i(?:'d| would) like (?:you|to)|let's|"
    r"let me|we(?:'ll| will)|come back|follow up|see you|this (?:looks|sounds|seems) like|"
    r"(?:looks|sounds) like (?:a|an|you)|i recommend|i think (?:you|this|it)|prescrib\w*|"
    r"(?:exam|examination) (?:is|was|shows)|on (?:physical )?exam|no (?:murmurs?|rashes?|edema|"
    r"tenderness|swelling|lymphadenopathy)|lungs? (?:are|is|sound)|heart (?:is|sounds)|"
    r"(?:blood pressure|temperature|pulse|heart rate|oxygen|vitals?) (?:is|are|was|were)|"
    r"i (?:hear|see|note|appreciate|don't hear|do not hear)\b|you (?:should|need to|can|have (?:a|an))\b)",
    re.IGNORECASE,
)
_PATIENT = re.compile(
    r"^(?:(?:yeah|yes|no|well|um|uh|so|and|but|oh|okay|i mean)\s+)*"
    r"(?:i(?:'m|'ve|'d)?\b|my\b|me\b|it(?:'s| is| was| hurts| started| gets)\b|"
    r"yes\b|yeah\b|yep\b|no\b|nope\b|not really|sometimes|a little|mostly)",
    re.IGNORECASE,
)
_ASSISTANT = re.compile(r"\b(?:hey dragon|dragon|dax|nuance)\b")
_SMALL = re.compile(
    r"^(?:hi|hello|hey|good (?:morning|afternoon|evening)|thank(?:s| you)|bye|nice to)\b", re.I
)

# Persian: a doctor addresses the patient (شما, ‌اید/ید endings, question words); the patient speaks
# in the first person (دارم, ندارم, ـم endings, من).
_FA_QUESTION = re.compile(r"^(?:چه|چرا|کی|کجا|چطور|چگونه|آیا|چند)|(?:دارید|داری|دارین|می‌?کنید|نه)\s*$")
_FA_DOCTOR = re.compile(
    r"(?:^|\s)(?:شما|تان|تون)(?:\s|$)|بدهید|دهید|بخورید|برگردید|مراجعه کنید|تجویز|فشار خون|دمای بدن|ضربان|"
    r"معاینه|احتمالا|احتمالاً|تشخیص"
)
_FA_PATIENT = re.compile(r"(?:^|\s)(?:من|دارم|ندارم|م)(?:\s|$)|(?:ام|یم|م)\s*$")


def unlabelled(sents: list[Sentence]) -> bool:
    if not sents:
        return False
    return sum(1 for s in sents if s.speaker is None) >= UNLABELLED_SHARE * len(sents)


def _has_punct(s: Sentence) -> bool:
    return bool(re.search(r"[.,?!؟;]", s.text))


# Natural conversation transcribed without punctuation (ACI-BENCH's "aci" part, many STT engines):
# beyond the cues above, a turn restarts at "okay" / "alright" / "now" and at a question
# ("... my elbow is sore | which elbow is it", "okay | now were you having chills").
_RUN_ON_CUT = re.compile(
    _CUT.pattern
    + r"|\s+(?=(?:okay|ok|alright|all right|now)\s+\S+\s+\S+)"
    + r"|(?<!\bwhat)(?<!\bhow)(?<!\bwhen)(?<!\bwhere)(?<!\bwhy)(?<!\bwho)(?<!\bwhich)(?<!\bif)(?<!\bthat)"
    r"\s+(?=(?:(?:and|so|but|well|um|uh)\s+)?(?:do you|did you|does it|have you|are you|were you|is there|"
    r"is it|can you|could you|what(?:'s| is| are| was| did| do| kind)|how (?:long|often|much|many|is|are|did|do|bad|high)|"
    r"when did|where (?:is|does|do)|which)\b)",
    re.IGNORECASE,
)
RUN_ON_WORDS = 12  # an unpunctuated sentence at least this long is cut into clauses


def split_run_ons(sents: list[Sentence]) -> list[Sentence]:
    """Cut long unpunctuated sentences of a labelled transcript into clauses (speakers kept)."""
    out: list[Sentence] = []
    for s in sents:
        if re.search(r"[.?!؟]", s.text) or len(s.text.split()) < RUN_ON_WORDS:
            out.append(s)
        else:
            out.extend(split_clauses([s], _RUN_ON_CUT, force=True))
    return out


def split_clauses(
    sents: list[Sentence], pattern: re.Pattern[str] = _CUT, *, force: bool = False
) -> list[Sentence]:
    """Cut unpunctuated sentences into clauses at discourse cues; offsets stay transcript offsets."""
    out: list[Sentence] = []
    for s in sents:
        if _has_punct(s) and not force:
            out.append(s)
            continue
        pos = 0
        cuts: list[tuple[int, int]] = []
        for m in pattern.finditer(s.text):
            if (
                len(s.text[pos : m.start()].split()) < _MIN_WORDS
                or len(s.text[m.end() :].split()) < _MIN_WORDS
            ):
                continue
            cuts.append((m.start(), m.end()))
            pos = m.end()
        pos = 0
        for a, b in [*cuts, (len(s.text), len(s.text))]:
            chunk = s.text[pos:a]
            if chunk.strip():
                out.append(replace(s, start=s.start + pos, end=s.start + a, text=chunk))
            pos = b
    return out


def classify(text: str, lang: str = "en") -> tuple[str | None, bool]:
    """(speaker or None when unsure, is_question) for one unpunctuated clause."""
    t = text.strip()
    if lang == "fa":
        q = bool(_FA_QUESTION.search(t))
        if q or _FA_DOCTOR.search(t):
            return SPEAKER_DOCTOR, q
        if _FA_PATIENT.search(t):
            return SPEAKER_PATIENT, False
        return None, False
    low = t.lower()
    if _QUESTION.match(low):
        return SPEAKER_DOCTOR, True
    doctor = bool(_DOCTOR.search(low))
    patient = bool(_PATIENT.match(low))
    if doctor and not (patient and re.match(r"(?:\w+\s+){0,2}i (?:have|had|take|get|feel|felt)\b", low)):
        return SPEAKER_DOCTOR, False
    if patient:
        return SPEAKER_PATIENT, False
    if _SMALL.match(low) or _ASSISTANT.search(low):
        return SPEAKER_DOCTOR, False
    return None, False


def infer_speakers(sents: list[Sentence], lang: str = "en") -> list[Sentence]:
    """Clauses with speakers and question flags for a transcript that has (mostly) none."""
    clauses = split_clauses(sents)
    out: list[Sentence] = []
    prev: Sentence | None = None
    for s in clauses:
        if s.speaker is not None:  # a labelled segment keeps its label
            out.append(s)
            prev = s
            continue
        speaker, question = classify(s.text, lang)
        question = question or s.text.rstrip().endswith(("?", "؟"))
        if speaker is None:
            if prev is not None and prev.speaker == SPEAKER_DOCTOR and prev.question:
                speaker = SPEAKER_PATIENT  # the answer to a question
            elif prev is not None and prev.turn == s.turn and prev.speaker:
                speaker = prev.speaker  # the rest of the same speech region
            elif prev is not None and prev.speaker == SPEAKER_DOCTOR:
                speaker = SPEAKER_PATIENT  # speech regions mostly alternate
            else:
                speaker = SPEAKER_DOCTOR
        s = replace(s, speaker=speaker, question=question)
        out.append(s)
        prev = s
    return out
