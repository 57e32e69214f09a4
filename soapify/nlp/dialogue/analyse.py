"""Build a ``Dialogue`` from a transcript: speaker roles, questions and their answers, terms in context."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from soapify.core.transcript import TranscriptView, detect_language
from soapify.nlp.engines import lexicons as lx
from soapify.nlp.engines.stt import classify, infer_speakers, split_run_ons, unlabelled
from soapify.nlp.engines.text import Sentence, split_sentences

from .model import ROLE_DOCTOR, ROLE_OTHER, ROLE_PATIENT, Dialogue, Mention, Turn, Unit
from .quantities import quantities
from .scope import UNCERTAIN, clause_bounds, is_negated, is_uncertain, negative_sentence

_DOCTOR_LABELS = {"doctor", "clinician", "physician", "provider", "nurse", "np", "pa", "dr"}
_PATIENT_LABELS = {"patient"}
_OTHER_HINT = re.compile(
    r"family|guest|parent|mother|father|mom|dad|caregiver|spouse|wife|husband|son|daughter|"
    r"interpreter|translator|other|nurse_?assistant|companion",
    re.IGNORECASE,
)
_QUESTION_WORDS = re.compile(
    r"^(?:(?:okay|ok|alright|so|and|now|well|um|uh)[\s,]+)*"
    # "over how long", "for how long", "since when", "in which hand": a preposition before the question word
    r"(?:(?:over|for|since|from|in|at|on|by|with|about|to) (?=(?:what|when|where|how|which|who)\b))?"
    r"(?:what|when|where|why|how|which|who|do you|did you|"
    r"does|have you|has|are (?:you|they)|"
    # "have your periods come back", "has his cough settled": a question though no "?" was typed
    r"have (?:your|his|her|their) \w+(?: \w+)? (?:come|been|gone|got|started|stopped|changed|settled)\b|is (?:it|that|this|there|the|your|he|she)|was|were you|can you|could you|"
    r"any(?:one|body)?\b|"
    # "lost any weight without trying", "had any fevers": "have you" left out
    r"(?:lost|had|noticed|seen|felt|gained|tried|taken) any\b|"
    r"anything|tell me)\b|^(?:آیا|چه|چرا|کی|کجا|چطور|چند)|(?:دارید|داری|دارین|کردید|کردین)\s*$",
    re.IGNORECASE,
)
# "good good to hear have you had any chest pain": a short lead-in, then the question
_LATE_QUESTION = re.compile(
    r"^(?:[\w']+[\s,]+){1,4}?(?:have you|do you|did you|are you|were you|is there|any other)\b(?!.*\b(?:i|my)\b)",
    re.IGNORECASE,
)
_LEAD_NO = re.compile(
    r"^\W*" + lx.FA_LEAD_IN + r"(?:no|nope|nah|not really|never|none|nothing|"
    r"i (?:do not|don't|do n't|have not|haven't|have n't|did not|didn't|did n't|am not|'m not|wasn't|was n't)\b|"
    r"i'm not\b|not that (?:i|we) (?:know|knows|can think)(?: of)?\b|none that (?:i|we) know of\b|"
    r"نه|خیر|نخیر|ندارم|نداشتم|نه خیر)(?!\w)(?![\s,،.]+(?:ولی|اما|but)\b)"
    r"(?![\s,،.]+" + lx.EXCEPTION + r")"  # "nothing other than my usual …" names what there is
    r"(?!\s+(?:زیاد|خیلی|چندان|اونقدر|آنقدر)(?!\w))",  # "نه زیاد" (not much) is a little, not a no
    re.IGNORECASE,
)
# an exception that names what there is: "nothing other than my usual arthritis", "none except the knee"
_EXCEPT = re.compile(lx.EXCEPTION, re.IGNORECASE)
_LEAD_YES = re.compile(
    r"^\W*" + lx.FA_LEAD_IN + r"(?:(?:uh|um|oh|well)[\s,]+)*(?:yes|yeah|yep|yup|uh-huh|mm-hmm|correct|right|"
    r"i (?:do|have|did)(?!\s*n't|\s+not\b|\s+never\b)|"
    r"sometimes(?=\s*(?:[,.!]|$))|a little|a bit|kind of|sort of|occasionally|definitely|absolutely|"
    r"بله|آره|آری|دارم|داشتم|بعضی وقتا|گاهی|کمی|یه کم|یک کم|یکم)(?!\w)",
    re.IGNORECASE,
)
_ATTRIBUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pat, re.IGNORECASE))
    for name, pat in (
        # (not how much of a medicine or a drink, nor how much it affects the day: "how much of that are you
        # taking", "how much would you say", "how much is it affecting you")
        ("severity", r"how (?:high|bad|severe|strong|intense)|scale of|out of (?:10|ten)|rate (?:it|the|your)|"
         r"how much(?! of (?:that|it|them|those|this)\b| (?:are|do|did|would) you (?:take|taking|drink|drinking|"
         r"use|using|smoke|smoking|say)\b| (?:is it|does it|has it) affect)|"
         r"worst|highest|چقدر|چند درجه|شدت"),
        ("duration", r"how long|since when|for how long|چند وقت|چند روز|از کی|چه مدت"),
        ("onset", r"when did|when was|what time|کی شروع"),
        ("frequency", r"how often|how many times|چند بار"),
        ("location", r"where (?:is|does|was|do)|which side|کجا"),
        ("quality", r"what does it feel like|describe|what kind of|چه جور|چه شکلی"),
    )
)  # fmt: skip


def _is_question(s: Sentence) -> bool:
    if s.question:
        return True
    if re.search(r"[.!]\s*$", s.text):
        return False  # a sentence closed by a full stop is a statement
    text = s.text.strip()
    return bool(_QUESTION_WORDS.search(text) or _LATE_QUESTION.match(text) or _TAG.search(text))


# a statement turned into a question by its tag: "you had a caesarean with her, is that right"
_TAG = re.compile(
    r",\s*(?:is that (?:right|correct|true)|isn't (?:it|that)|aren't you|don't you|didn't you|weren't you|"
    r"haven't you|right|correct)\s*$",
    re.IGNORECASE,
)


def _role_of_label(label: str) -> str | None:
    low = label.lower()
    if low in _DOCTOR_LABELS:
        return ROLE_DOCTOR
    if low in _PATIENT_LABELS:
        return ROLE_PATIENT
    if _OTHER_HINT.search(low):
        return ROLE_OTHER
    return None


def resolve_roles(sents: list[Sentence], lang: str) -> tuple[list[Sentence], bool]:
    """Sentences with speaker roles (doctor / patient / other) and question flags.

    Labels from the transcript (typed labels or STT diarization) are kept; diarized or anonymous labels
    ("speaker_1", "A") are mapped to roles: the one who asks most questions and speaks first is the
    doctor. With no labels at all, roles are inferred sentence by sentence (``engines.stt``).
    """
    if not sents:
        return sents, False
    if unlabelled(sents):
        guessed = infer_speakers(sents, lang)
        return [replace(s, question=s.question or _is_question(s)) for s in guessed], True
    labels = [s.speaker for s in sents]
    known = {lab: _role_of_label(lab) for lab in set(labels) if lab}
    unknown = [lab for lab, role in known.items() if role is None]
    inferred = False
    if unknown:
        questions: Counter[str] = Counter()
        doctorish: Counter[str] = Counter()
        counts: Counter[str] = Counter(lab for lab in labels if lab)
        for s in sents:
            if s.speaker in unknown:
                questions[s.speaker] += _is_question(s)
                doctorish[s.speaker] += classify(s.text, lang)[0] == ROLE_DOCTOR
        first = next(s.speaker for s in sents if s.speaker)

        def score(lab: str) -> float:
            n = counts[lab]
            return (questions[lab] + doctorish[lab]) / n + (0.25 if lab == first else 0.0)

        ranked = sorted(unknown, key=score, reverse=True)
        has_doctor = ROLE_DOCTOR in known.values()
        has_patient = ROLE_PATIENT in known.values()
        for lab in ranked:  # a role guessed for a label: the roles are inferred
            if not has_doctor:
                known[lab], has_doctor, inferred = ROLE_DOCTOR, True, True
            elif not has_patient:
                known[lab], has_patient, inferred = ROLE_PATIENT, True, True
            else:
                known[lab] = ROLE_OTHER  # "همسر بیمار", "mother" beside labelled doctor and patient
    out: list[Sentence] = []
    prev: str | None = None
    for s in split_run_ons(sents):
        role = known.get(s.speaker) if s.speaker else prev
        role = role or ROLE_PATIENT
        out.append(replace(s, speaker=role, question=_is_question(s)))
        prev = role
    return out, inferred


def _turns(sents: list[Sentence], original: list[str | None], inferred: bool) -> list[Turn]:
    turns: list[Turn] = []
    cur: list[int] = []
    for i, s in enumerate(sents):
        if cur and sents[cur[-1]].speaker != s.speaker:
            turns.append(_turn(sents, original, cur, inferred))
            cur = []
        cur.append(i)
    if cur:
        turns.append(_turn(sents, original, cur, inferred))
    return turns


def _turn(sents: list[Sentence], original: list[str | None], idx: list[int], inferred: bool) -> Turn:
    first = sents[idx[0]]
    return Turn(
        role=first.speaker or ROLE_PATIENT,
        label=original[idx[0]] if idx[0] < len(original) else None,
        start=first.start,
        end=sents[idx[-1]].end,
        sentences=tuple(idx),
        inferred=inferred or original[idx[0]] is None,
    )


# A symptom a question only refers to ("do you see anything before the headache?", "قبل از سردرد
# چیزی می‌بینید؟"): the question asks about something else; its answer does not settle the symptom.
_REFERENCE_FRAME = re.compile(
    r"(?:\b(?:before|after|during|since|when you (?:have|get))(?: (?:the|your|a|an))?|"
    r"قبل از|بعد از|موقع|هنگام|حین|همراه)\s+$",
    re.IGNORECASE,
)


# A question with a subject of its own ("When was your last period?", "How often is he using the
# inhaler?") is not about the problem under discussion ("When did your symptoms start?", "How high?")
_OWN_SUBJECT = re.compile(
    r"\b(?:your|his|her|the) (?!symptoms?\b|pain\b|problems?\b|issues?\b|fevers?\b|temperature\b|"
    r"scale\b|worst\b|highest\b|first\b)[a-z]+",
    re.IGNORECASE,
)


# a Persian question about something of its own: a medicine, urination, periods, smoking, sleep
_FA_OWN_TOPIC = re.compile(
    r"دستشویی|ادرار|مدفوع|پریود|قاعدگی|سیگار|قلیون|قلیان|الکل|خواب|غذا|ورزش|وزن|قد(?![^\W\d_])|سن(?![^\W\d_])|"
    # taking a medicine, a known condition, getting up at night: "چند وقته می‌خورید؟", "از کی فشار دارید؟",
    # "شبا چند بار پا میشید؟"
    r"(?<![^\W\d_])(?:می[\u200c ]?)?(?:خورید|خوری|خورین|خوره|زنید|زنی)(?![^\W\d_])|مصرف|"
    r"(?<![^\W\d_])(?:فشار|قند|چربی|دیابت)\s+(?:دارید|داری|دارین|داره)(?![^\W\d_])|"
    r"(?<![^\W\d_])(?:پا|بیدار)\s*(?:می[\u200c ]?)?(?:شید|شی|شین|شه)(?![^\W\d_])"
)


def _names_own_topic(question: str) -> bool:
    """ "دیازپام رو از کی می‌خورن؟", "شبا چند بار برای دستشویی بیدار میشین؟", "how long have you been on the
    metformin?": the question asks about its own subject, not the symptom talked about before."""
    words = re.findall(r"[\w\u200c-]+", question.lower())
    if any(w in lx.DRUGS or lx.DRUG_SUFFIX.fullmatch(w) for w in words):
        return True
    return bool(_FA_OWN_TOPIC.search(question))


