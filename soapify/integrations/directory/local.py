"""The ``local`` directory: the ``DirectoryPatient`` table (demo rows, CSV imports)."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery

from soapify.integrations.masking import name_terms
from soapify.integrations.models import DirectoryPatient

from .base import DirectoryRecord

_MAX_CHAR = "\U0010ffff"  # above every character: [prefix, prefix + _MAX_CHAR) holds every extension
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def _record(row: DirectoryPatient) -> DirectoryRecord:
    return DirectoryRecord(
        ref=row.ref,
        full_name=row.full_name,
        national_id=row.national_id,
        birth_date=row.birth_date,
        sex=row.sex,
    )


class LocalDirectory:
    """Matches a query against the reference (prefix), the national id (exact) and the name
    (every word a prefix of a word of the name, through the GIN-indexed tsvector; only for queries
    without digits: names have none). Each is its own index-friendly query: reference prefixes as
    a range of the reference's unique index (byte order, ``C`` collation), names ordered by name.
    Results: reference matches, then national id, then names, at most ``limit``."""

    provider = "local"

    def search(self, query: str, *, limit: int) -> list[DirectoryRecord]:
        text = query.strip()
        found: dict[str, DirectoryPatient] = {}

        def add(rows) -> None:
            for row in rows:
                if len(found) < limit:
                    found.setdefault(row.ref, row)

        for prefix in dict.fromkeys((text, text.upper())):
            add(
                DirectoryPatient.objects.filter(
                    ref__gte=prefix, ref__lt=prefix + _MAX_CHAR, ref__startswith=prefix
                ).order_by("ref")[:limit]
            )
        digits = text.translate(_DIGITS)
        if digits.isdigit():
            add(DirectoryPatient.objects.filter(national_id=digits).order_by("ref")[:limit])
        elif terms := name_terms(text):
            raw = " & ".join(f"'{term}':*" for term in terms)
            names = SearchQuery(raw, search_type="raw", config="simple")
            add(DirectoryPatient.objects.filter(search=names).order_by("name_search", "ref")[:limit])
        return [_record(row) for row in found.values()]

    def get(self, ref: str) -> DirectoryRecord | None:
        row = DirectoryPatient.objects.filter(ref=ref).first()
        return _record(row) if row else None

    def check(self) -> None:
        DirectoryPatient.objects.exists()
