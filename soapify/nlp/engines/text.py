"""Text helpers shared by the SOAP engines: sentences with offsets, digits, spoken numbers.

Everything here keeps character offsets into ``TranscriptView.text`` so evidence spans stay exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from soapify.core.persian import ARABIC_TO_PERSIAN_LETTERS
from soapify.core.transcript import TranscriptView

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫", "01234567890123456789.")
# a sentence ends after . ? ! ؟ but not after a title ("Dr. Patel", "Mrs. Thompson")
_SENT_END = re.compile(
    r"(?<=[.?!؟])(?<!\bDr\.)(?<!\bdr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)\s+|(?<=[.?!؟])$|\s*\n\s*"
)


#: Arabic letter forms typed on an Arabic keyboard ("گيج", "كسي") as the Persian letters the lexicons
#: spell; one character for one, so offsets are unchanged
_LETTERS = str.maketrans(ARABIC_TO_PERSIAN_LETTERS)


def persian_letters(text: str) -> str:
    """Arabic yeh, kaf and the like as their Persian letters, keeping the length."""
    return text.translate(_LETTERS)


def normalize_digits(text: str) -> str:
    """Persian/Arabic-Indic digits and the Arabic decimal mark (٫) → ASCII; one character for one, so
    offsets are unchanged ("۳۸٫۵" → "38.5")."""
    return text.translate(_DIGITS)


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str
    speaker: str | None
    segment_id: int | None
    turn: int  # index of the segment (turn) in the transcript
    question: bool = False


def split_sentences(transcript: TranscriptView) -> list[Sentence]:
    """Sentences within each turn, with their offsets in the transcript text."""
    out: list[Sentence] = []
    text = persian_letters(transcript.text)  # the sentences match lexicons; spans index the original
    segments = transcript.segments or []
    if not segments and text:
        from soapify.core.transcript import SegmentSpan

        segments = [SegmentSpan(start_char=0, end_char=len(text), text=text)]
    for turn, seg in enumerate(segments):
        body = text[seg.start_char : seg.end_char]
        pos = 0
        for m in list(_SENT_END.finditer(body)) + [None]:
            end = m.start() if m else len(body)
            chunk = body[pos:end]
            lead = len(chunk) - len(chunk.lstrip())
            chunk = chunk.strip()
            if chunk and re.search(r"\w", chunk):
                s = seg.start_char + pos + lead
                out.append(
                    Sentence(
                        start=s,
                        end=s + len(chunk),
                        text=chunk,
                        speaker=seg.speaker,
                        segment_id=seg.segment_id,
                        turn=turn,
                        question=chunk.endswith(("?", "؟")),
                    )
                )
            if m is None:
                break
            pos = m.end()
    return out


# ---------------------------------------------------------------- spoken numbers (English)
UNITS = {
    "zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1000}
_NUM_WORDS = set(UNITS) | set(TEENS) | set(TENS) | set(SCALES) | {"point", "a", "and"}
_NUM_WORD_RE = "|".join(
    sorted((w for w in _NUM_WORDS if w not in {"a", "and", "o", "point"}), key=len, reverse=True)
)
_PHRASE = re.compile(
    rf"\b(?:{_NUM_WORD_RE})(?:[\s-]+(?:{_NUM_WORD_RE}|point|and(?=[\s-]+(?:{_NUM_WORD_RE}))))*\b",
    re.IGNORECASE,
)

# Persian number words (used for durations and counts).
FA_NUMBERS = {
    "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "شیش": 6, "هفت": 7, "هشت": 8,
    "نه": 9, "ده": 10, "یازده": 11, "دوازده": 12, "پانزده": 15, "بیست": 20, "سی": 30, "چند": 3,
}  # fmt: skip


def _chunks(words: list[str]) -> list[tuple[int, int]] | None:
    """Group number words into (value, width): 'one forty two' → [(1, 1), (42, 2)]."""
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w in TENS:
            val = TENS[w]
            if nxt in UNITS and UNITS[nxt] > 0:
                val += UNITS[nxt]
                i += 1
            chunks.append((val, 2))
        elif w in TEENS:
            chunks.append((TEENS[w], 2))
        elif w in ("oh", "o") and nxt in UNITS and chunks:
            chunks.append((UNITS[nxt], 2))  # "one oh five" → 105
            i += 1
        elif w in UNITS and w not in ("oh", "o"):
            chunks.append((UNITS[w], 1))
        else:
            return None
        i += 1
    return chunks


# each number word below a hundred: its value and its kind
_WORD_KIND: dict[str, tuple[int, str]] = {
    **{w: (v, "unit") for w, v in UNITS.items()},
    **{w: (v, "teen") for w, v in TEENS.items()},
    **{w: (v, "ten") for w, v in TENS.items()},
}


def _integer(words: list[str]) -> int | None:
    words = [w for w in words if w not in {"and", "a"}]
    if not words:
        return None
    if any(w in SCALES for w in words):
        total, current = 0, 0
        last = ""  # the kind of the word before: "" (start or a scale), "unit", "teen" or "ten"
        for w in words:
            if w in SCALES:
                current = max(current, 1) * SCALES[w]
                if SCALES[w] >= 1000:
                    total, current = total + current, 0
                last = ""
                continue
            if (word := _WORD_KIND.get(w)) is None:
                return None
            value, kind = word
            # only a ten may come before a unit with no scale between ("forty two"): "two five hundred"
            # is two numbers (two tablets of five hundred), not 700
            if last and not (last == "ten" and kind == "unit"):
                return None
            current += value
            last = kind
        return total + current
    chunks = _chunks(words)
    if not chunks:
        return None
    if len(chunks) == 1:
        return chunks[0][0]
    if len(chunks) == 2 and chunks[1][1] == 2:
        return chunks[0][0] * 100 + chunks[1][0]  # "one forty two" → 142, "nineteen ninety" → 1990
    return None


def words_to_number(phrase: str) -> float | None:
    """'one forty two' → 142, 'thirty seven point two' → 37.2, 'ninety eight point six' → 98.6."""
    words = [w for w in re.split(r"[\s-]+", phrase.lower().strip()) if w]
    if "point" in words:
        k = words.index("point")
        whole = _integer(words[:k]) if words[:k] else 0
        decimals = words[k + 1 :]
        if whole is None or not decimals or any(w not in UNITS for w in decimals):
            return None
        return float(f"{whole}.{''.join(str(UNITS[w]) for w in decimals)}")
    val = _integer(words)
    return None if val is None else float(val)


def spoken_numbers(text: str) -> list[tuple[int, int, float]]:
    """Where ``text`` says English numbers in words, and their values: each run of number words is one
    number when it parses as one; a run with "hundred" or "thousand" that does not is split into the
    longest parsing pieces from the left ("two five hundred milligram tablets" is 2 and 500, not 700)."""
    found = []
    for m in _PHRASE.finditer(text):
        if (value := words_to_number(m.group(0))) is not None:
            found.append((m.start(), m.end(), value))
            continue
        words = list(re.finditer(r"[^\s-]+", m.group(0)))
        if not any(w.group(0).lower() in SCALES for w in words):
            continue  # "zero five", "one two three": no count before a strength; left as said
        i = 0
        while i < len(words):
            if (
                words[i].group(0).lower() == "and"
            ):  # "... four and one forty two": "and" joins, it is no number
                i += 1
                continue
            for j in range(len(words), i, -1):
                a, b = m.start() + words[i].start(), m.start() + words[j - 1].end()
                if (value := words_to_number(text[a:b])) is not None:
                    found.append((a, b, value))
                    i = j
                    break
            else:
                i += 1
    return found


def digits_en(text: str) -> str:
    """``text`` with its spoken English numbers of more than one word written as digits, the rest kept
    as said: "came back at eight point four" → "came back at 8.4" (a lone "one" is left alone)."""

    out, pos = [], 0
    for a, b, value in spoken_numbers(text):
        if len(text[a:b].split()) > 1:
            out += [text[pos:a], _fmt(value)]
            pos = b
    return "".join(out) + text[pos:]


# ---------------------------------------------------------------- spoken numbers (Persian)
_FA_ONES = {
    "صفر": 0, "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "شیش": 6, "هفت": 7,
    "هشت": 8, "نه": 9,
}  # fmt: skip
_FA_TEENS = {
    "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14, "پانزده": 15, "پونزده": 15,
    "شانزده": 16, "شونزده": 16, "هفده": 17, "هیجده": 18, "هجده": 18, "نوزده": 19,
}  # fmt: skip
_FA_TENS = {"بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "شصت": 60, "هفتاد": 70, "هشتاد": 80, "نود": 90}
_FA_HUNDREDS = {
    "صد": 100, "یکصد": 100, "دویست": 200, "سیصد": 300, "چهارصد": 400, "پانصد": 500, "پونصد": 500, "ششصد": 600,
    "هفتصد": 700, "هشتصد": 800, "نهصد": 900,
}  # fmt: skip
_FA_THOUSANDS = {"هزار": 1000}
_FA_VALUE = {**_FA_ONES, **_FA_TEENS, **_FA_TENS, **_FA_HUNDREDS, **_FA_THOUSANDS}
#: a number's parts come largest first, each place once: thousands, hundreds, then tens and ones, or
#: teens ("هزار و پانصد", "صد و سی و پنج"); "سی و هشت و پنج" is two numbers (38 and 5), not 43
_FA_PLACE = {
    **{w: 4 for w in _FA_THOUSANDS}, **{w: 3 for w in _FA_HUNDREDS}, **{w: 2 for w in _FA_TENS},
    **{w: 1 for w in _FA_ONES}, **{w: 1.5 for w in _FA_TEENS},
}  # fmt: skip
_FA_WORD = "|".join(sorted(_FA_VALUE, key=len, reverse=True))
#: a number said in words: "سی و هشت", "سی و هشت و نیم", "صد و بیست", "سی و هشت ممیز پنج"
_FA_PHRASE_BODY = rf"(?:{_FA_WORD})(?:\s+و\s+(?:{_FA_WORD}))*(?:\s+(?:ممیز|و)\s+(?:نیم|(?:{_FA_WORD})))?"
FA_NUMBER_PHRASE = re.compile(rf"(?<![^\W\d_]){_FA_PHRASE_BODY}(?![^\W\d_])")


def fa_words_to_number(phrase: str) -> float | None:
    """'سی و هشت' → 38, 'سی و هشت و نیم' → 38.5, 'سی و هشت ممیز پنج' → 38.5, 'صد و بیست' → 120."""
    phrase = phrase.strip()
    decimal: float = 0.0
    m = re.search(r"\s+ممیز\s+(\S+)$", phrase)
    if m:
        if m.group(1) not in _FA_ONES:
            return None
        decimal = _FA_ONES[m.group(1)] / 10
        phrase = phrase[: m.start()]
    elif re.search(r"\s+و\s+نیم$", phrase):
        decimal = 0.5
        phrase = re.sub(r"\s+و\s+نیم$", "", phrase)
    parts = [p for p in re.split(r"\s+و\s+", phrase) if p]
    if not parts or any(p not in _FA_VALUE for p in parts):
        return None
    places = [_FA_PLACE[p] for p in parts]
    if any(a <= b for a, b in zip(places, places[1:], strict=False)) or (1.5 in places and 2 in places):
        return None  # "دو و سه" and "سی و هشت و پنج" are two numbers, not one
    return float(sum(_FA_VALUE[p] for p in parts)) + decimal


@dataclass(frozen=True, slots=True)
class NumberView:
    """A sentence with spoken numbers written as digits, mapped back to original offsets."""

    text: str  # normalised, lower-case
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Original (start, end) for normalised [a, b)."""
        if b <= a:
            return self.starts[a] if a < len(self.starts) else (self.ends[-1] if self.ends else 0), (
                self.starts[a] if a < len(self.starts) else (self.ends[-1] if self.ends else 0)
            )
        return self.starts[a], self.ends[b - 1]


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