def _terms(s: Sentence) -> list[re.Match[str]]:
    found = lx.SYMPTOM_RE.finditer(s.text)
    if not s.question:
        return list(found)
    return [m for m in found if not _REFERENCE_FRAME.search(s.text, 0, m.start())]


# A body function named by itself is no symptom ("i do sleep", "is that what i'm hearing"): it is one
# with a change or a problem in its clause ("trouble sleeping", "decreased appetite", "no vision changes").
_FUNCTIONS = frozenset({"sleep", "hearing", "vision", "appetite", "memory", "mood"})
_FUNCTION_PROBLEM = re.compile(
    r"(?<!\w)(?:trouble|problems?|issues?|difficult\w*|poor|bad|decreas\w*|increas\w*|loss|lost|los(?:e|ing)|"
    r"chang\w*|worse|worsening|blurr\w*|double|can't|cannot|ca n't|couldn't|could n't|not|no|any|less|more|"
    r"off|down|low|affect\w*|spots?|disturb\w*|waking|wake|interrupt\w*)(?!\w)",
    re.IGNORECASE,
)


def _said(i: int, s: Sentence) -> list[Mention]:
    out = []
    for m in _terms(s):
        if m.group(0).lower() in _FUNCTIONS:
            a, b = clause_bounds(s.text, m.start(), m.end())
            if not _FUNCTION_PROBLEM.search(s.text, a, b) or _FUNCTION_FINE.search(s.text, a, b):
                continue  # "i do sleep", "my appetite is fine"
        out.append(
            Mention(
                name=lx.canonical_symptom(m.group(0)),
                text=m.group(0),
                start=s.start + m.start(),
                end=s.start + m.end(),
                sentence=i,
                negated=is_negated(s.text, m.start(), m.end()) and not cannot_do(s.text, m, m.group(0)),
                uncertain=is_uncertain(s.text, m.start(), m.end()),
                speaker=s.speaker,
            )
        )
    return out


