"""Reads of encounters, scoped to the caller."""

from __future__ import annotations

from django.db.models import Prefetch

from soapify.core.errors import Conflict, NotFound
from soapify.encounters.models import AudioChunk, Encounter, EncounterQuerySet


def encounter_list(*, user) -> EncounterQuerySet:
    """The caller's encounters, newest first (nobody else's, admins included)."""
    return Encounter.objects.for_user(user).order_by("-created_at", "-id")


def encounter_detail_queryset(*, user) -> EncounterQuerySet:
    """The caller's encounters with their audio chunks in order (one query for the chunks)."""
    return Encounter.objects.for_user(user).prefetch_related(
        Prefetch("chunks", queryset=AudioChunk.objects.order_by("chunk_number"))
    )


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


def encounter_locked(encounter_id: int, *, vanished: bool = False) -> Encounter:
    """Row-lock the encounter (inside the caller's transaction) and read it under the lock: its
    status cannot change before that transaction ends (finalization takes the same lock).
    Missing: 404 ``encounter_not_found``; with ``vanished`` (a job whose encounter was deleted
    meanwhile) 409 ``encounter_gone``."""
    encounter = Encounter.objects.select_for_update().filter(pk=encounter_id).first()
    if encounter is None:
        if vanished:
            raise Conflict("The encounter no longer exists.", code="encounter_gone")
        raise NotFound("Encounter not found.", code="encounter_not_found")
    return encounter


def refuse_finalized(encounter: Encounter, message: str = "The encounter is finalized.") -> None:
    """409 ``encounter_finalized``: a finalized encounter's data no longer changes."""
    if encounter.status == Encounter.Status.FINALIZED:
        raise Conflict(message, code="encounter_finalized")
