"""Clinical style: spoken turns rewritten in the third person, section text rendered from items."""

from __future__ import annotations

import re

from . import lexicons as lx

# a word said twice in a row ("i , i have"), not a number ("nine one one", "twenty twenty")
_REPEAT = re.compile(
    r"\b(?!(?:one|two|three|four|five|six|seven|eight|nine|zero|oh|ten|twenty|\d+)\b)(\w+(?:'\w+)?)(?:\s*,?\s+\1\b)+",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:(?:yeah|yes|yep|okay|ok|so|well|and|but|oh|um|uh|right|alright|all right|sure|mm-hmm)\s*[,.]?\s+)+",
    re.IGNORECASE,
)
_SPACE_PUNCT = re.compile(r"\s+([,.?!;:])")
_MULTI_COMMA = re.compile(r"(?:,\s*){2,}")
_MODALS = {
    "can", "could", "will", "would", "should", "might", "must", "may", "was", "had", "did", "used",
    "never", "also", "just", "still", "really", "always", "usually", "only", "maybe", "probably",
    "actually", "definitely", "sometimes", "often", "even", "already", "recently", "finally",
}  # fmt: skip
_PAST = frozenset(
    "felt had was got took went came saw said thought knew told kept left fell hurt broke ran began ate drank "
    "slept gave made found lost put quit hit cut set let became bought brought caught heard meant sat stood "
    "wore woke flew drove rode swam threw blew grew drew chose froze spoke stole wrote bit hid fought taught "
    "sang rang sank shook tore swore led fed read spent sent built paid met understood".split()
)
_BASE_ED = frozenset("need feed bleed proceed exceed succeed seed speed breed".split())
_IRREGULAR = {
    "have": "has",
    "do": "does",
    "go": "goes",
    "am": "is",
    "'m": "is",
    "'ve": "has",
    "don't": "doesn't",
    "haven't": "hasn't",
    "are": "is",
    "aren't": "isn't",
    "were": "was",
    "weren't": "wasn't",
}


