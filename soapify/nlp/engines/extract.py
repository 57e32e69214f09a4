"""Extraction helpers: vitals with units, medications, durations, negation and uncertainty."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from soapify.core.draft_schema import DOSE_UNIT_LABELS, DURATION_UNITS_FA, VITAL_LABELS
from soapify.nlp.dialogue.scope import clause_bounds, negative_sentence
from soapify.nlp.dialogue.scope import is_negated as scope_negated

from . import lexicons as lx
from .text import FA_NUMBERS, NumberView, fa_words_to_number, number_view

_GAP = r"[^0-9.?!]{0,40}?"
_VITAL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pat, re.IGNORECASE))
    for name, pat in (
        (
            "bp",
            # (Persian clinics also say it in cmHg: "یازده روی هفت", "دوازده و نیم روی هشت" = 110/70, 125/80)
            rf"(?:blood pressure|\bbp\b|فشار خون|فشار){_GAP}(\d{{2,3}}|\d{{1,2}}\.5)\s*(?:/|over|on|روی|بر|رو)\s*(\d{{1,3}})(?!\d)",
        ),
        # "pulse ox 97%" is a saturation, not a pulse
        ("hr", rf"(?:heart rate|pulse(?! ?ox)|\bhr\b|ضربان قلب|ضربان|نبض){_GAP}(\d{{2,3}})(?![\d/])"),
        # "Let me check your pressure. It's 158 over 96.": a pressure said without its name
        ("bp_bare", r"(?<![\d/.])(\d{2,3})\s*(?:/|over|روی)\s*(\d{2,3})(?![\d/])"),
        (
            "rr",
            rf"(?:respiratory rate|respirations|\brr\b|breathing rate|تعداد تنفس|تنفس){_GAP}(\d{{1,2}})(?![\d/])",
        ),
        (
            "temperature",
            rf"(?:temperature|\btemp\b|fever of|دمای بدن|درجه حرارت|دما|تب){_GAP}(\d{{2,3}}(?:\.\d|/\d(?!\d))?)"
            r"(?:\s*(?:degrees?|°|درجه))?\s*(fahrenheit|celsius|centigrade|f\b|c\b|سانتی‌?گراد)?",
        ),
        (
            "spo2",
            rf"(?:oxygen saturation|o2 sat\w*|\bsats?\b|saturation|spo2|pulse ox\w*|oxygen level|اکسیژن|"
            rf"\boxygen(?=(?:'s| is| was| at| of)? \d{{2,3}}\s*(?:%|percent))){_GAP}"
            r"(\d{2,3})(?:\s*(?:%|percent|درصد))?",
        ),
        ("bmi", rf"(?:\bbmi\b|body mass index|شاخص توده بدنی){_GAP}(\d{{2}}(?:\.\d)?)(?![\d])"),
        (
            "weight",
            rf"(?:weight|weigh(?:s|ing)?|وزن){_GAP}(\d{{2,3}}(?:\.\d)?)\s*"
            r"(kg|kilograms?|kilos?|lbs?|pounds?|کیلو(?:گرم)?)",
        ),
        # a Persian weight said without its unit, ending its clause: "وزن شصت و هفت."
        ("weight_fa", r"(?<![^\W\d_])وزن(?:تون|ش)?\s+(?:هم\s+)?(\d{2,3}(?:\.\d)?)(?=\s*(?:[.،,]|$))"),
        (
            "height",
            rf"(?:height|tall|قد){_GAP}(\d{{2,3}}(?:\.\d)?)\s*(cm|centimeters?|سانتی‌?متر|سانت|inches)",
        ),
        (
            "glucose",
            rf"(?:glucose|blood sugar|sugar|قند خون|قند){_GAP}(\d{{2,3}})(?:\s*(mg/dl|milligrams per deciliter))?",
        ),
    )
)
_RANGES = {
    "bp": (50, 260),
    "hr": (25, 250),
    "rr": (5, 60),
    "spo2": (50, 100),
    "weight": (1, 700),
    "height": (30, 250),
    "glucose": (20, 900),
    "bmi": (10, 80),
}


@dataclass(slots=True)
class Vital:
    name: str
    value: float | str
    unit: str
    start: int
    end: int
    systolic: float | None = None
    diastolic: float | None = None
    position: str | None = None  # the posture said with the reading: "lying", "standing, 1 min", "خوابیده"
    change: str | None = None  # "up 6 lb": a weight's change said right after it

    def label(self, language: str = "en") -> str:
        names = VITAL_LABELS["fa" if language == "fa" else "en"]
        unit = {
            "mm[Hg]": "mmHg",
            "/min": "/min",
            "Cel": "°C",
            "[degF]": "°F",
            "[lb_av]": "lb",
            "kg/m2": "kg/m²",
        }.get(self.unit, self.unit)
        value = self.value if isinstance(self.value, str) else f"{self.value:g}"
        name = f"{names[self.name]} ({self.position})" if self.position else names[self.name]
        change = f" ({self.change})" if self.change else ""
        return f"{name}: {value} {unit}".strip() + change


def _num(s: str) -> float:
    return float(s.replace("/", "."))  # Persian writes 38.5 as ۳۸/۵


# A number that is a threshold or a condition, not a reading: "if the fever goes above 39",
# "keep your blood pressure below 130/80", "اگر تب بالای ۳۹ درجه رفت". A condition counts anywhere
# before the value in its clause; a threshold word only between the vital's name and its value
# ("blood pressure 150 over 90, heart rate 88" keeps the heart rate).
_CONDITION = re.compile(r"\b(?:if|unless|in case|whenever)\b|اگر|اگه|در صورت", re.IGNORECASE)
_THRESHOLD = re.compile(
    r"\b(?:above|(?<!\d )over|below|under|less than|more than|greater than|higher than|lower than|target|goal|"
    r"aim for)\b|بالای|بالاتر از|بیشتر از|کمتر از|زیر|حداکثر|حداقل",
    re.IGNORECASE,
)


def _a_reading(text: str, name_start: int, value_start: int) -> bool:
    """Whether the value at ``value_start`` (its vital named from ``name_start``) is said as a
    measurement."""
    a, _ = clause_bounds(text, value_start)
    return not (_CONDITION.search(text, a, value_start) or _THRESHOLD.search(text, name_start, value_start))


# A number followed by a time or a count is how long or how often, not a reading: "my heart rate has
# been racing for 30 minutes", "i've had sugar for 20 years"
_NOT_A_VALUE_AFTER = re.compile(
    r"\s*(?:seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?|ثانیه|دقیقه|ساعت|روز|هفته|ماه|سال)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
# A change of weight is not the weight: "he has lost weight, about 15 pounds", "weight loss of 10 pounds"
_WEIGHT_CHANGE = re.compile(
    r"\b(?:lost|lose|losing|loss|gain(?:ed|ing|s)?|put on|dropped|drop|(?:up|down)(?! to)|increase[ds]?|"
    r"decrease[ds]?)\b|"
    r"کم کرده|کم شده|کاهش|افزایش|اضافه",
    re.IGNORECASE,
)
# The fetus's heart, not the patient's: "fetal heart rate is 145", "the baby's heart rate was 140",
# "ضربان قلب جنین ۱۴۵" (said before the name or between the name and the value)
# ("the baby's heart rate" is left alone: in a paediatric visit the baby is the patient)
_FETAL = re.compile(r"\b(?:fetal|fetus(?:'s)?)\s*$|جنین\s*$", re.IGNORECASE)
_FETAL_GAP = re.compile(r"\b(?:fetal|fetus)\b|جنین", re.IGNORECASE)


def _not_the_patients(name: str, text: str, m: re.Match[str]) -> bool:
    """Whether the vital matched by ``m`` is not a reading of the patient's own: a time or a count, a
    change of weight, or the fetus's heart."""
    if _NOT_A_VALUE_AFTER.match(text, m.end(1)):
        return True
    gap = text[m.start() : m.start(1)]
    if name == "weight" and (
        _WEIGHT_CHANGE.search(gap) or _WEIGHT_CHANGE.search(text, max(0, m.start() - 15), m.start())
    ):
        return True
    if name == "hr":
        before = text[max(0, m.start() - 20) : m.start()]
        return bool(_FETAL.search(before) or _FETAL_GAP.search(gap))
    return False


