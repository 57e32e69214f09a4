"""Reads: the patient directory as a doctor may see it, and access grants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from soapify.core.engines import EngineError

from .directory import DirectoryRecord, directory_engines
from .errors import directory_error
from .masking import age_band, mask_name
from .models import PatientAccessGrant


def grants_active(*, user, refs: list[str]) -> dict[str, datetime]:
    """``{patient_ref: expires_at}`` of the user's active grants for ``refs`` (one query)."""
    found: dict[str, datetime] = {}
    if not refs:
        return found
    for ref, expires_at in (
        PatientAccessGrant.objects.for_user(user)
        .active()
        .filter(patient_ref__in=refs)
        .values_list("patient_ref", "expires_at")
    ):
        found[ref] = max(expires_at, found.get(ref, expires_at))
    return found


def grant_active(*, user, patient_ref: str) -> bool:
    return PatientAccessGrant.objects.for_user(user).active().filter(patient_ref=patient_ref).exists()


def directory_get(patient_ref: str) -> DirectoryRecord | None:
    try:
        return directory_engines["default"].get(patient_ref)
    except EngineError as exc:
        raise directory_error(exc) from None


def masked(record: DirectoryRecord, access_until: datetime | None) -> dict[str, Any]:
    """Masked name, age band and sex for everyone; full name, national id and birth date only
    with an active grant."""
    body: dict[str, Any] = {
        "patient_ref": record.ref,
        "name": mask_name(record.full_name),
        "age_band": age_band(record.birth_date),
        "sex": record.sex,
        "access": access_until is not None,
        "access_expires_at": access_until,
    }
    if access_until is not None:
        body.update(full_name=record.full_name, national_id=record.national_id, birth_date=record.birth_date)
    return body


def directory_search(*, user, query: str) -> list[dict[str, Any]]:
    try:
        records = directory_engines["default"].search(query, limit=settings.DIRECTORY_SEARCH_MAX_RESULTS)
    except EngineError as exc:
        raise directory_error(exc) from None
    granted = grants_active(user=user, refs=[r.ref for r in records])
    return [masked(r, granted.get(r.ref)) for r in records]


def patient_info(*, user, patient_ref: str) -> dict[str, Any] | None:
    """Basic, non-PHI info (masked name, age band, sex) whatever the grant, and whether the
    caller has access; None when the directory does not know the patient."""
    record = directory_get(patient_ref)
    if record is None:
        return None
    until = grants_active(user=user, refs=[record.ref]).get(record.ref)
    body = masked(record, None)
    body.update(access=until is not None, access_expires_at=until)
    return body