# Persian spoken numbers as number_view reads them: a phrase ("صد و سی و پنج", "سی و هشت و هشت
# دهم" = 38.8), possibly with the colloquial "is" attached ("هشتاد و پنجه"); a lone word only
# before a unit ("پانصد میلی‌گرم", "پنج روز") or when it is a ten or a hundred ("ایبوپروفن چهارصد"),
# and never the lone words that are mostly something else ("نه" no, "یه"/"یک" a, "سی" of "سی سی").
_FA_SPOKEN = re.compile(
    rf"(?<![\w\u200c]){_FA_PHRASE_BODY}(?P<tenths>\s+دهم)?(?=ه(?![^\W\d_])|(?![\w\u200c]))"
)
# digits said with their tenths in words: "۳۷ و ۸ دهم(ه)", "۹ و ۲ دهم" (after normalize_digits)
_FA_DIGIT_TENTHS = re.compile(r"(?<![\d.])(\d{1,3})\s+و\s+(\d)\s+دهم(?=ه(?![^\W\d_])|(?![\w\u200c]))")
_FA_UNIT_AFTER = re.compile(
    r"ه?\s*(?:میلی|گرم|درجه|روی|بر\s|سی[\u200c ]?سی|واحد|عدد|قرص|کپسول|پاف|قطره|بار|ساعت|روز|هفته|ماه|سال|کیلو)"
)
_FA_LONE_AMBIGUOUS = frozenset({"نه", "یه", "یک", "سی"})


