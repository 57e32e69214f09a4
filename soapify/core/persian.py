"""Persian letters as one table, shared by the search index (``soapify.search.text``) and the
transcripts (``soapify.stt.text``): Arabic yeh/kaf/teh marbuta/heh-hamza forms to their Persian
letters, and the digit sets."""

from __future__ import annotations

#: Arabic letter forms to the Persian letters a Persian reader expects.
ARABIC_TO_PERSIAN_LETTERS = {
    "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH
    "\u06c0": "\u0647",  # HEH WITH YEH ABOVE -> HEH
}
PERSIAN_DIGITS = "".join(chr(0x06F0 + i) for i in range(10))
ARABIC_INDIC_DIGITS = "".join(chr(0x0660 + i) for i in range(10))
LATIN_DIGITS = "0123456789"
ZWNJ = "\u200c"