_CANNOT = re.compile(
    r"\b(?:can't|cannot|ca n't|couldn't|could n't|won't|wo n't|unable to|not able to|hard to|trouble)\s+(?:\w+\s+){0,1}$",
    re.IGNORECASE,
)


def cannot_do(text: str, m: re.Match[str], term: str) -> bool:
    """ "i can't sleep without it", "i'm worried i won't sleep": a body function that fails is a problem,
    not a denial."""
    return term.lower() in _FUNCTIONS and bool(_CANNOT.search(text, 0, m.start()))


# A question about a function being normal ("are you sleeping well?", "is your appetite okay?"): "no" is a problem
_NORMAL_STATE_Q = re.compile(
    r"\b(?:sleep(?:ing)? (?:well|ok(?:ay)?|alright|all right|fine|normally)|appetite (?:ok(?:ay)?|good|normal|fine)|"
    r"eat(?:ing)? (?:well|normally|ok(?:ay)?)|still enjoy|hear(?:ing)? (?:well|ok(?:ay)?|fine)|"
    r"see(?:ing)? (?:well|ok(?:ay)?|fine))\b",
    re.IGNORECASE,
)
# an answer saying the function is as it should be ("it's fine", "not bad", "no changes")
_FUNCTION_FINE = re.compile(
    r"\b(?:fine|good|great|normal|ok(?:ay)?|alright|all right|same|not (?:too |that )?bad|"
    r"(?:no|any) (?:problems?|changes?|issues?|trouble|difference))\b",
    re.IGNORECASE,
)
_FUNCTION_WORD = re.compile(r"\b(?:hungry|eat\w*|appetite|sleep\w*|hear\w*|vision|memory|mood)\b", re.I)