def _fa_spoken_value(m: re.Match[str], src: str) -> float | None:
    phrase = m.group(0)
    over = re.search(
        r"(?<![^\W\d_])(?:روی|بر)\s*$", src[: m.start()]
    )  # "یازده روی هفت(ه)": a pressure's second number
    if src.startswith("ه", m.end()) and " و " not in phrase and not over:
        return None  # "هفته", "شیشه": a word, not "هفت" or "شیش" with "is" attached
    if m.group("tenths"):  # "سی و هشت و هشت دهم": the last word is tenths
        whole, _, last = phrase[: -len(m.group("tenths"))].rpartition(" و ")
        if not whole or last not in _FA_ONES:
            return None
        value = fa_words_to_number(whole)
        return None if value is None else value + _FA_ONES[last] / 10
    parts = phrase.split(" و ")
    if len(parts) == 3 and parts[0] in _FA_TENS and parts[1] in _FA_ONES and parts[2] in _FA_ONES:
        # "سی و هفت و هشت(ه)" = 37.8: a ones word twice is tenths said without "دهم"
        return _FA_TENS[parts[0]] + _FA_ONES[parts[1]] + _FA_ONES[parts[2]] / 10
    if " و " not in phrase and (
        phrase in _FA_LONE_AMBIGUOUS
        or not (_FA_UNIT_AFTER.match(src, m.end()) or phrase in _FA_TENS or phrase in _FA_HUNDREDS or over)
    ):
        return None  # a lone word is a number before a unit, or a ten or hundred ("ایبوپروفن چهارصد")
    oxygen = re.search(
        r"(?:اکسیژن|اشباع)\S*(?:\s+\S+){0,2}\s*$", src[: m.start()]
    )  # "اشباع اکسیژن نود و هشت درصد"
    if (src[m.end() :].lstrip().startswith(("در صد", "درصد", "%", "٪")) and not oxygen) or (
        phrase == "صد" and re.search(r"(?<![^\W\d_])در\s*$", src[: m.start()])
    ):
        return None  # "صد در صد" (wholly), "هشتاد درصد": a share, not a reading or a dose
    if src[m.end() :].lstrip().startswith("هزار") or re.search(rf"(?:{_FA_WORD})\s+$", src[: m.start()]):
        return None  # "دو هزار و پانصد": a multiple of a thousand, not read here
    return fa_words_to_number(phrase)


