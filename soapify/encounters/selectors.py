"""Reads of encounters, scoped to the caller."""

from __future__ import annotations

from soapify.core.errors import NotFound
from soapify.encounters.models import Encounter


def encounter_get_own(*, user, encounter_id: int, lock: bool = False) -> Encounter:
    """The caller's encounter; anyone else's (or an unknown id) is a 404. ``lock`` takes a row lock
    (inside a transaction) so concurrent writers of the same encounter queue up."""
    qs = Encounter.objects.for_user(user)
    if lock:
        qs = qs.select_for_update()
    encounter = qs.filter(pk=encounter_id).first()
    if encounter is None:
        raise NotFound("Encounter not found.", code="encounter_not_found")
    return encounter