def _verb3(verb: str) -> str:
    low = verb.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low in _MODALS or low in _PAST or (low.endswith("ed") and low not in _BASE_ED) or not low.isalpha():
        return verb
    if low.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if low.endswith("y") and len(low) > 2 and low[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


_CONTRACTIONS = (
    (re.compile(r"\bgon ?na\b", re.IGNORECASE), "going to"),
    (re.compile(r"\bwan ?na\b", re.IGNORECASE), "want to"),
    (re.compile(r"\bgot ?ta\b", re.IGNORECASE), "got to"),
    (re.compile(r"\s+n't\b"), "n't"),
    (re.compile(r"\s+'(s|re|ve|ll|d|m)\b"), r"'\1"),
)


def clean_spoken(text: str) -> str:
    """Drop fillers and stutters: 'i , i have um a headache' → 'I have a headache'."""
    t = text
    for pat, rep in _CONTRACTIONS:
        t = pat.sub(rep, t)
    t = lx.FILLER_RE.sub("", t)
    t = _REPEAT.sub(r"\1", t)
    t = _LEAD.sub("", t.strip())
    t = _MULTI_COMMA.sub(", ", t)
    t = _SPACE_PUNCT.sub(r"\1", t)
    t = re.sub(r"\s{2,}", " ", t).strip(" ,")
    return t


# A parent speaking for a child who is the patient: "my son has had a fever", "پسرم تب داره"
_CHILD_EN = r"(?:son|daughter|child|kid|baby|little one|little boy|little girl|boy|girl|toddler|infant)"
# the parent's words ("my son has had a fever", "پسرم از دیروز تب داره"), and the doctor's question
# about the child's problem ("what seems to be the problem with your son?", "پسرتون چی شده؟"); not
# the doctor's "سلام دخترم" (an adult addressed kindly) nor "how's your son doing these days?"
CAREGIVER_EN = re.compile(rf"\bmy {_CHILD_EN}\b|\b(?:he|she)'s (?:my|our) {_CHILD_EN}\b", re.IGNORECASE)
CAREGIVER_FA = re.compile(
    r"(?:پسرم|دخترم|بچه[\u200c ]?ام|بچم|نوزادم|پسر\s?کوچولوم|دختر\s?کوچولوم)(?![^\W\d_])"
)
# the child brought to the visit introduced: "this is maya, she's four"
_THIRD_PERSON_CHILD = re.compile(r"\bthis is \w+,? (?:she|he)(?:'s| is)\b", re.IGNORECASE)
CAREGIVER_ASKED = re.compile(
    rf"\b(?:your|the) {_CHILD_EN}\b.*\b(?:problem|wrong|matter|going on|brings?|symptoms?|sick|ill)\b|"
    rf"\b(?:problem|wrong|matter|going on|brings?|symptoms?)\b.*\b(?:your|the) {_CHILD_EN}\b|"
    r"(?:پسرتون|دخترتون|بچه[\u200c ]?تون|بچتون|نوزادتون|پسر شما|دختر شما|بچه شما)(?![^\W\d_]).*"
    r"(?:چی شده|چشه|مشکل|ناراحتی|مریض)",
    re.IGNORECASE,
)
FIRST_PERSON_EN = re.compile(r"\b(?:i|i'm|i've|me|my own)\b", re.IGNORECASE)
FIRST_PERSON_FA = re.compile(r"(?:دارم|می[\u200c ]?کنم|شدم|هستم|منو|من)(?![^\W\d_])")
PARENT = {"subj": "the parent", "obj": "the parent", "poss": "the parent's", "refl": "the parent"}


def pronouns(gender: str | None) -> dict[str, str]:
    if gender == "parent":
        return PARENT
    if gender == "female":
        return {"subj": "she", "obj": "her", "poss": "her", "refl": "herself"}
    if gender == "male":
        return {"subj": "he", "obj": "him", "poss": "his", "refl": "himself"}
    return {"subj": "the patient", "obj": "the patient", "poss": "the patient's", "refl": "themselves"}


def _possessive(text: str, word: str, poss: str) -> str:
    """``word`` ("my", "your") → ``poss``; without a gender, "their" once the sentence has already
    named the patient ("The patient twisted their ankle", not "… the patient's ankle")."""
    out, last = [], 0
    for m in re.finditer(word, text, flags=re.IGNORECASE):
        out.append(text[last : m.start()])
        done = "".join(out)
        sentence = done[max(done.rfind(c) for c in ".;!?") + 1 :]
        named = poss in ("the patient's", "the patient") and "the patient" in sentence.lower()
        out.append(("their" if poss == "the patient's" else "them") if named else poss)
        last = m.end()
    return "".join(out) + text[last:]


_I_VERB = re.compile(r"\bi(?:'m|'ve|'d|'ll)?\b(\s+(?:don't|do|have|am|go|[a-z]+(?:'t)?)\b)?", re.IGNORECASE)


def patient_to_third(
    text: str, gender: str | None = None, *, caregiver: bool = False, speaker: str | None = None
) -> str:
    """First person (patient) → third person: 'I have had a cough' → 'She has had a cough'. With
    ``caregiver`` the speaker is a parent: 'my son has had a fever, I gave him ibuprofen' → 'The
    parent's son has had a fever, the parent gave him ibuprofen'; a ``speaker`` other than the
    patient ("mother", "wife") is named: 'I checked' → 'the mother checked'. Relatives stay
    relatives ("my dad had sleep apnea" is never the patient's)."""
    if speaker:
        p = {
            "subj": f"the {speaker}",
            "obj": f"the {speaker}",
            "poss": f"the {speaker}'s",
            "refl": f"the {speaker}",
        }
    else:
        p = pronouns("parent" if caregiver else gender)
    t = clean_spoken(text)

    def sub_i(m: re.Match[str]) -> str:
        head = m.group(0)[: len(m.group(0)) - len(m.group(1) or "")]
        verb = (m.group(1) or "").strip()
        low = head.lower()
        if low == "i'm":
            return f"{p['subj']} is" + (f" {verb}" if verb else "")
        if low == "i've":
            return f"{p['subj']} has" + (f" {verb}" if verb else "")
        if low == "i'd":
            return f"{p['subj']} would" + (f" {verb}" if verb else "")
        if low == "i'll":
            return f"{p['subj']} will" + (f" {verb}" if verb else "")
        return f"{p['subj']} {_verb3(verb)}" if verb else p["subj"]

    t = _I_VERB.sub(sub_i, t)
    t = _possessive(t, r"\bmy\b", p["poss"])
    t = re.sub(r"\bmyself\b", p["refl"], t, flags=re.IGNORECASE)
    t = _possessive(t, r"\bme\b", p["obj"])  # "… has been killing them", not "killing the patient"
    t = re.sub(r"\bmine\b", p["poss"], t, flags=re.IGNORECASE)
    return sentence_case(t)


_DOCTOR_SUBS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(a, re.IGNORECASE), b)
    for a, b in (
        (r"\b(?:i'm|i am|we're|we are) (?:also |just |then )?going to\b", "we will"),
        (r"\b(?:i'll|we'll|i will|let's|let us)\b", "we will"),
        (r"\bi(?:'d| would) (?:also |just )?like you to\b", "the patient should"),
        (r"\bi(?:'d| would) (?:also |just )?like to\b", "we will"),
        (r"\bi want you to\b", "the patient should"),
        (r"\bi could\b", "we could"),
        (r"\bi want to\b", "we will"),
        (r"\bwe(?:'d| would) like to\b", "we will"),
        (r"\bi think\b", ""),
        (
            r"\bi (?:do )?(?:hear|appreciate|note|see|notice|feel)\b(?= (?:a|an|some|mild|slight|trace|no)\b)",
            "there is",
        ),
    )
)


