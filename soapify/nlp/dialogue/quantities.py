"""Numbers and units in a sentence, English and Persian, with transcript offsets.

"thirty nine point five" → 39.5; "۳۸٫۵" and "۳۸/۵ درجه" → 38.5 (Persian writes the decimal point as
٫ or /); "سی و هشت و نیم" → 38.5; "38.5" stays 38.5; "one forty two over ninety" → 142/90.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from soapify.nlp.engines.text import FA_NUMBER_PHRASE as _FA_PHRASE
from soapify.nlp.engines.text import fa_words_to_number, number_view

# ---------------------------------------------------------------- units
_UNITS: tuple[tuple[str, str], ...] = (
    (
        "Cel",
        r"(?:degrees?\s+)?(?:celsius|centigrade|c\b)|°\s*c\b|درجه(?:\s+سانتی[\u200c ]?گراد)?|سانتی[\u200c ]?گراد",
    ),
    ("[degF]", r"(?:degrees?\s+)?(?:fahrenheit|f\b)|°\s*f\b"),
    ("deg", r"degrees?|°"),
    ("mm[Hg]", r"mm\s*hg|millimeters? of mercury|میلی[\u200c ]?متر جیوه"),
    ("mg", r"mg\b|milligrams?|میلی[\u200c ]?گرم"),
    ("ug", r"mcg\b|micrograms?|میکروگرم"),
    ("g", r"g\b|grams?|گرم"),
    ("mL", r"ml\b|milliliters?|cc\b|سی[\u200c ]?سی|میلی[\u200c ]?لیتر"),
    ("[iU]", r"units?\b|iu\b|واحد"),
    ("%", r"%|percent|درصد"),
    ("kg", r"kg\b|kilograms?|kilos?|کیلو(?:گرم)?"),
    ("[lb_av]", r"lbs?\b|pounds?"),
    ("cm", r"cm\b|centimeters?|سانتی[\u200c ]?متر|سانت"),
    ("/min", r"(?:beats|breaths) per minute|bpm\b|per minute|در دقیقه"),
    ("mg/dL", r"mg/dl|milligrams per deciliter"),
    ("min", r"minutes?|دقیقه"),
    ("h", r"hours?|ساعت"),
    ("d", r"days?|روز"),
    ("wk", r"weeks?|هفته"),
    ("mo", r"months?|ماه"),
    ("a", r"years?|سال"),
    ("{times}", r"times|بار"),
    ("{tbl}", r"tablets?|pills?|قرص|عدد"),
    ("{puff}", r"puffs?|پاف"),
    ("/10", r"(?:out of|over)\s+(?:10|ten)|از\s+(?:10|ده)"),
)
_UNIT_RE = re.compile(
    r"\s*(?:" + "|".join(f"(?P<u{i}>{pat})" for i, (_, pat) in enumerate(_UNITS)) + r")", re.IGNORECASE
)
_NUM = re.compile(r"(?<![\d.])(\d+(?:[.٫]\d+)?)(?:\s*(?:/|over|روی|بر)\s*(\d+(?:[.٫]\d+)?))?(?![\d])")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number as said, its value, an optional second value (142/90), its unit (UCUM-like) and span."""

    value: float
    start: int  # transcript offsets of the number and its unit
    end: int
    text: str
    unit: str | None = None
    value2: float | None = None  # the diastolic of "142/90"


def _unit_at(text: str, pos: int) -> tuple[str | None, int]:
    m = _UNIT_RE.match(text, pos)
    if not m:
        return None, pos
    for i, (code, _) in enumerate(_UNITS):
        if m.group(f"u{i}") is not None:
            return code, m.end()
    return None, pos


def quantities(text: str, offset: int = 0) -> list[Quantity]:
    """Every number in ``text`` (one sentence), spoken or written, English or Persian digits/words."""
    nv = number_view(text, offset)  # spoken English numbers → digits; Persian digits → ASCII; lower-case
    low = nv.text
    out: list[Quantity] = []
    taken_until = -1
    for m in _NUM.finditer(low):
        if m.start() < taken_until:
            continue  # the "10" of "7 out of 10" belongs to the unit
        a_raw, b_raw = m.group(1).replace("٫", "."), m.group(2)
        value = float(a_raw)
        value2 = float(b_raw.replace("٫", ".")) if b_raw else None
        end = m.end()
        unit, uend = _unit_at(low, end)
        sep = low[m.end(1) : m.start(2)].strip() if b_raw else ""
        # Persian writes decimals with "/": "۳۸/۵ درجه" is 38.5, "۱۳۰/۸۵" is a blood pressure.
        if value2 is not None and sep == "/" and b_raw is not None and len(b_raw) == 1 and "." not in a_raw:
            value, value2 = float(f"{a_raw}.{b_raw}"), None
        if unit:
            end = uend
        taken_until = end
        start_o, end_o = nv.span(m.start(), end)
        out.append(Quantity(value, start_o, end_o, text[start_o - offset : end_o - offset], unit, value2))
    for m in _FA_PHRASE.finditer(text):
        v = fa_words_to_number(m.group(0))
        if v is None or m.group(0) in ("نه", "یه", "سی"):  # "نه" is also "no"; alone these are ambiguous
            continue
        if any(q.start < offset + m.end() and offset + m.start() < q.end for q in out):
            continue  # number_view has read these words already
        unit, uend = _unit_at(text, m.end())
        end = uend if unit else m.end()
        out.append(Quantity(v, offset + m.start(), offset + end, text[m.start() : end], unit))
    out.sort(key=lambda q: q.start)
    return out