@lru_cache(maxsize=4096)
def number_view(text: str, offset: int = 0) -> NumberView:
    """Lower-cased ``text`` with ASCII digits and spoken numbers (English and Persian) replaced by
    digits. Cached: the engines ask for the same sentence's view many times; a view is never changed
    (frozen)."""
    src = normalize_digits(text).lower()
    found: list[tuple[int, int, float]] = []
    found.extend(spoken_numbers(src))
    for m in _FA_SPOKEN.finditer(src):
        if (value := _fa_spoken_value(m, src)) is not None:
            found.append((m.start(), m.end(), value))
    for m in _FA_DIGIT_TENTHS.finditer(src):  # "۳۷ و ۸ دهمه" = 37.8
        found.append((m.start(), m.end(), int(m.group(1)) + int(m.group(2)) / 10))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for a, b, value in sorted(found):
        if a < pos:
            continue
        for j in range(pos, a):
            out.append(src[j])
            starts.append(offset + j)
            ends.append(offset + j + 1)
        for ch in _fmt(value):
            out.append(ch)
            starts.append(offset + a)
            ends.append(offset + b)
        pos = b
    for j in range(pos, len(src)):
        out.append(src[j])
        starts.append(offset + j)
        ends.append(offset + j + 1)
    return NumberView(text="".join(out), starts=tuple(starts), ends=tuple(ends))


def fa_number(word: str) -> float | None:
    word = normalize_digits(word.strip())
    if re.fullmatch(r"\d+(?:[.٫]\d+)?", word):
        return float(word.replace("٫", "."))
    return float(FA_NUMBERS[word]) if word in FA_NUMBERS else None