# the posture a pressure was taken in: "خوابیده ۱۳۵ روی ۸۰، ایستاده ۱۱۰ روی ۷۰"
# (also "سه دقیقه بعد از ایستادن ۱۰۵ روی ۶۵": standing)
_FA_POSITION = re.compile(r"(?<![^\W\d_])(خوابیده|درازکش|دراز کشیده|نشسته|ایستاده|ایستادن|سرپا)(?![^\W\d_])")
_FA_POSTURE_NAME = {"ایستادن": "ایستاده", "سرپا": "ایستاده"}
# a fasting glucose is a lab result, not a vital: "قند ناشتا ۱۶۵"
_FA_FASTING = re.compile(r"ناشتا")
# The position a pressure or a pulse was taken in, said before it in the sentence: "lying down it's 144
# over 78, heart rate 62", "standing at 1 minute it's 110 over 64" (English; the orthostatic drop); not
# a symptom's trigger ("dizzy when standing up, so let's check your pressure")
_POSITION_EN = re.compile(
    r"(?<!when )(?<!while )(?<!on )(?<!upon )(?<!after )\b(?:(lying|supine|sitting|seated)(?: (?:down|up|flat))?|(standing)(?: up)?"
    r"(?: (?:at|after|for) (\d{1,2}) (?:minutes?|mins?)\b)?)",
    re.IGNORECASE,
)


# How much a weight changed, said right after it: "204 pounds, up about 6 pounds" (English)
_WEIGHT_CHANGED_BY = re.compile(
    r"(?: (?:today|now|this morning))?\W{0,3}(?:that's |which is |so )?(up|down) (?:about |around |by |roughly )?(\d+(?:\.\d)?) ?"
    r"(pounds?|lbs?|kilos?|kg|kilograms?)\b",
    re.IGNORECASE,
)


def _position(text: str, end: int) -> str | None:
    """The last position named before ``end`` in the sentence: "lying", "standing, 1 min"."""
    said = list(_POSITION_EN.finditer(text, 0, end))
    if not said:
        return None
    m = said[-1]
    if m.group(2):
        return f"standing, {m.group(3)} min" if m.group(3) else "standing"
    return {"supine": "lying", "seated": "sitting"}.get(m.group(1).lower(), m.group(1).lower())


def extract_vitals(text: str, offset: int = 0, view: NumberView | None = None) -> list[Vital]:
    """Vitals in one sentence; offsets are transcript offsets (``offset`` = sentence start).
    Thresholds and conditions are not readings ("come back if the fever goes above 39"), nor is the
    fetal heart rate of a pregnant patient."""
    nv = view or number_view(text, offset)
    found: list[Vital] = []
    taken: list[tuple[int, int]] = []
    for name, pat in _VITAL_PATTERNS:
        for m in pat.finditer(nv.text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            named_from = max(0, m.start() - 40) if name == "bp_bare" else m.start()  # "below 130/80"
            if not _a_reading(nv.text, named_from, m.start(1)) or _not_the_patients(name, nv.text, m):
                continue
            if name == "glucose" and _FA_FASTING.search(nv.text, m.start(), m.start(1)):
                continue  # a lab result (``extract_fa_labs``)
            vital = _vital_from_match(name, m)
            if vital is None:
                continue
            if vital.name in ("bp", "hr"):  # the posture said with it (Persian: since the reading before)
                since = max((b for a, b in taken if b <= m.start()), default=0)
                postures = _FA_POSITION.findall(nv.text, since, m.start(1)) if vital.name == "bp" else []
                postures = [_FA_POSTURE_NAME.get(p, p) for p in postures]
                vital.position = postures[-1] if postures else _position(nv.text, m.start(1))
            vital.start, vital.end = nv.span(m.start(), m.end())
            if vital.name == "weight" and (change := _WEIGHT_CHANGED_BY.match(nv.text, m.end())):
                unit = "kg" if change.group(3).startswith("k") else "lb"
                vital.change = (
                    f"{change.group(1)} {change.group(2)} {unit}"  # "204 pounds, up about 6 pounds"
                )
            found.append(vital)
            taken.append((m.start(), m.end()))
    if any(v.position for v in found):  # lying then standing: in the order said
        found.sort(key=lambda v: v.start)
    return found


def _vital_from_match(name: str, m: re.Match[str]) -> Vital | None:
    v = _num(m.group(1))
    lo, hi = _RANGES.get(name, (0, 1e9))
    if name == "bp_bare":
        d = _num(m.group(2))
        if not (80 <= v <= 250 and 40 <= d <= 150 and d < v):
            return None
        return Vital("bp", f"{v:g}/{d:g}", "mm[Hg]", 0, 0, systolic=v, diastolic=d)
    if name == "bp":
        d = _num(m.group(2))
        if 7 <= v <= 25 and 4 <= d <= 16 and d < v:  # "یازده روی هفت", "دوازده و نیم روی هشت": cmHg
            v, d = round(v * 10), round(d * 10)
        if not (lo <= v <= hi and 20 <= d <= 160 and d < v):
            return None
        return Vital("bp", f"{v:g}/{d:g}", "mm[Hg]", 0, 0, systolic=v, diastolic=d)
    if name == "weight_fa":
        return Vital("weight", v, "kg", 0, 0) if 20 <= v <= 300 else None
    if name == "temperature":
        scale = (m.group(2) or "").lower()
        if scale.startswith("f"):
            unit = "[degF]"
        elif scale:
            unit = "Cel"
        else:
            unit = "[degF]" if v > 50 else "Cel"
        if not (34 <= v <= 43 or 93 <= v <= 110):
            return None
        return Vital("temperature", v, unit, 0, 0)
    if not lo <= v <= hi:
        return None
    if name in ("hr", "rr"):
        return Vital(name, v, "/min", 0, 0)
    if name == "spo2":
        return Vital(name, v, "%", 0, 0)
    if name == "weight":
        unit = "kg" if m.group(2).lower().startswith(("k", "ک")) else "[lb_av]"
        return Vital(name, v, unit, 0, 0)
    if name == "height":
        unit = "[in_i]" if m.group(2).lower().startswith("inch") else "cm"
        return Vital(name, v, unit, 0, 0)
    if name == "glucose":
        return Vital(name, v, "mg/dL", 0, 0)
    if name == "bmi":
        return Vital(name, v, "kg/m2", 0, 0)
    return None


# Persian lab values the doctor reads out: "هموگلوبین A1c تون شده هشت و دو دهم", "کراتینین‌تون یک و یک دهمه"
_FA_LABS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (label, unit, re.compile(r"(?<![^\W\d_])(?:" + pat + r")[\w\u200c]*", re.IGNORECASE))
    for label, unit, pat in (
        ("HbA1c", "%", r"(?:هموگلوبین\s*)?(?:hba1c|a1c|ای[\u200c ]?وان[\u200c ]?سی)|قند سه ماهه"),
        ("قند ناشتا", "mg/dL", r"قند ناشتا"),
        ("کراتینین", "mg/dL", r"کراتینین"),
        ("پتاسیم", "mEq/L", r"پتاسیم"),
        ("سدیم", "mEq/L", r"سدیم"),
        ("هموگلوبین", "g/dL", r"هموگلوبین(?!\s*(?:a1c|hba1c|ای))"),
        ("TSH", "mIU/L", r"tsh|تی[\u200c ]?اس[\u200c ]?اچ"),
        ("FT4", "ng/dL", r"ft4|(?:t4|تی[\u200c ]?فور)\s+آزاد"),
        ("فریتین", "ng/mL", r"فریتین"),
        ("MCV", "fL", r"mcv|ام[\u200c ]?سی[\u200c ]?وی"),
        ("LDL", "mg/dL", r"ldl|ال[\u200c ]?دی[\u200c ]?ال"),
        ("HDL", "mg/dL", r"hdl|اچ[\u200c ]?دی[\u200c ]?ال"),
        ("تری‌گلیسرید", "mg/dL", r"تری[\u200c ]?گلیسی?رید"),
        ("کلسترول", "mg/dL", r"کلسترول"),
    )
)
# the value after the lab's name, a few words on: "کراتینین‌تون هم 1.1"، "هموگلوبین a1c تون شده 8.2"
_FA_LAB_VALUE = re.compile(
    r"(?:\s+(?:تون|تان|ش|شما|هم|الان|شده|بود|بوده|است|هست|روی|حدود)){0,3}\s*(\d+(?:\.\d+)?)(?![\d/])"
)


