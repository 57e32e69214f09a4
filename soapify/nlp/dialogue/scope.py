"""Negation and uncertainty scope (English and Persian), NegEx-style but clause-bounded.

A cue negates a term when it stands in the same clause: before the term within a few words
("no fever", "denies chest pain", "never had a rash") or, in Persian, as a negated verb after the
term in the same clause ("تب ندارم", or a bare "نه" after it: "ولی تنگی نفس نه"). Clauses end at sentence punctuation and at contrast words
("but", "although", "ولی", "اما"), so "a little nausea but haven't vomited" negates only vomiting.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------- cues
_EN_PRE_NEG = (
    r"no|not|never|without|denies|denied|deny|denying|negative for|free of|none|nothing|"
    r"don't|dont|doesn't|didn't|haven't|hasn't|hadn't|isn't|wasn't|aren't|weren't|can't|won't|cannot|"
    r"(?:do|does|did|have|has|had|is|was|are|were|ca|wo|could|would|should) n't|"  # ACI-BENCH writes "ca n't"
    r"no history of|absence of|absent|ruled out|rules out|neither|nor|no signs? of|no evidence of|"
    r"resolved|gone away"
)
_EN_POST_NEG = (
    r"(?:is|was|were|are|has been|have been|came back)\s+(?:negative|ruled out|absent|gone|resolved)|denied"
)
# Persian verbs on common stems (optionally with the continuous prefix می); the prefix ن negates them.
_FA_STEMS = (
    r"دار|داشت|کرد|کن|شد|شو|بود|خورد|خور|رفت|زد|دید|بین|گرفت|آمد|اومد|یامد|یومد|آی|یا|کشید|کش|"
    r"گذاشت|رسید|ریخت|پرید|سوخت|خوابید|خواب|تونست|تون|توان|دونم|دان|گیر|ده|داد"
)
_FA_NEG_VERB = rf"ن(?:می[\u200c ]?)?(?:{_FA_STEMS})[^\W\d_]*|نیست\w*|نبود\w*|نمی[\u200c ]?[^\W\d_]+"
_FA_POS_VERB = rf"(?:می[\u200c ]?)?(?:{_FA_STEMS})[^\W\d_]*|است|هست\w*|بود\w*"
_FA_PRE_NEG = r"هیچ|بدون|نه|خیر|فاقد|منفی"
_EN_UNCERTAIN = (
    r"maybe|might|may be|may have|possibl[ey]|probabl[ey]|i think|i guess|not sure|unsure|i'm not sure|"
    r"could be|could have|likely|suspect(?:ed)?|rule out|perhaps|seems?|questionable|concern(?:ed)? for|"
    r"kind of|sort of|kinda|i don't know if|i do n't know if|versus|vs|differential|"
    r"if|unless|in case|should you|watch for|look out for|"  # hypothetical: "come back if the fever lasts"
    r"wish|i hope|hoping"  # wishful: "i wish i had some weight loss"
)
_FA_UNCERTAIN = r"اگر|اگه|در صورتی که|شاید|احتمالا|احتمالاً|احتمال|مشکوک به|فکر می[\u200c ]?کنم|فکر کنم|ممکن است|ممکنه|مطمئن نیستم|نمی[\u200c ]?دونم|به نظر"

_W = r"[\w\u200c']"  # a word character; Persian letters are \w, its punctuation (، ؟) is not
PRE_NEG = re.compile(rf"(?<!{_W})(?:{_EN_PRE_NEG}|{_FA_PRE_NEG})(?!{_W})", re.IGNORECASE)
POST_NEG = re.compile(rf"(?<!{_W})(?:{_EN_POST_NEG})(?!{_W})", re.IGNORECASE)
FA_NEG_VERB = re.compile(rf"(?<!{_W})(?:{_FA_NEG_VERB})(?!{_W})")
# The first verb after a Persian term decides: "سردرد دارم و تب ندارم" negates only تب.
FA_VERB = re.compile(rf"(?<!{_W})(?:(?P<neg>{_FA_NEG_VERB})|{_FA_POS_VERB})(?!{_W})")
UNCERTAIN = re.compile(rf"(?<!{_W})(?:{_EN_UNCERTAIN}|{_FA_UNCERTAIN})(?!{_W})", re.IGNORECASE)
# Words that end a negation's reach (a new clause or a contrast).
CLAUSE_BREAK = re.compile(
    r"[.;:!?؟،]|,\s*(?:and|but|so|then)\b|\band (?=(?:i|i'm|my|it|he|she|they)\b)|(?<!\w)(?:but|however|although|though|except|apart from|"
    r"other than|aside from|which|who|still|yet|ولی|اما|ولیکن|به جز|بجز|جز)(?!\w)",
    re.IGNORECASE,
)
# "no" that is a discourse particle, not a negation of what follows ("no, i have a cough").
_NO_PARTICLE = re.compile(r"(?<!\w)(?:no|nope|نه|خیر)\s*[,،.!]+\s*", re.IGNORECASE)
# A negation word that is not about the term: "not sure", "no problem", "can't remember".
_PSEUDO = re.compile(
    r"(?<!\w)(?:not sure|no problem|not only|no doubt|no change in|not bad|nothing else|no further|"
    r"not just|can't remember|ca n't remember|don't know|do n't know|not that i know|no matter|"
    r"not too bad|not bad|no worries|no rush|not great|not good|not so good|not well|not doing well)(?!\w)",
    re.IGNORECASE,
)
# Persian "no" after the term closes its clause: "یه کم سرفه دارم ولی تنگی نفس نه", "تب هم نه".
# It must end the clause: "نه" is also "nine" ("سرفه نه روز است") and opens "not very" ("نه خیلی شدید").
_FA_POST_NO = re.compile(r"\s*(?:هم\s+|اصلا[ًا]?\s+|که\s+)?(?:نه|خیر|نخیر)\s*(?:[.!?؟،,;]|$)")
# "some" after a term opens an affirmed list ("no fever some chills"); after a verb it is still
# negated ("i didn't have some dizziness", "i don't get some swelling")
_AFFIRMED = re.compile(
    r"(?<!\w)(?<!have )(?<!had )(?<!get )(?<!got )(?<!feel )(?<!felt )(?<!notice )(?<!noticed )(?<!see )"
    r"(?<!saw )(?<!any )(?<!experience )(?<!experienced )some(?!\w)",
    re.IGNORECASE,
)
MAX_PRE_WORDS = 6  # a pre-negation reaches this many words forward ("no fever, chills or cough")
MAX_POST_CHARS = 40
_WORD = re.compile(r"[\w\u200c']+")


def clause_bounds(text: str, start: int, end: int | None = None) -> tuple[int, int]:
    """The clause of ``text`` around [start, end): offsets of its first and one-past-last character."""
    end = start if end is None else end
    a = 0
    for m in CLAUSE_BREAK.finditer(text, 0, start):
        a = m.end()
    m2 = CLAUSE_BREAK.search(text, end)
    b = m2.start() if m2 else len(text)
    return a, b


def _pre_negated(text: str, a: int, start: int) -> bool:
    before = _PSEUDO.sub(lambda m: " " * len(m.group(0)), text[a:start])
    for m in PRE_NEG.finditer(before):
        if m.group(0).lower() in ("no", "nope", "نه", "خیر") and _NO_PARTICLE.match(before, m.start()):
            continue  # "no, ..." answers the previous question; it does not negate this clause
        # The cue reaches a few words forward, further along a list ("no fever, chills, or sweats").
        between = before[m.end() :]
        if _AFFIRMED.search(between):
            continue  # "no fever some chills": a positive quantifier opens a new, affirmed list
        words = len(_WORD.findall(between))
        listing = bool(re.search(r",|\bor\b|\band\b|\bnor\b|یا", between))
        if words <= MAX_PRE_WORDS or (listing and words <= 2 * MAX_PRE_WORDS):
            return True
    return False


def _post_negated(text: str, end: int, b: int) -> bool:
    after = text[end : min(b, end + MAX_POST_CHARS)]
    if POST_NEG.match(after.lstrip()) or POST_NEG.search(after[:25]):
        return True
    if _FA_POST_NO.match(after):
        return True
    verb = FA_VERB.search(after)
    return bool(verb and verb.group("neg"))


def is_negated(text: str, start: int, end: int | None = None) -> bool:
    """Whether the term at ``text[start:end]`` is negated within its clause."""
    end = start if end is None else end
    a, b = clause_bounds(text, start, end)
    return _pre_negated(text, a, start) or _post_negated(text, end, b)


def is_uncertain(text: str, start: int | None = None, end: int | None = None) -> bool:
    """Hedged: an uncertainty cue in the term's clause (or anywhere in ``text`` without a term)."""
    if start is None:
        return bool(UNCERTAIN.search(text))
    a, b = clause_bounds(text, start, end)
    return bool(UNCERTAIN.search(text, a, b))


def negative_sentence(text: str) -> bool:
    """The sentence as a whole is a denial (a negation cue anywhere, Persian negated verbs included)."""
    t = _PSEUDO.sub(" ", text)
    but = _NO_BUT.match(t)  # "نه، ولی یه کم کدره": what follows the "but" is said, not denied
    if but:
        t = t[but.end() :]
    return bool(PRE_NEG.search(t) or POST_NEG.search(t) or FA_NEG_VERB.search(t))


_NO_BUT = re.compile(r"^\W*(?:no|nope|نه|خیر)[\s,،.]+(?:but|ولی|اما)(?![^\W\d_])", re.IGNORECASE)
