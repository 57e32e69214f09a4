"""Writes of the patient directory side: access grants, the encounter check, demo rows, imports."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soapify.core.errors import Forbidden, NotFound

from .masking import normalize_name
from .models import DirectoryPatient, PatientAccessGrant
from .selectors import directory_get, grant_active


def access_grant_create(
    *, doctor, patient_ref: str, reason: str, minutes: int | None = None
) -> PatientAccessGrant:
    """Record the doctor's time-limited access to a patient the directory knows (404 otherwise;
    502/504 when the directory cannot answer, and then nothing is stored)."""
    record = directory_get(patient_ref)
    if record is None:
        raise NotFound("No patient with this reference in the directory.", code="patient_not_found")
    minutes = minutes or settings.PATIENT_ACCESS_DEFAULT_MINUTES
    minutes = max(1, min(int(minutes), settings.PATIENT_ACCESS_MAX_MINUTES))
    return PatientAccessGrant.objects.create(
        doctor=doctor,
        patient_ref=record.ref,
        reason=reason.strip(),
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )


def patient_access_check(*, doctor, patient_ref: str) -> None:
    """With ``PATIENT_ACCESS_REQUIRED``, a directory patient needs the doctor's active grant
    (403 ``patient_access_required``); references the directory does not know are not checked."""
    if not settings.PATIENT_ACCESS_REQUIRED or grant_active(user=doctor, patient_ref=patient_ref):
        return
    if directory_get(patient_ref) is not None:
        raise Forbidden(
            "Request access to this patient first (POST /api/integrations/patients/{ref}/access/).",
            code="patient_access_required",
        )


# ---------------------------------------------------------------------------------- local directory

#: demo patients of the local directory; HS-12345 is the one the seed's flow uses
DEMO_PATIENTS: tuple[dict, ...] = (
    {"ref": "HS-12345", "full_name": "سارا احمدی", "national_id": "0012345678", "birth_date": date(1988, 3, 14),
     "sex": "female"},
    {"ref": "HS-12346", "full_name": "علی رضایی", "national_id": "0023456789", "birth_date": date(1975, 11, 2),
     "sex": "male"},
    {"ref": "HS-12347", "full_name": "مریم کریمی", "national_id": "0034567890", "birth_date": date(2012, 6, 30),
     "sex": "female"},
    {"ref": "HS-12348", "full_name": "John Carter", "national_id": "0045678901", "birth_date": date(1959, 1, 21),
     "sex": "male"},
    {"ref": "HS-12349", "full_name": "Leila Moradi", "national_id": "0056789012", "birth_date": date(1994, 9, 8),
     "sex": "female"},
)  # fmt: skip

CSV_FIELDS = ("ref", "full_name", "national_id", "birth_date", "sex")
_SEXES = {choice.value for choice in DirectoryPatient.Sex}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] | None = None


def directory_upsert(rows: Iterable[dict], *, batch_size: int = 2000) -> ImportResult:
    """Insert or update directory patients by ``ref`` (a row per dict with ``CSV_FIELDS``), in
    batches; ``ImportResult`` counts them. Invalid rows are refused before anything is written."""
    cleaned, errors = [], []
    for number, row in enumerate(rows, start=1):
        try:
            cleaned.append(_clean_row(row))
        except ValueError as exc:
            errors.append(f"row {number}: {exc}")
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    with transaction.atomic():
        for start in range(0, len(cleaned), batch_size):
            batch = cleaned[start : start + batch_size]
            existing = set(
                DirectoryPatient.objects.filter(ref__in=[r.ref for r in batch]).values_list("ref", flat=True)
            )
            DirectoryPatient.objects.bulk_create(
                batch,
                update_conflicts=True,
                unique_fields=["ref"],
                update_fields=["full_name", "national_id", "birth_date", "sex", "name_search", "updated_at"],
            )
            result.updated += len(existing)
            result.created += len(batch) - len(existing)
    return result


def directory_import_csv(stream: IO[str]) -> ImportResult:
    reader = csv.DictReader(stream)
    missing = [f for f in ("ref", "full_name") if f not in (reader.fieldnames or [])]
    if missing:
        return ImportResult(
            errors=[f"missing columns: {', '.join(missing)} (expected {', '.join(CSV_FIELDS)})"]
        )
    return directory_upsert(reader)


def directory_seed_demo() -> ImportResult:
    return directory_upsert(DEMO_PATIENTS)


def _clean_row(row: dict) -> DirectoryPatient:
    ref = str(row.get("ref") or "").strip()
    name = " ".join(str(row.get("full_name") or "").split())
    if not ref or len(ref) > 64:
        raise ValueError("ref is required (at most 64 characters)")
    if not name or len(name) > 200:
        raise ValueError("full_name is required (at most 200 characters)")
    national_id = str(row.get("national_id") or "").strip()
    if len(national_id) > 20:
        raise ValueError("national_id has more than 20 characters")
    birth = row.get("birth_date") or None
    if isinstance(birth, str):
        try:
            birth = date.fromisoformat(birth.strip())
        except ValueError:
            raise ValueError("birth_date must be YYYY-MM-DD") from None
    sex = str(row.get("sex") or "unknown").strip().lower()
    if sex not in _SEXES:
        raise ValueError(f"sex must be one of {', '.join(sorted(_SEXES))}")
    now = timezone.now()
    return DirectoryPatient(
        ref=ref,
        full_name=name,
        national_id=national_id,
        birth_date=birth,
        sex=sex,
        name_search=normalize_name(name),
        created_at=now,
        updated_at=now,
    )
