from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from soapify.encounters.models import Encounter
from soapify.integrations.services import patient_access_check

# Which status may follow which. "failed" can be left by re-running the failed stage.
_FORWARD: list[str] = [
    Encounter.Status.CREATED,
    Encounter.Status.RECORDING,
    Encounter.Status.TRANSCRIBING,
    Encounter.Status.TRANSCRIBED,
    Encounter.Status.DRAFTING,
    Encounter.Status.READY,
    Encounter.Status.FINALIZED,
]


def encounter_create(*, doctor, patient_ref: str, context: str = "", language: str = "") -> Encounter:
    # PATIENT_ACCESS_REQUIRED: a directory patient needs the doctor's active access grant (403)
    patient_access_check(doctor=doctor, patient_ref=patient_ref)
    return Encounter.objects.create(
        doctor=doctor, patient_ref=patient_ref, context=context, language=language
    )


def encounter_set_status(
    *, encounter: Encounter, status: str, detail: str = "", force: bool = False
) -> Encounter:
    """Move the encounter to ``status``. Without ``force`` it only moves forward (or to/from failed),
    so a late chunk transcription never drags a finalized encounter back to "transcribing"."""
    with transaction.atomic():
        current = Encounter.objects.select_for_update().only("status").get(pk=encounter.pk).status
        if (
            not force
            and status in _FORWARD
            and current in _FORWARD
            and _FORWARD.index(status) < _FORWARD.index(current)
        ):
            encounter.status = current
            return encounter
        Encounter.objects.filter(pk=encounter.pk).update(
            status=status, status_detail=detail[:500], updated_at=timezone.now()
        )
    encounter.status = status
    encounter.status_detail = detail[:500]
    return encounter