# a value in words the number view leaves as said, ending its clause: "tsh شده هشت و نیم.", "کراتینین یک،"
_FA_LAB_WORDS = re.compile(
    r"(?:\s+(?:تون|تان|ش|شما|هم|الان|شده|بود|بوده|است|هست|حدود)){0,3}\s+"
    r"([^\W\d_]+(?:\s+و\s+[^\W\d_]+){0,3})(?=\s*(?:[.،,؛]|$))"
)


def _fa_lab_value(text: str, at: int) -> tuple[float, int] | None:
    """The value read after a lab's name at ``at`` and where it ends: in digits, else in words."""
    if v := _FA_LAB_VALUE.match(text, at):
        return float(v.group(1)), v.end()
    w = _FA_LAB_WORDS.match(text, at)
    value = fa_words_to_number(w.group(1)) if w else None
    return (value, w.end()) if w and value is not None else None


_A_COUNT_AFTER = re.compile(r"\s*(?:بار|تا|عدد|دونه)(?![^\W\d_])")


@dataclass(slots=True)
class Lab:
    name: str
    value: float
    unit: str
    start: int
    end: int

    def label(self) -> str:
        unit = "" if self.unit == "%" else " "
        return f"{self.name}: {self.value:g}{unit}{self.unit}"


def extract_fa_labs(text: str, offset: int = 0, view: NumberView | None = None) -> list[Lab]:
    """Persian lab values in one sentence: "HbA1c: 8.2%", "کراتینین: 1.1 mg/dL" (transcript offsets)."""
    nv = view or number_view(text, offset)
    found: list[Lab] = []
    for label, unit, pat in _FA_LABS:
        for m in pat.finditer(nv.text):
            v = _fa_lab_value(nv.text, m.end())
            if v is None or _NOT_A_VALUE_AFTER.match(nv.text, v[1]) or _A_COUNT_AFTER.match(nv.text, v[1]):
                continue  # "پتاسیم رو دو هفته دیگه چک کنیم": a time, not a value
            if any(lab.start <= nv.span(m.start(), m.end())[0] < lab.end for lab in found):
                continue
            a, b = nv.span(m.start(), v[1])
            found.append(Lab(label, v[0], unit, a, b))
    return sorted(found, key=lambda lab: lab.start)


@dataclass(slots=True)
class Medication:
    name: str
    start: int
    end: int
    dose: str | None = None
    unit: str | None = None
    route: str | None = None
    frequency: str | None = None
    duration: str | None = None
    extra: dict = field(default_factory=dict)
    name_span: tuple[int, int] = (0, 0)  # where the name itself was said (start/end cover dose, frequency…)

    def display(self, lang: str = "en") -> str:
        """What a clinician reads: "ibuprofen 2 tablets twice a day for 5 days",
        "آزیترومایسین 500 میلی‌گرم روزی یک بار به مدت 3 روز" (the fields keep the UCUM codes)."""
        fa = lang == "fa"
        # a weight-based dose keeps its basis: "mg/kg/d" reads "mg/kg/day", "میلی‌گرم به ازای هر کیلو در روز"
        base, per_kg, per_day = (self.unit or "").partition("/kg")
        unit = DOSE_UNIT_LABELS["fa" if fa else "en"].get(base, base)
        if per_kg:
            unit += (
                (" به ازای هر کیلو" + (" در روز" if per_day else ""))
                if fa
                else ("/kg" + (per_day and "/day"))
            )
        if not fa and self.dose == "1" and self.unit in ("{tbl}", "{puff}", "[iU]"):
            unit = unit[:-1]  # "1 tablet"
        route = _ROUTE_FA.get(self.route or "", self.route) if fa else self.route
        frequency = self.frequency
        if fa and frequency and frequency.endswith("as needed"):
            frequency = (frequency.removesuffix("as needed") + "در صورت نیاز").strip()
        duration = None
        if self.duration:
            qty, _, du = self.duration.partition(" ")
            duration = (
                f"به مدت {qty} {DURATION_UNITS_FA.get(du.rstrip('s'), du)}" if fa else f"for {self.duration}"
            )
        dose = f"{self.dose} {unit}".strip() if self.dose else None
        if fa and dose and (tablet := self.extra.get("tablet")):
            dose += f" (نصف قرص {tablet})"  # "آتنولول 25 (نصف قرص 50)"
        meals = self.extra.get("meals") if fa else None  # "روزی دو بار بعد غذا"
        said = " ".join(x for x in (self.name, dose, route, frequency, meals, duration) if x)
        if fa and (then := self.extra.get("then")):
            # "سرترالین 25 میلی‌گرم … به مدت 1 هفته، سپس 50 میلی‌گرم", "…، بعد از دو هفته 20 میلی‌گرم"
            after = self.extra.get("after")
            said += (f"، بعد از {after} " if after else "، سپس ") + f"{then} {unit}".rstrip()
        return said


