"""The ``local`` directory: the ``DirectoryPatient`` table (demo rows, CSV imports)."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery
from django.db.models import Q

from soapify.integrations.masking import name_terms
from soapify.integrations.models import DirectoryPatient

from .base import DirectoryRecord

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
    (every word as a prefix of a word of the name, through the GIN-indexed tsvector)."""

    provider = "local"

    def search(self, query: str, *, limit: int) -> list[DirectoryRecord]:
        text = query.strip()
        condition = Q(ref__startswith=text)
        if text.upper() != text:
            condition |= Q(ref__startswith=text.upper())
        digits = text.translate(_DIGITS)
        if digits.isdigit():
            condition |= Q(national_id=digits)
        terms = name_terms(text)
        if terms:
            raw = " & ".join(f"'{term}':*" for term in terms)
            condition |= Q(search=SearchQuery(raw, search_type="raw", config="simple"))
        rows = DirectoryPatient.objects.filter(condition).order_by("ref")[:limit]
        return [_record(row) for row in rows]

    def get(self, ref: str) -> DirectoryRecord | None:
        row = DirectoryPatient.objects.filter(ref=ref).first()
        return _record(row) if row else None

    def check(self) -> None:
        DirectoryPatient.objects.exists()
