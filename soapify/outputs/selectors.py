"""Reads, scoped to the caller: an object out of scope is a 404."""

from __future__ import annotations

from soapify.core.errors import ApiError, NotFound
from soapify.encounters.models import Encounter
from soapify.outputs.models import FinalizedNote, OutputFile, ShareLink


def parse_version(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        version = int(raw)
    except ValueError:
        raise ApiError(
            "version must be a positive integer.",
            code="validation_error",
            fields={"version": ["Not an integer."]},
        ) from None
    if version < 1 or version > 2**31:
        raise ApiError(
            "version must be a positive integer.",
            code="validation_error",
            fields={"version": ["Out of range."]},
        )
    return version


def note_versions(*, encounter: Encounter) -> list[FinalizedNote]:
    """Every version of the encounter's note, newest first (one query)."""
    return list(
        FinalizedNote.objects.filter(encounter=encounter)
        .select_related("finalized_by", "encounter")
        .order_by("-version")
    )


def note_get(*, encounter: Encounter, version: int | None) -> tuple[FinalizedNote, list[FinalizedNote]]:
    versions = note_versions(encounter=encounter)
    if not versions:
        raise NotFound("This encounter has not been finalized yet.", code="not_finalized")
    if version is None:
        return versions[0], versions
    for note in versions:
        if note.version == version:
            return note, versions
    raise NotFound(f"Version {version} of this note does not exist.", code="version_not_found")


def files_of(*, note: FinalizedNote) -> list[OutputFile]:
    return list(OutputFile.objects.filter(note=note).select_related("note").order_by("kind"))


def file_list(*, user, encounter: Encounter, version: int | None = None):
    qs = (
        OutputFile.objects.for_user(user)
        .filter(note__encounter=encounter)
        .select_related("note")
        .order_by("-note__version", "kind")
    )
    if version is not None:
        qs = qs.filter(note__version=version)
    return qs


def file_get(*, user, file_id) -> OutputFile:
    file = OutputFile.objects.for_user(user).select_related("note").filter(pk=file_id).first()
    if file is None:
        raise NotFound("File not found.", code="file_not_found")
    return file


def link_list(*, user, encounter: Encounter | None = None):
    qs = ShareLink.objects.for_user(user).select_related("note").order_by("-created_at")
    if encounter is not None:
        qs = qs.filter(encounter=encounter)
    return qs


def link_get(*, user, link_id) -> ShareLink:
    link = ShareLink.objects.for_user(user).select_related("note").filter(pk=link_id).first()
    if link is None:
        raise NotFound("Share link not found.", code="link_not_found")
    return link
