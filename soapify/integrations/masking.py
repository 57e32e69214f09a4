"""What a doctor without access may see of a directory patient: a masked name, an age band, sex."""

from __future__ import annotations

import re
from datetime import date

from soapify.core.persian import ARABIC_TO_PERSIAN_LETTERS, ZWNJ

_LETTERS = str.maketrans({**ARABIC_TO_PERSIAN_LETTERS, ZWNJ: " "})
_WORD = re.compile(r"\w+", re.UNICODE)

#: upper bounds (inclusive) of the age bands; older is "80+"
_BANDS = ((1, "0-1"), (4, "2-4"), (11, "5-11"), (17, "12-17"), (29, "18-29"), (39, "30-39"),
          (49, "40-49"), (59, "50-59"), (69, "60-69"), (79, "70-79"))  # fmt: skip


def normalize_name(text: str) -> str:
    """Lower case, Persian letter forms, words separated by single spaces."""
    return " ".join(_WORD.findall((text or "").translate(_LETTERS).lower()))


def name_terms(query: str) -> list[str]:
    """The words of a search query, normalised like the stored names."""
    return normalize_name(query).split()


def mask_name(full_name: str) -> str:
    """``Sara Ahmadi`` -> ``S*** A***``; ``سارا احمدی`` -> ``س*** ا***``."""
    return " ".join(word[0] + "***" for word in (full_name or "").split() if word) or "***"


def age_band(birth_date: date | None, today: date | None = None) -> str | None:
    if birth_date is None:
        return None
    today = today or date.today()
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    if age < 0:
        return None
    for upper, label in _BANDS:
        if age <= upper:
            return label
    return "80+"