_SUBJECT_YOU = re.compile(
    r"((?:^|[,.;:]\s*|\b(?:and|or|but|that|if|when|because|so|since|until|before|after|while|know|think|said|see|hope)\s+))you\b"
    r"\s+((?:ever|still|also|just|really|only|usually)\s+)?(\w+ed|can|could|should|might|may|must|need|feel|take|get|go|said|mentioned|know|had|did|want|"
    r"think|have|haven't|don't|didn't|can't|seem|look|sound|continue|keep|start|came|went|got|were|are|"
    r"finish|notice|develop|run|use|experience|wake|lose|gain|miss|forget|stop|try|walk|eat|drink|sleep|"
    r"faint|fall|stand|sit|lie|bend|pass out|throw up|vomit|see|hear|check|call|come)\b",
    re.IGNORECASE,
)


def doctor_to_note(text: str, gender: str | None = None) -> str:
    """Doctor speech → note style: 'I'm going to prescribe you ...' → 'We will prescribe ...'."""
    p = pronouns(gender)
    t = clean_spoken(text)
    for pat, rep in _DOCTOR_SUBS:
        t = pat.sub(rep, t)
    t = re.sub(r"\byou(?:'re| are)\b", f"{p['subj']} is", t, flags=re.IGNORECASE)
    t = re.sub(r"\byou were\b", f"{p['subj']} was", t, flags=re.IGNORECASE)
    t = re.sub(r"\byou(?:'ll| will)\b", f"{p['subj']} will", t, flags=re.IGNORECASE)
    t = re.sub(r"\byou(?:'d| would)\b", f"{p['subj']} would", t, flags=re.IGNORECASE)
    t = re.sub(r"\byou do\b", f"{p['subj']} does", t, flags=re.IGNORECASE)
    t = re.sub(r"\byou don't\b", f"{p['subj']} doesn't", t, flags=re.IGNORECASE)
    for _ in range(2):  # twice: "you said you haven't" has two overlapping matches
        t = _SUBJECT_YOU.sub(lambda m: f"{m.group(1)}{p['subj']} {m.group(2) or ''}{_verb3(m.group(3))}", t)
    t = re.sub(r"\byou've\b", f"{p['subj']} has", t, flags=re.IGNORECASE)
    t = re.sub(r"\byou have\b", f"{p['subj']} has", t, flags=re.IGNORECASE)
    t = _possessive(t, r"\byour\b", p["poss"])
    t = re.sub(r"\byourself\b", p["refl"], t, flags=re.IGNORECASE)
    t = re.sub(r"^you\b", p["subj"], t, flags=re.IGNORECASE)
    t = re.sub(r"\byou\b", p["obj"], t, flags=re.IGNORECASE)
    t = re.sub(r"\s{2,}", " ", t).strip()
    return sentence_case(t)


