"""Persian transcript text as a Persian reader expects it: Arabic yeh/kaf (and teh marbuta,
heh-hamza) to the Persian letters, the ZWNJ (half-space) kept, digits as ``STT_PERSIAN_DIGITS``
says (``persian`` ۰-۹ or ``latin`` 0-9). Text in any other language is returned unchanged."""

from __future__ import annotations

from django.conf import settings

from soapify.core.persian import (
    ARABIC_INDIC_DIGITS,
    ARABIC_TO_PERSIAN_LETTERS,
    LATIN_DIGITS,
    PERSIAN_DIGITS,
)

_TO_PERSIAN_DIGITS = str.maketrans(
    {
        **ARABIC_TO_PERSIAN_LETTERS,
        **dict(zip(LATIN_DIGITS, PERSIAN_DIGITS, strict=True)),
        **dict(zip(ARABIC_INDIC_DIGITS, PERSIAN_DIGITS, strict=True)),
    }
)
_TO_LATIN_DIGITS = str.maketrans(
    {
        **ARABIC_TO_PERSIAN_LETTERS,
        **dict(zip(PERSIAN_DIGITS, LATIN_DIGITS, strict=True)),
        **dict(zip(ARABIC_INDIC_DIGITS, LATIN_DIGITS, strict=True)),
    }
)


def transcript_text(text: str, language: str | None) -> str:
    """``text`` of a segment or word transcribed in ``language``, normalised for Persian."""
    if (language or "").lower() != "fa":
        return text
    table = _TO_LATIN_DIGITS if settings.STT_PERSIAN_DIGITS == "latin" else _TO_PERSIAN_DIGITS
    return text.translate(table)