_ROUTE_FA = {
    "oral": "خوراکی", "injection": "تزریقی", "topical": "موضعی", "inhaled": "استنشاقی", "intravenous": "وریدی",
    "intramuscular": "عضلانی", "subcutaneous": "زیرجلدی", "drops": "قطره",
}  # fmt: skip


_ROUTE_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(re.escape(r) for r in sorted(lx.ROUTES, key=len, reverse=True)) + r")(?![\w])",
    re.IGNORECASE,
)
_MED_DURATION = re.compile(r"for\b|(?:over|during) the (?:next|coming|following)\b", re.IGNORECASE)
# Where a route stops being this drug's: "start lisinopril 10 mg daily, and use your inhaler as needed"
_ROUTE_STOP = re.compile(r";|\b(?:and|but)\b|(?<![^\W\d_])و(?![^\W\d_])|ولی|اما", re.IGNORECASE)
# How long a course is, said before its length: "برای یک هفته", "تا ده روز" (up to), "طی ده روز آینده";
# not the range "دو تا سه روز"
_FA_MED_DURATION_BEFORE = re.compile(r"(?:به مدت|برای|طی|در طول|(?<!\S)تا)\s*$")
# (the "سی" of the unit "سی سی" is no number: "روزی پنج سی سی تا ده روز" is a course of ten days)
_FA_RANGE_BEFORE = re.compile(r"(?:\d+|(?<![^\W\d_])(?<!سی )(?:" + "|".join(FA_NUMBERS) + r"))\s+تا\s*$")
# The basis of a weight-based dose, after its unit: "90 mg/kg/day", "90 milligrams per kilo per day",
# "45 mg/kg", "۱۵ میلی‌گرم به ازای هر کیلو (در روز)", "میلی‌گرم بر کیلوگرم"
_PER_KG = re.compile(
    r"\s*(?:/|per|a|an|each|for each|for every)\s*(?:kg|kilo(?:gram)?s?)(?:\s*(?:of\s*)?body\s*weight)?(?![\w])"
    r"(?:\s*(?:/|per|a|each)\s*(?P<day>day|d)(?![\w])|\s*(?:/|per)\s*dose(?![\w]))?"
    r"|\s*(?:به ازای هر|برای هر|در هر|هر|بر|/)\s*کیلو(?:گرم)?(?:\s*وزن(?:\s*بدن)?)?"
    r"(?:\s*(?P<fa_day>در روز|در شبانه[\u200c ]?روز|روزانه))?(?![^\W\d_])",
    re.IGNORECASE,
)
# "as needed" said with another frequency: "every 6 hours as needed", "هر ۶ ساعت در صورت نیاز"
_PRN_AFTER = re.compile(
    r"[\s,،]*(?:only\s+)?(?P<en>as needed|as necessary|as required|prn|if needed|when needed|"
    r"when (?:i|you) need(?:ed)?(?: (?:it|them))?)\b|[\s,،]*(?P<fa>در صورت نیاز|در صورت لزوم)",
    re.IGNORECASE,
)
_PRN_SAID = re.compile(
    r"as needed|prn|when (?:i|you) need(?:ed)?(?: (?:it|them))?|در صورت نیاز", re.IGNORECASE
)
_LIST_GAP = re.compile(r"[\s,،]*")
_WORD_RE = re.compile(r"[\w‌-]+")


# A drug the lexicon does not know, named by the start verb and followed by a dose: "i will start
# too much written fifty milligrams" (speech recognition's "sumatriptan") → name as heard.
_HEARD_DRUG = re.compile(
    r"\b(?:start(?: you on)?|prescribe(?: you)?|put you on|give you|try you on|switch you to)\s+"
    r"(?:some |a |an |the )?((?:[a-z'-]+ ){0,3}?[a-z'-]{3,})(?=\s+\d+(?:\.\d+)?\s*(?:mg|milligrams?|mcg|micrograms?|"
    r"units?|ml|milliliters?|g|grams?)\b)",
)


_FA_HEARD_DRUG = re.compile(
    r"(?<![^\W\d_])" + lx.FA_DOSAGE_FORM + r"(?:های|ها)?\s+"
    r"(?!(?:هم|رو|را|و|که|برای|براش|براتون|برات|بهش|بهتون|بعد|قبل|روزی|هر|شب|صبح|یه|یک|دو|سه)(?![^\W\d_]))"
    # a verb after the form, not a name: "باید قرص بخورید", "قرص نخورین", "شربت می‌خوره"
    r"(?!(?:ب|ن)[\u0621-\u064A\u0671-\u06D3\u200c]*(?:ید|یم)(?![^\W\d_])|(?:می|نمی)[\u200c ]?[\u0621-\u064A\u0671-\u06D3])"
    # what the form is for, not its name: "قرص فشارتون", "قطره چشمی", "اسپری بینی", "قرص مسکن"
    # (or how it is taken: "قرص زیرزبونی", "قرص جوشان", "کپسول آهسته‌رهش")
    r"(?!(?:فشار|قند|چربی|بینی|چشم|چشمی|گوش|گوشی|مسکن|خواب|سرفه|ضد|معده|اعصاب|تیروئید|آنتی|ویتامین|ادرار|"
    r"زیر|خوراکی|جوشان|جویدنی|آهسته|مکیدنی)"
    r"[\u0621-\u064A\u0671-\u06D3\u200c]*(?![^\W\d_]))"
    # which tablet, not its name: "قرص جدید رو قطع کنید", "یه قرص اضافه می‌کنیم", "قرص نمونه", "قرص مامانتون"
    r"(?!(?:جدید|جدیده|اضافه|قبلی|دیگه|دیگر|اولی|بعدی|نمونه|تازه|قدیمی|همون|همین|اون|این)(?![^\W\d_]))"
    # whether it is needed or works, not its name: "قطره لازم نیست", "قرص اثر نداره", "شربت نمی‌خواد"
    r"(?!(?:لازم|نیاز|اثر|فایده|کافی|کافیه|چی|چیه|نمی[\u200c ]?خواد|نخواد|نداره|نیست|هست|خوبه|بده)(?![^\W\d_]))"
    r"(?!" + lx.FA_RELATIVE.pattern + r")"
    r"([\u0621-\u064A\u0671-\u06D3][\u0621-\u064A\u0671-\u06D3\u200c]{3,})"
)