def sentence_case(text: str) -> str:
    t = text.strip()
    if not t:
        return t
    t = re.sub(r"\bi\b", "I", t)
    t = re.sub(r"([.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), t)
    t = t[0].upper() + t[1:]
    if t[-1] not in ".?!؟":
        t += "."
    return t


# the doctor greeting the patient by title: "hi mr. patel", "good morning mrs. kowalski"
_GREETED = re.compile(
    r"^\W*(?:\[doctor\]\s*)?(?:hi|hello|hey|good (?:morning|afternoon|evening)|welcome)(?: there)?[,\s]+"
    r"(mr|mrs|ms|miss)\b",
    re.IGNORECASE,
)
# a sentence about someone else: what its pronouns say is not the patient's sex
_THIRD_PERSON = re.compile(
    r"\b(?:baby|wife|husband|mom|mother|dad|father|sister|brother|daughter|son|friend|boss|partner|"
    r"girlfriend|boyfriend|grand\w+|aunt|uncle|neighbou?r|co-?worker)\b",
    re.IGNORECASE,
)


# someone the patient may go on talking about in later sentences ("my baby ... he wakes up every hour")
_OTHER_PERSON = re.compile(
    r"\b(?:(?:my|our) (?:new )?(?:baby|son|daughter|husband|wife|boyfriend|girlfriend|partner)|the (?:new )?baby)\b",
    re.IGNORECASE,
)


def guess_gender(text: str) -> str | None:
    """'female'/'male' from the visit: the stated demographics first, then the doctor's greeting by
    title (not when the visit is about a child), then pronoun counts outside sentences about someone
    else ("we have a new baby, she's three months")."""
    for m in lx.DEMOGRAPHIC.finditer(text):
        word = (m.group(2) or "").lower()
        if word:
            return "female" if word in ("female", "woman", "lady", "girl") else "male"
    child = CAREGIVER_EN.search(text) or CAREGIVER_ASKED.search(text) or _THIRD_PERSON_CHILD.search(text)
    greeted = _GREETED.search(text[:200])
    if greeted and not child:
        return "male" if greeted.group(1).lower() == "mr" else "female"
    if not child and _OTHER_PERSON.search(text):
        # an adult who talks about someone else (a new baby, a son, a boss): "he" and "she" go on
        # meaning that person in later sentences, so their count tells nothing about the patient's sex
        return None
    low = " ".join(x for x in re.split(r"(?<=[.?!\n])", text.lower()) if not _THIRD_PERSON.search(x))
    fem = len(re.findall(r"\b(?:female|woman|she|her|mrs|ms|miss|lady|girl)\b", low))
    male = len(re.findall(r"\b(?:male|man|he|his|him|mr|gentleman|guy|boy)\b", low))
    if fem > male and fem >= 2:
        return "female"
    if male > fem and male >= 2:
        return "male"
    return None


KIND_LABELS = {
    "en": {
        "chief_complaint": "Chief complaint", "hpi": "History of present illness", "ros": "Review of systems",
        "past_history": "Past history", "medication": "Medications", "allergy": "Allergies",
        "family_history": "Family history", "social_history": "Social history", "vital": "Vitals",
        "exam": "Examination", "result": "Results", "problem": "Assessment", "test": "Tests",
        "referral": "Referrals", "follow_up": "Follow-up", "instruction": "Instructions",
    },
    "fa": {
        "chief_complaint": "شکایت اصلی", "hpi": "شرح حال", "ros": "مرور سیستم‌ها", "past_history": "سابقه",
        "medication": "داروها", "allergy": "حساسیت", "family_history": "سابقه خانوادگی",
        "social_history": "سابقه اجتماعی", "vital": "علائم حیاتی", "exam": "معاینه", "result": "نتایج",
        "problem": "ارزیابی", "test": "آزمایش‌ها", "referral": "ارجاع", "follow_up": "پیگیری", "instruction": "توصیه‌ها",
    },
}  # fmt: skip


def _ros_line(items: list[dict], language: str) -> str:
    pos = list(dict.fromkeys(it.get("name") or it["text"] for it in items if not it["negated"]))
    neg = list(dict.fromkeys(it.get("name") or it["text"] for it in items if it["negated"]))
    if language == "fa":
        pos = list(dict.fromkeys(it["text"].split(":")[0] for it in items if not it["negated"]))
        neg = list(dict.fromkeys(it["text"].split(":")[0] for it in items if it["negated"]))
        parts = ([f"دارد: {'، '.join(pos)}."] if pos else []) + ([f"ندارد: {'، '.join(neg)}."] if neg else [])
    else:
        parts = ([f"Reports {', '.join(pos)}."] if pos else []) + (
            [f"Denies {', '.join(neg)}."] if neg else []
        )
    return " ".join(parts)


def _medication_texts(items: list[dict]) -> list[str]:
    """Structured medications once per drug (the most detailed mention), then narrative mentions."""
    best: dict[str, dict] = {}
    for it in items:
        if it.get("name"):
            key = it["name"].lower()
            detail = sum(1 for f in ("dose", "route", "frequency", "duration") if it.get(f))
            if key not in best or detail > sum(
                1 for f in ("dose", "route", "frequency", "duration") if best[key].get(f)
            ):
                best[key] = it
    narrative = [it["text"] for it in items if not it.get("name")]
    return list(dict.fromkeys([it["text"] for it in best.values()] + narrative))


def render_section(items: list[dict], language: str) -> str:
    """Section text: one labelled paragraph per item kind, in the items' order."""
    labels = KIND_LABELS["fa" if language == "fa" else "en"]
    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(item["kind"], []).append(item)
    lines: list[str] = []
    for kind, group in groups.items():
        if kind == "ros":
            body = _ros_line(group, language)
        elif kind == "medication":
            body = "; ".join(_medication_texts(group))
        else:
            sep = "; " if kind in ("vital", "medication") else " "
            body = sep.join(dict.fromkeys(it["text"].strip() for it in group if it["text"].strip()))
        if body:
            lines.append(f"{labels.get(kind, kind)}: {body}")
    return "\n".join(lines)


# Persian: the words a note leaves out ("آره، …", "راستش …", "خب ببینید، …", "آقای دکتر، …")
_FA_PATIENT_LEAD = re.compile(
    r"^(?:(?:راستش(?:\s+(?:رو|را)\s+(?:بخواید|بخواهید|بخواین|بخوای))?|خب|والا|والله|ببینید|ببخشید|دکتر(?:\s+جان)?|(?:آقای|خانم)\s+دکتر(?:\s+جان)?)[\s،,.!]+"
    r"|خوب[،,.!]\s*)+"  # ("خوب خوابیدم" is "slept well")
)
# (and a yes or no to the patient's question: "آره سه روز استعلاجی می‌نویسم", "نه، ویروسیه")
_FA_DOCTOR_LEAD = re.compile(
    r"^(?:(?:خب|خوب|ببینید|ببین|پس|ببینید|عزیزم|(?:آقای|خانم)\s+\S+|آره|بله|باشه|خدا رو شکر|خدا را شکر)[\s،,.!]+"
    r"|نه\s*[،,.!]\s*)+"
)
_FA_YOU = (
    (re.compile(r"(?<![^\W\d_])شما(?![^\W\d_])"), "بیمار"),
    (re.compile(r"(?<![^\W\d_])(?:دارید|دارین)(?![^\W\d_])"), "دارد"),
    (re.compile(r"(?<![^\W\d_])(?:هستید|هستین)(?![^\W\d_])"), "است"),
)


_FA_IF = re.compile(r"(?<![^\W\d_])(?:اگه|اگر)(?![^\W\d_])")


def fa_patient_quote(text: str) -> str:
    """A Persian patient sentence as the note quotes it: without "well"/"doctor" in front (a leading
    "آره" or "نه" stays: it answers the question)."""
    rest = _FA_PATIENT_LEAD.sub("", text.strip())
    return rest if len(rest) >= 2 else text.strip()


def fa_doctor_to_note(text: str) -> str:
    """A Persian doctor sentence in the note's voice: no "خب ببینید، …" in front, "شما … دارید" →
    "بیمار … دارد" (the rest is kept as said)."""
    t = _FA_DOCTOR_LEAD.sub("", text.strip())
    if len(t) < 2:
        t = text.strip()
    if _FA_IF.search(t):
        return t  # "اگه نتونستید آب نگه دارید، …": advice to the patient stays addressed to the patient
    for pat, rep in _FA_YOU:
        t = pat.sub(rep, t)
    return t
