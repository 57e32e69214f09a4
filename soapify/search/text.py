"""One normaliser for indexed text and queries, so Persian matches however it was typed.

PostgreSQL has no Persian dictionary. Persian text is indexed with the ``simple`` configuration
(no stemming, no stop words) after this normalisation; English with ``english``. What it does:
Arabic yeh/kaf/teh marbuta/heh-hamza forms to their Persian letters, Arabic diacritics (harakat,
tanwin, superscript alef) and tatweel removed, ZWNJ (half-space) as a word boundary, Persian and
Arabic-Indic digits to ASCII, NFKC (presentation forms), lower case. What it does not do: no
Persian stemming or lemmatisation (``کتابها`` is found by ``کتاب`` only through the prefix match
of query words; ``کتاب‌ها`` with a ZWNJ splits into two words and matches directly), no spelling
variants beyond these letters.
"""

from __future__ import annotations

import re
import unicodedata

from soapify.core.persian import (
    ARABIC_INDIC_DIGITS,
    ARABIC_TO_PERSIAN_LETTERS,
    LATIN_DIGITS,
    PERSIAN_DIGITS,
    ZWNJ,
)

_LETTERS = str.maketrans(
    {
        **ARABIC_TO_PERSIAN_LETTERS,
        ZWNJ: " ",  # a boundary between the parts of a word
        "\u200d": "",  # ZWJ
        "\u0640": "",  # TATWEEL
        **dict(zip(PERSIAN_DIGITS, LATIN_DIGITS, strict=True)),
        **dict(zip(ARABIC_INDIC_DIGITS, LATIN_DIGITS, strict=True)),
    }
)
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_PERSIAN = re.compile("[\u0600-\u06ff]")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_LETTERS)
    return " ".join(_DIACRITICS.sub("", text).lower().split())


def language_of(text: str, default: str = "en") -> str:
    """``fa`` when the text holds Persian letters, else ``default``."""
    return "fa" if _PERSIAN.search(text) else default


_LATIN = re.compile("[A-Za-z]")


def mostly_persian(text: str) -> bool:
    """More Persian letters than Latin ones: what an English-only embedding model cannot read (an
    English note that names a Persian patient, or "metformin متفورمین", still can)."""
    return len(_PERSIAN.findall(text)) > len(_LATIN.findall(text))


def ts_config(language: str) -> str:
    return "simple" if language == "fa" else "english"