# A Persian drug name the lexicon does not know, said before its dose: "توپیرامات 25 میلی‌گرم"
_FA_NAME_BEFORE_DOSE = re.compile(
    r"(?<![^\W\d_])(?!(?:قرص|کپسول|شربت|آمپول|قطره|اسپری|پماد|فشارتون|فشار|قند|دمای|دما|وزن|نبض)(?![^\W\d_]))"
    r"([\u0621-\u064A\u0671-\u06D3][\u0621-\u064A\u0671-\u06D3\u200c]{3,})"
    r"(?=\s+\d+(?:\.\d+)?\s*(?:میلی[\u200c ]?گرم|میلیگرم|میکروگرم|میلی[\u200c ]?لیتر|واحد)(?!\w))"
)
_AT_MOST = re.compile(
    r"(?:بیشتر از|حداکثر|no more than|not more than|more than|at most|maximum of|max|up to)\s*$",
    re.IGNORECASE,
)
# Words that stand before a dose and are no drug: times of day, verbs, "its dose"
_NOT_A_NAME = re.compile(
    r"^(?:روزانه|روزی|شبی|صبحی|صبح|شب|ظهر|عصر|دوز|دوزش|مقدار|مقدارش|حدود|تقریبا|تقریباً|فقط|حداکثر|حداقل|"
    r"واحد|میزان|میزانش)$|(?:ها|های|ا)$|^(?:ب|می[\u200c ]?)\S*(?:م|یم|ید|ین|ند)$"
)


def _a_name(word: str) -> bool:
    return not _NOT_A_NAME.search(word)


# a dose change said "from X to Y" ("از ۵۰ به ۷۵"): the new dose is the second
_FROM_BEFORE = re.compile(r"(?:\bfrom|(?<![^\W\d_])از)\s*$", re.IGNORECASE)
_TO_BETWEEN = re.compile(
    r"\s*(?:(?:a day|daily|روزانه)\s*)?(?:to|down to|up to|به|کنیم|بکنیم)\s*", re.IGNORECASE
)
_FROM_TO_BARE = re.compile(
    r"^\s+(?:(?:رو|را|dose)\s+)?(?:از|from)\s+\d{1,4}(?:\.\d+)?\s+(?:به|کنیم|بکنیم|کنید|to|down to|up to)\s+(\d{1,4}(?:\.\d+)?)(?!\d)",
    re.IGNORECASE,
)
# a Persian name's strength after its release form: "متفورمین XR هزار", "نیفدیپین اس‌آر بیست"
_FA_RELEASE_STRENGTH = re.compile(
    r"^\s+(?:xr|er|sr|cr|ای?کس[\u200c ]?آر|اس[\u200c ]?آر)\s+(\d{2,4}(?:\.\d+)?)(?![\d.])"
)
# a new dose said as what the medicine is made ("آتورواستاتین رو می‌کنیم چهل", "متوپرولول رو کنید بیست و پنج")
# (also with when or why before the verb, the verb of more or less, and the new dose after a comma: "لانتوس رو
# از امشب میکنی ۲۴", "متفورمین رو هم به خاطر کلیه کم میکنم، ۵۰۰ صبح، ۵۰۰ شب")
_FA_MADE_TO = re.compile(
    r"^(?:\s+(?:رو|را)|و)\s+(?:(?:هم|دیگه)\s+)?(?:(?:از|به خاطر|بخاطر|برای)\s+[^\d،,.؟?!]{1,20}?\s+)?"
    r"(?:(?:کم|زیاد|کمتر|بیشتر)\s+)?(?:می[\u200c ]?|ب)?کن(?:یم|ید|ین|ی|م)\s*[،,]?\s+(\d{1,4}(?:\.\d+)?)(?![\d.])"
)
_FORM_BEFORE = re.compile(r"(?<![^\W\d_])(ژل|پماد|کرم|قطره|اسپری|gel|cream|ointment)\s+$", re.IGNORECASE)
_VITAMIN_LETTER = re.compile(
    r"[ -](?:d3?|b ?12|b ?6|b1|c|e|k|a|د|ث|ب ?(?:۱۲|12|۶|6|دوازده|شش|شیش|یک))(?![^\W\d_])", re.IGNORECASE
)
# a Persian B vitamin as the note writes it: "ویتامین ب شش" is "ویتامین B6"
_FA_VITAMIN_B = re.compile(r"ب ?(۱۲|12|دوازده|۶|6|شش|شیش|یک)$")
_FA_B_NUMBER = {"۱۲": "12", "12": "12", "دوازده": "12", "۶": "6", "6": "6", "شش": "6", "شیش": "6", "یک": "1"}
# a step up or down said after the order: "…، یه هفته، بعد بکنید پنجاه", "بعد از یه هفته بکنیدش پنجاه"
_FA_THEN_DOSE = re.compile(
    r"[^.؟?!]*?(?<![^\W\d_])(?:بعد|بعدش|سپس)(?:\s+از\s+(?P<after>[^،,.]{2,20}?))?\s*[،,]?\s*"
    r"(?:(?:بکنید|بکنیدش|کنید|کنیدش|بکنیم|بکنیمش|کنیم|کنیمش|برسونید|برسونیدش|برسونیم)\s+(?P<to>\d{1,4}(?:\.\d+)?)|"
    r"(?P<to_first>\d{1,4}(?:\.\d+)?)\s+(?:بکنید|بکنیدش|کنید|کنیدش|بکنیم|کنیم|بخورید))(?!\d|\.\d)"
)
# the word a name takes after it: a vitamin's letter, an iron salt
_NAME_TAILS = {
    "vitamin": _VITAMIN_LETTER,
    "ویتامین": _VITAMIN_LETTER,
    "ferrous": re.compile(r" (?:sulfate|sulphate|gluconate|fumarate)\b"),
}
# A bare number right after a drug name is its strength: "ایبوپروفن 400", "tylenol 500" (not "2 بار")
_BARE_STRENGTH = re.compile(
    r"^\s+(\d{2,4}(?:\.\d+)?)(?!\d|\.\d|\s*(?:(?:بار|روز(?!ی)|هفته|ماه|سال|ساعت|دقیقه|ثانیه|درصد|در صد)\w*|تا|عدد|"
    r"دونه|قرص|٪|times?|days?|weeks?|months?|years?|hours?|minutes?|mins?|seconds?|percent|x|%|/|over|روی)(?!\w))",
    re.IGNORECASE,
)


def fa_strength(word: str) -> str | None:
    """The strength a Persian tablet is named by ("قرص هزاری" is the 1000 tablet, "پونصدی" 500): no drug
    of its own ("یکی" is "one of them", not a strength)."""
    body = word.removesuffix("ی").rstrip("\u200c")
    value = fa_words_to_number(body.replace("\u200c", " ")) if body != word else None
    return None if value is None or value < 5 else f"{value:g}"