def _impaired(question: str, answer: str, polarity: str) -> bool:
    """Whether the answer to a question about a body function says it is impaired: "no" to "are you
    sleeping well?", or a negative statement about it ("i'm not really hungry") that is not "not bad"."""
    if _FUNCTION_FINE.search(answer):
        return False
    if polarity == "no" and _NORMAL_STATE_Q.search(question):
        return True
    return (
        polarity in ("no", "statement") and negative_sentence(answer) and bool(_FUNCTION_WORD.search(answer))
    )


def answer_polarity(answer: list[Sentence]) -> str:
    """yes / no / uncertain / statement for the answer's first sentence ("none" without an answer)."""
    if not answer:
        return "none"
    first = answer[0].text
    if _LEAD_NO.match(first) or lx.BARE_NO.match(first):
        return "no"
    if _LEAD_YES.match(first) or lx.BARE_YES.match(first):
        return "yes"
    if UNCERTAIN.search(first) or re.search(
        r"\bi (?:don't|do n't|do not) know\b|نمی[\u200c ]?دونم", first, re.I
    ):
        return "uncertain"
    return "statement"


# "دیشب دو بار بالا آورد، از صبح دیگه نه": it happened and has stopped since, not a denial
_NO_MORE_SINCE = re.compile(
    r"[،,]\s*(?:ولی\s+|اما\s+)?(?:(?:از\s+)?\S+\s+)?(?:دیگه|دیگر)\s+"
    r"(?:نه|نداره|ندارم|نداشته|نکرده|نکرد|نکردم|نیاورده|نیومده|قطع شده)\W*$"
)