# Two Persian drug names said one after the other are one combination product: "استامینوفن کدئین"
_FA_COMBINED_GAP = re.compile(r"\s*[-+/]?\s*")
_PERSIAN = re.compile(r"[\u0600-\u06FF]")
# a small strength said in words before a time of day: "آملودیپین پنج صبح یکی" (5 mg, not 5 o'clock)
_FA_SMALL_STRENGTH = re.compile(
    r"^\s+(یک|دو|سه|چهار|پنج|شش|شیش|هفت|هشت)(?=\s+(?:نصف|نیم|صبح|شب|ظهر|عصر|یکی)(?![^\W\d_]))"
)
# a one-digit strength right after the name, before the verb or a comma: "آملودیپین ۵ میخورم", "گلیبنکلامید ۵، صبح"
_FA_SMALL_DIGIT = re.compile(
    r"^\s+(\d(?:\.\d+)?)(?=\s*[،,]|\s+(?:می[\u200c ]?خور|بخور|مصرف|می[\u200c ]?ندازم|رو\s|را\s))"
)
# a strength said apart, between commas: "هیدروکلروتیازیده، بیست و پنج، صبحا"
_FA_STRENGTH_APART = re.compile(r"^\s*[،,]\s*(\d{1,4}(?:\.\d+)?)(?=\s*(?:[،,.]|$))")
# half a tablet after its strength: "آتنولول پنجاه نصف صبح" is 25
# ("نیم" only with its tablet: "نیم ساعت قبل از غذا" is a time)
_FA_HALF = re.compile(r"\s*(?:،\s*)?(?:نصف(?:\s+(?:قرص|دونه|عدد))?|نیم\s+(?:قرص|دونه|عدد))(?![^\W\d_])")
# a time of day that is the whole schedule, said after the dose: "صبح یکی", "صبحا", "شب‌ها", "صبح و شب",
# "بیست هم شبا میخورید؟"
# (also after the order's verb, and as two times each with its tablet: "… ۱۰۰ برات می‌نویسم، صبح یکی شب یکی")
# the same dose said again at another time of day: "(متفورمین ۵۰۰ صبح)، ۵۰۰ شب"
_FA_DOSE_AGAIN = re.compile(r"\s*[،,]?\s*(?:و\s+)?(\d{1,4}(?:\.\d+)?)\s+(صبح|شب|ظهر|عصر)(?![^\W\d_])")
_FA_TIME_OF_DAY = re.compile(
    r"\s*(?:،\s*)?(?:(?:برات|براتون|بهت|بهتون)?\s*(?:می[\u200c ]?نویسم|می[\u200c ]?دم|می[\u200c ]?دهم)\s*[،,]\s*)?"
    r"(?:هم\s+)?((?:صبح|شب|ظهر|عصر)(?:[\u200c ]?ها|ا)?(?:\s+و\s+(?:صبح|شب|ظهر|عصر))?"
    r"(?:\s+(?:یکی|یه دونه|یک عدد|ناشتا|قبل از خواب))?"
    r"(?:\s*[،,]?\s*(?:و\s+)?(?:صبح|شب|ظهر|عصر)(?:[\u200c ]?ها|ا)?\s+(?:یکی|یه دونه|یک عدد))?)"
    r"(?=\s*(?:[.،,;؟?]|$)|\s+(?:می[\u200c ]?خور|بخور|مصرف|بدید|بدین|بزن))"
)
# how many with which meal, as the whole schedule: "…، دو تا با شام", "یکی بعد از صبحانه"
_FA_COUNT_WITH_MEAL = re.compile(
    r"\s*(?:،\s*)?((?:یکی|یه دونه|یک عدد|(?:\d|دو|سه)\s*(?:تا|عدد|دونه))\s+"
    r"(?:با|بعد(?:\s+از)?|قبل(?:\s+از)?|سر)\s+(?:شام|ناهار|نهار|صبحانه|صبحونه|غذا))(?![^\W\d_])"
)
# how it is taken with meals, said after the frequency: "روزی دو بار بعد غذا"
_FA_WITH_MEALS = re.compile(r"\s*(?:،\s*)?((?:بعد|قبل)(?: از)? (?:غذا|صبحانه|ناهار|شام)|با غذا)(?![^\W\d_])")
# the condition a Persian order is taken on: "اگه تب کرد شربت استامینوفن"، "اگه درد داشتی"، "موقع حمله"
_FA_ON_CONDITION = re.compile(
    r"(?<![^\W\d_])(?:اگه|اگر|هر وقت|هروقت|موقع|در صورت)\s+(?P<what>[^،,.؟?!]{2,30}?)"
    r"(?:\s+(?:کرد|کردی|کردید|کردین|داشت|داشتی|داشتید|داشتین|شد|شدی|شدید|گرفت|گرفتی|گرفتید|بود))?"
    r"(?=\s*(?:[،,.؟?!]|$)|\s+(?:" + lx.FA_DOSAGE_FORM + r"|\S+\s+\d))"
)


def _fa_condition(text: str) -> str | None:
    """What a Persian order is taken on, as the note says it: "در صورت تب", "در صورت حمله"."""
    for m in _FA_ON_CONDITION.finditer(text):
        what = m.group("what")
        if sym := lx.SYMPTOM_RE.search(what):
            return "در صورت " + lx.fa_symptom_name(sym.group(0))
        if re.match(r"(?:حمله|نیاز|لازم|درد)(?![^\W\d_])", what):
            return "در صورت " + ("نیاز" if what.startswith("لازم") else what.split()[0])
    return None