# a Persian question that is only symptoms: "تب؟", "ورم یا قرمزی؟", "سرفه، خلط؟"
_FA_BARE_TERMS_Q = re.compile(
    r"(?=.*[\u0600-\u06FF])\W*(?:"
    + lx.SYMPTOM_RE.pattern
    + r")(?:\s*(?:[،,]|\s+یا|\s+و)?\s*(?:"
    + lx.SYMPTOM_RE.pattern
    + r"))*\s*[؟?]\W*",
    re.IGNORECASE,
)
# "گاهی سرم سنگینه، بقیه نه": what the answer names is there, the rest of the list asked is denied
_REST_NO = re.compile(
    r"(?<!\w)(?:بقیه|باقی|بقیش|باقیش)(?:\u200c?(?:اش|ش|شون|ها|هاش))?\s+(?:(?:رو|را)\s+)?"
    r"(?:نه|خیر|ندارم|نداره|نداشتم|نیست)(?!\w)"
)


def _stopped_since(answer: str) -> bool:
    """Whether the answer's only negation is that it stopped since ("از صبح دیگه نه")."""
    m = _NO_MORE_SINCE.search(answer)
    return m is not None and not negative_sentence(answer[: m.start()])


def _attribute(q: str) -> str | None:
    return next((name for name, pat in _ATTRIBUTES if pat.search(q)), None)