def extract_medications(
    text: str, offset: int = 0, view: NumberView | None = None, *, heard: bool = False
) -> list[Medication]:
    """Medications in one sentence. ``heard``: also a drug name the lexicon does not know when a start
    verb and a dose frame it (a prescribing doctor's sentence)."""
    nv = view or number_view(text, offset)
    low = nv.text
    meds: list[Medication] = []
    hits: list[tuple[int, int, str]] = []
    named_as_is: set[int] = set()  # where a name was said with "is" (what a medicine is, not an order)
    for m in _WORD_RE.finditer(low):
        w = m.group(0)
        if w not in lx.DRUGS and w[:-1] in lx.DRUGS and w.endswith("ه") and _PERSIAN.match(w):
            hits.append((m.start(), m.end(), w[:-1]))  # "این قرص هیدروکلروتیازیده": the name with "is"
            named_as_is.add(m.start())
            continue
        if w not in lx.DRUGS and w[:-1] in lx.DRUGS and w.endswith("و") and _PERSIAN.match(w):
            hits.append((m.start(), m.end() - 1, w[:-1]))  # "لوزارتانو می‌کنیم صد": "رو" said as "و"
            continue
        if (w in lx.DRUGS or lx.DRUG_SUFFIX.fullmatch(w)) and w not in lx.DRUG_CLASS_WORDS:
            if w in {
                "vitamin",
                "iron",
                "calcium",
                "magnesium",
                "potassium",
                "ویتامین",
            } and not lx.DOSE_RE.search(low[m.end() : m.end() + 40]):
                continue
            end = m.end()
            if (tail := _NAME_TAILS.get(w)) and (said := tail.match(low, end)):
                end = said.end()  # "vitamin d", "vitamin b12", "ویتامین د", "ferrous sulfate"
                w = low[m.start() : end]
                if b_vit := _FA_VITAMIN_B.search(w):
                    w = f"ویتامین B{_FA_B_NUMBER[b_vit.group(1)]}"
            hits.append((m.start(), end, w))
    if heard:  # "قرص متوکاربامول": a name the lexicon does not know, after its dosage form or before its dose
        before_dose = [] if hits else [m for m in _FA_NAME_BEFORE_DOSE.finditer(low) if _a_name(m.group(1))]
        for m in (*_FA_HEARD_DRUG.finditer(low), *before_dose):
            if (
                not any(a <= m.start(1) < b for a, b, _ in hits)
                and m.group(1) not in lx.DRUGS
                and fa_strength(m.group(1)) is None
            ):
                hits.append((m.start(1), m.end(1), m.group(1)))
        hits.sort()
    merged: list[tuple[int, int, str]] = []
    for a, b, w in hits:
        prev = merged[-1] if merged else None
        if (
            prev
            and {prev[2], w} <= lx.DRUGS  # names the lexicon knows, not one only heard
            and _PERSIAN.search(w)
            and _PERSIAN.search(prev[2])
            and _FA_COMBINED_GAP.fullmatch(low, prev[1], a)
        ):
            one = f"{prev[2]}\u200c{w}"  # "آموکسی سیلین" is one name said in two words
            merged[-1] = (prev[0], b, one if one in lx.DRUGS else f"{prev[2]}-{w}")  # "استامینوفن-کدئین"
        else:
            merged.append((a, b, w))
    hits = merged
    if heard and not hits:
        for m in _HEARD_DRUG.finditer(low):
            a, b = nv.span(m.start(1), m.end(1))
            hits.append((m.start(1), m.end(1), text[a - offset : b - offset].lower()))
    for i, (a, b, w) in enumerate(hits):
        stop = hits[i + 1][0] if i + 1 < len(hits) else len(low)
        window = low[b : min(stop, b + 80)]
        med = Medication(name=w, start=a, end=b, name_span=nv.span(a, b))
        if a in named_as_is:
            med.extra["named_as_is"] = True
        end = b
        d = lx.DOSE_RE.search(window)
        if d and _FROM_BEFORE.search(window, 0, d.start()):  # "from ten milligrams to five milligrams"
            to = lx.DOSE_RE.search(window, d.end())
            if to and _TO_BETWEEN.fullmatch(window, d.end(), to.start()):
                d = to
        bare = _BARE_STRENGTH.match(window)
        if d and d.start() < 40:
            med.dose = d.group(1)
            med.unit = lx.DOSE_UNITS.get(d.group(2).lower(), d.group(2))
            end = max(end, b + d.end())
            if kg := _PER_KG.match(window, d.end()):  # a fraction of the dose without its basis
                med.unit += "/kg" + ("/d" if kg.group("day") or kg.group("fa_day") else "")
                end = max(end, b + kg.end())
        elif changed := _FROM_TO_BARE.match(window):  # "فوروزماید رو از چهل کنیم بیست", "from 40 to 20"
            med.dose = changed.group(1)
            end = max(end, b + changed.end())
        elif made := _FA_MADE_TO.match(window):  # "آتورواستاتین رو می‌کنیم چهل": the new dose
            med.dose = made.group(1)
            med.extra["made_to"] = True
            end = max(end, b + made.end())
        elif _PERSIAN.match(w) and (released := _FA_RELEASE_STRENGTH.match(window)):  # "متفورمین XR هزار"
            med.dose = released.group(1)
            end = max(end, b + released.end())
        elif bare:  # "ایبوپروفن چهارصد": the strength without its unit (the unit is not guessed)
            med.dose = bare.group(1)
            end = max(end, b + bare.end())
        elif small := _FA_SMALL_STRENGTH.match(window):  # "آملودیپین پنج صبح یکی"
            med.dose = str(FA_NUMBERS[small.group(1)])
            end = max(end, b + small.end())
        elif _PERSIAN.match(w) and (digit := _FA_SMALL_DIGIT.match(window)):  # "آملودیپین ۵ میخورم"
            med.dose = digit.group(1)
            end = max(end, b + digit.end(1))
        elif _PERSIAN.match(w) and (apart := _FA_STRENGTH_APART.match(window)):  # "…یده، بیست و پنج، صبحا"
            med.dose = apart.group(1)
            end = max(end, b + apart.end())
        if med.dose and _PERSIAN.match(w) and _FA_MADE_TO.match(window):
            med.extra["made_to"] = True  # "لانتوس رو از امشب میکنی ۲۴ واحد": the dose with its unit
        if med.dose and (half := _FA_HALF.match(low, end, stop)):  # "آتنولول پنجاه نصف صبح": 25
            med.extra["tablet"] = med.dose
            med.dose = f"{float(med.dose) / 2:g}"
            end = half.end()
        cut = _ROUTE_STOP.search(window)
        r = _ROUTE_RE.search(window, 0, cut.start() if cut else len(window))
        if r and stop - b == len(window) and not window[r.end() :].strip(" ،,"):
            r = None  # "استامینوفن …، ژل دیکلوفناک": the form said right before the next drug is that drug's
        if r:
            med.route = lx.ROUTES[r.group(0).lower()]
            end = max(end, b + r.end())
        elif form := _FORM_BEFORE.search(low, max(0, a - 12), a):  # "ژل دیکلوفناک", "پماد موپیروسین"
            med.route = lx.ROUTES[form.group(1).lower()]
        f = lx.FREQ_RE.search(window)
        if f:
            med.frequency = _frequency(_said(text, offset, nv, b + f.start(), b + f.end()))
            if _AT_MOST.search(window, 0, f.start()):  # "بیشتر از هفته‌ای دو بار نخورید": a limit
                med.frequency = (
                    "حداکثر " if re.search(r"[\u0600-\u06FF]", med.frequency) else "no more than "
                ) + med.frequency
            end = max(end, b + f.end())
            # "every 6 hours as needed", "در صورت نیاز هر ۶ ساعت": both, said regular one first
            if _PRN_SAID.fullmatch(low, b + f.start(), b + f.end()):
                gap = _LIST_GAP.match(low, b + f.end())
                g = lx.FREQ_RE.match(low, gap.end() if gap else b + f.end(), stop)
                if g and not _PRN_SAID.fullmatch(low, g.start(), g.end()):
                    prn = " در صورت نیاز" if re.search(r"[\u0600-\u06FF]", f.group(0)) else " as needed"
                    med.frequency = _said(text, offset, nv, g.start(), g.end()) + prn
                    end = max(end, g.end())
            elif prn_after := _PRN_AFTER.match(low, b + f.end(), stop):
                med.frequency += " در صورت نیاز" if prn_after.group("fa") else " as needed"
                end = max(end, prn_after.end())
        elif when := _FA_TIME_OF_DAY.match(low, end, stop):  # "آملودیپین پنج صبح یکی"
            med.frequency = _said(text, offset, nv, when.start(1), when.end(1))
            end = when.end()
            if med.dose and (again := _FA_DOSE_AGAIN.match(low, end, stop)) and again.group(1) == med.dose:
                med.frequency += " و " + again.group(2)  # "۵۰۰ صبح، ۵۰۰ شب": the same dose twice a day
                end = again.end()
        elif _PERSIAN.search(w) and (meal := _FA_COUNT_WITH_MEAL.match(low, end, stop)):  # "…، دو تا با شام"
            med.frequency = _said(text, offset, nv, meal.start(1), meal.end(1))
            end = meal.end()
        else:
            prev_end = hits[i - 1][1] if i else 0
            before = low[max(0, a - 30, prev_end) : a]
            before = re.split(r"[,،;.]|\band\b", before)[-1]  # not the frequency of the clause before
            f = lx.FREQ_RE.search(before)
            if f:  # "روزی دو بار استامینوفن", "twice a day i take ..."
                a = a - len(before) + f.start()
                med.frequency = _frequency(_said(text, offset, nv, a, a + len(f.group(0))))
        if med.frequency and _PERSIAN.search(w) and (when := _FA_TIME_OF_DAY.match(low, end, stop)):
            med.frequency += " " + _said(text, offset, nv, when.start(1), when.end(1))  # "روزی یکی صبح"
            end = when.end()
        if med.frequency and (meals := _FA_WITH_MEALS.match(low, end, stop)):  # "روزی دو بار بعد غذا"
            med.extra["meals"] = _said(text, offset, nv, meals.start(1), meals.end(1))
            end = meals.end()
        if _PERSIAN.search(w) and "در صورت" not in (med.frequency or ""):
            # the condition said before this drug (after the one before), or after the last drug
            lo = hits[i - 1][1] if i else 0
            around = low[lo:stop] if i + 1 == len(hits) else low[lo:a]
            if condition := _fa_condition(around):  # "اگه تب کرد شربت استامینوفن": در صورت تب
                med.frequency = f"{med.frequency} {condition}" if med.frequency else condition
        # "for 10 days", "به مدت ده روز"; in a prescription also a course said last ("…، هشت هفته.")
        du = [d for d in extract_durations(window) if _MED_DURATION.match(window[d[0] : d[1]])
              or (_FA_MED_DURATION_BEFORE.search(window, max(0, d[0] - 12), d[0])
                  and not _FA_RANGE_BEFORE.search(window, 0, d[0]))
              # (the course said whole: "…، ده روز کامل.")
              or (heard and re.match(r"\s*(?:کامل\s*)?(?:[.،,;]|$)", window[d[1]:]) and window[:d[0]].rstrip().endswith(("،", ",")))]  # fmt: skip
        if du:
            med.duration = du[0][2]
            end = max(end, b + du[0][1])
        if med.dose and _PERSIAN.search(w) and (then := _FA_THEN_DOSE.match(low, end, stop)):
            med.extra["then"] = then.group("to") or then.group("to_first")  # "…، یه هفته، بعد بکنید پنجاه"
            if then.group("after"):  # "بعد از یه هفته بکنیدش پنجاه"
                med.extra["after"] = _said(text, offset, nv, then.start("after"), then.end("after"))
            end = then.end()
        med.start, med.end = nv.span(a, end)
        meds.append(med)
    return meds