def _units(sents: list[Sentence], said: list[Mention]) -> tuple[list[Unit], list[Mention], dict[int, int]]:
    units: list[Unit] = []
    topics_all: list[Mention] = []
    answer_of: dict[int, int] = {}
    n = len(sents)
    i = 0
    while i < n:
        s = sents[i]
        if s.speaker != ROLE_DOCTOR:
            i += 1
            continue
        # the doctor's run of sentences; its last question is the one answered
        j = i
        while j + 1 < n and sents[j + 1].speaker == ROLE_DOCTOR:
            j += 1
        qs = [k for k in range(i, j + 1) if sents[k].question]
        if not qs:
            i = j + 1
            continue
        q = qs[-1]
        k = j + 1
        answer: list[int] = []
        while k < n and sents[k].speaker != ROLE_DOCTOR:
            answer.append(k)
            k += 1
        ans = [sents[a] for a in answer]
        polarity = answer_polarity(ans)
        qtext = sents[q].text
        attribute = _attribute(qtext)
        terms, q_for_terms = _terms(sents[q]), q
        if not terms:  # "Any fever? Or chills?": earlier questions of the same run share the answer
            for prev_q in reversed(qs[:-1]):
                if _terms(sents[prev_q]):
                    terms, q_for_terms = _terms(sents[prev_q]), prev_q
                    break
        asked = [(q_for_terms, m) for m in terms]
        if terms and q_for_terms == q:
            # "تب؟ درد مفاصل؟" / "نه.": the bare Persian questions just before share the answer
            for prev_q in reversed(range(i, q)):
                if prev_q not in qs or not _FA_BARE_TERMS_Q.fullmatch(sents[prev_q].text):
                    break
                asked[:0] = [(prev_q, m) for m in _terms(sents[prev_q])]
        values = tuple(v for a in ans for v in quantities(a.text, a.start))
        if values and polarity in ("statement", "yes") and attribute:
            polarity = "value"
        answer_said = {m.name for m in said if m.sentence in answer}
        topics: list[Mention] = []
        first_answer = ans[0].text if ans else ""
        named = {lx.canonical_symptom(m.group(0)) for _, m in asked}
        rest_denied = bool(ans) and any(_REST_NO.search(a.text) for a in ans)
        for k_src, m in asked:
            name = lx.canonical_symptom(m.group(0))
            if name in answer_said:
                continue  # the answer names it: its own words decide
            if answer_said & named:
                if rest_denied:  # "گاهی سرم سنگینه، بقیه نه": the ones not picked out are denied
                    src = sents[k_src]
                    topics.append(
                        Mention(
                            name=name, text=m.group(0), start=src.start + m.start(), end=src.start + m.end(),
                            sentence=k_src, negated=True, uncertain=False,
                            speaker=ans[0].speaker, source="answer",
                        )
                    )  # fmt: skip
                continue  # the answer picks others out of the list
            if rest_denied:
                continue  # "the rest, no" after words naming none of the list: none of it is settled
            if m.group(0).lower() in _FUNCTIONS and _impaired(qtext, first_answer, polarity):
                negated = False  # "and your appetite?" / "i'm not really hungry": a change, not a denial
            elif polarity == "no" or (
                polarity == "statement"
                and negative_sentence(first_answer)
                and not answer_said
                and not _stopped_since(first_answer)
                and not _EXCEPT.search(first_answer)
            ):
                negated = True
            elif polarity in ("yes", "value") or (polarity == "statement" and attribute and not answer_said):
                negated = False  # "When did the chest pain start?" / "early october" presumes the pain
            else:
                continue  # unanswered, unsure, or a free answer that does not settle it
            src = sents[k_src]
            topics.append(
                Mention(
                    name=name, text=m.group(0), start=src.start + m.start(), end=src.start + m.end(),
                    sentence=k_src, negated=negated,
                    uncertain=polarity == "uncertain" or bool(ans and is_uncertain(first_answer)),
                    speaker=ans[0].speaker if ans else None, source="answer",
                )
            )  # fmt: skip
        if (
            not terms
            and attribute
            and not _OWN_SUBJECT.search(sents[q].text)
            and not _names_own_topic(sents[q].text)
        ):
            # "How high?" asks about the problem under discussion: the last affirmed term before it
            # (not "When was your last period?", "How often is he using the inhaler?": their own subject)
            prior = [m for m in said + topics_all if m.start < sents[q].start and not m.negated]
            if prior:
                last = max(prior, key=lambda m: m.start)
                topics.append(replace(last, source="context"))
        unit = Unit(
            question=q, answer=tuple(answer), polarity=polarity, attribute=attribute, topics=tuple(topics),
            values=values, start=sents[q].start, end=sents[answer[-1]].end if answer else sents[q].end,
        )  # fmt: skip
        for a in answer:
            answer_of[a] = len(units)
        units.append(unit)
        topics_all.extend(t for t in topics if t.source == "answer")
        i = k
    return units, topics_all, answer_of


def analyse(transcript: TranscriptView, *, language: str | None = None) -> Dialogue:
    """Understand a transcript as a dialogue. Pure function of the transcript; no models, no I/O."""
    lang = language or transcript.language or detect_language(transcript.text)
    lang = "fa" if lang.startswith("fa") else "en"
    raw = split_sentences(transcript)
    sents, inferred = resolve_roles(raw, lang)
    original: list[str | None] = [s.speaker for s in raw]
    if len(raw) != len(sents):  # unlabelled speech was cut into clauses: no labels to report
        original = [None] * len(sents)
    said: list[Mention] = []
    for i, s in enumerate(sents):
        if s.question:
            continue  # a question asserts nothing; a doctor's is settled by its answer (below)
        said.extend(_said(i, s))
    units, topics, answer_of = _units(sents, said)
    mentions = sorted(said + topics, key=lambda m: (m.start, m.end))
    return Dialogue(
        text=transcript.text, language=lang, sentences=sents, turns=_turns(sents, original, inferred),
        units=units, mentions=mentions, roles_inferred=inferred, answer_of=answer_of,
    )  # fmt: skip