def _said(text: str, offset: int, nv: NumberView, a: int, b: int) -> str:
    """The words of ``text`` behind ``nv.text[a:b]`` as said ("روزی دو بار", not "روزی 2 بار")."""
    start, end = nv.span(a, b)
    return text[start - offset : end - offset].lower()


_PRN = re.compile(r"^(?:prn|when (?:i|you) need(?:ed)?(?: (?:it|them))?)$", re.IGNORECASE)


def _frequency(heard: str) -> str:
    """'when i need it' / 'prn' → 'as needed'; other frequencies as said."""
    if heard.strip() == "روزی":  # "روزی ۲۵ میلی‌گرم": so much a day
        return "روزانه"
    return "as needed" if _PRN.match(heard.strip()) else heard


_FREQ_BEFORE = re.compile(r"(?:once|twice|times|per|every)\s+$", re.IGNORECASE)
_PER_COUNT = re.compile(
    r"\b(?:packs?|cigarettes?|drinks?|beers?|glass(?:es)?|cups?|bottles?|servings?|tablets?|pills?|puffs?|"
    r"meals?|doses?)\s+$",
    re.IGNORECASE,
)
_EVERY_BEFORE = re.compile(r"(?:every|each|per|هر)\s+$", re.IGNORECASE)
_EN_QTY = {"a": "1", "an": "1", "a few": "a few", "a couple": "2", "a couple of": "2", "several": "several"}


# Words between "for" and a length that still make it a course: "for up to 10 days", "for the next 10 days"
_FOR_BEFORE = re.compile(
    r"\b(?:for|over|during)\s+(?:up to|the next|the coming|the following|another|at least|a total of)\s+$",
    re.IGNORECASE,
)
# A length said without a number: "for the next week", "over the coming month"
_FOR_THE_NEXT = re.compile(
    r"\b(?:for|over|during)\s+the\s+(?:next|coming|following)\s+(day|week|month|year)\b", re.IGNORECASE
)


def extract_durations(text: str) -> list[tuple[int, int, str]]:
    """Durations in ``text`` (already digit-normalised): (start, end, '3 days'); a course said "for up
    to"/"for the next" starts at its "for"."""
    out: list[tuple[int, int, str]] = []
    for m in _FOR_THE_NEXT.finditer(text):
        out.append((m.start(), m.end(), f"1 {m.group(1).lower()}"))
    for m in lx.DURATION_RE.finditer(text):
        if any(a <= m.start() < b for a, b, _ in out):
            continue
        if _FREQ_BEFORE.search(text, 0, m.start()) and m.group(0).lower().startswith(("a ", "an ")):
            continue
        if _PER_COUNT.search(text, 0, m.start()) and m.group(0).lower().startswith(("a ", "an ")):
            continue  # "a pack a day", "two beers a week": a rate, not how long
        if _EVERY_BEFORE.search(text, 0, m.start()):
            continue
        qty = _EN_QTY.get(m.group(1).lower(), m.group(1))
        unit = m.group(2).lower()
        if qty == "1" and unit.endswith("s"):
            unit = unit[:-1]
        elif qty not in ("1",) and not unit.endswith("s"):
            unit += "s"
        lead = _FOR_BEFORE.search(text, max(0, m.start() - 25), m.start())
        out.append((lead.start() if lead else m.start(), m.end(), f"{qty} {unit}"))
    for m in lx.FA_DURATION_RE.finditer(text):
        if _EVERY_BEFORE.search(text, 0, m.start()):
            continue
        raw = m.group(1)
        qty = raw if raw.isdigit() else str(FA_NUMBERS.get(raw, raw))
        unit = lx.FA_UNITS[m.group(2)]
        out.append((m.start(), m.end(), f"{qty} {unit}{'' if qty == '1' else 's'}"))
    return sorted(out)


def is_negated(text: str, term_start: int | None = None, term_end: int | None = None) -> bool:
    """A negation of the term at ``text[term_start:term_end]`` (its first word when no end is given)
    within its clause (``soapify.nlp.dialogue.scope``), or a denial anywhere in ``text`` when no term
    is given."""
    if term_start is None:
        return negative_sentence(text)
    if term_end is None:
        m = _WORD_RE.match(text, term_start)
        term_end = m.end() if m else term_start
    return scope_negated(text, term_start, term_end)


def is_uncertain(text: str) -> bool:
    return bool(lx.UNCERTAIN_RE.search(text))
