"""Reads of drafts, scoped to the caller: a constant number of queries whatever the history length."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from soapify.core.draft_schema import SECTIONS
from soapify.core.errors import NotFound
from soapify.encounters.models import Encounter
from soapify.nlp.models import Draft, DraftRevision

_EMPTY_META = {"edited": False, "edited_by": None, "edited_at": None, "machine_text": None}


@dataclass
class DraftView:
    """One version of a draft as the API shows it."""

    draft: Draft
    version: int
    content: dict
    section_meta: dict
    language: str
    engine: str
    model: str
    engine_version: str
    transcript_text: str
    meta: dict
    history: list[dict] = field(default_factory=list)
    revision_created_at: Any = None


def draft_for(*, user, encounter_id: int) -> Draft:
    """The caller's draft of that encounter; 404 ``encounter_not_found`` or ``no_draft``."""
    draft = Draft.objects.for_user(user).select_related("encounter").filter(encounter_id=encounter_id).first()
    if draft is not None:
        return draft
    if not Encounter.objects.for_user(user).filter(pk=encounter_id).exists():
        raise NotFound("Encounter not found.", code="encounter_not_found")
    raise NotFound("This encounter has no draft yet.", code="no_draft")


def draft_history(*, draft: Draft) -> list[dict]:
    rows = (
        DraftRevision.objects.filter(draft=draft)
        .order_by("version")
        .values("version", "reason", "section", "engine", "author_id", "author__username", "created_at")
    )
    return [
        {
            "version": r["version"],
            "reason": r["reason"],
            "section": r["section"] or None,
            "engine": r["engine"],
            "author": {"id": r["author_id"], "username": r["author__username"]} if r["author_id"] else None,
            "created_at": r["created_at"],
        }
        for r in rows
    ]


def draft_view(*, user, encounter_id: int, version: int | None = None) -> DraftView:
    """The current draft (3 queries), or the revision ``version`` (4 queries); 404 ``version_not_found``."""
    draft = draft_for(user=user, encounter_id=encounter_id)
    history = draft_history(draft=draft)
    if version is None or version == draft.version:
        return DraftView(
            draft=draft, version=draft.version, content=draft.content, section_meta=draft.section_meta,
            language=draft.language, engine=draft.engine, model=draft.model,
            engine_version=draft.engine_version, transcript_text=draft.transcript_text, meta=draft.meta,
            history=history,
        )  # fmt: skip
    rev = DraftRevision.objects.filter(draft=draft, version=version).first()
    if rev is None:
        raise NotFound(f"The draft has no version {version}.", code="version_not_found")
    transcript_text = rev.transcript_text
    if rev.reason == DraftRevision.Reason.SECTION_EDIT:
        base = (
            DraftRevision.objects.filter(draft=draft, version__lt=version)
            .exclude(reason=DraftRevision.Reason.SECTION_EDIT)
            .order_by("-version")
            .values_list("transcript_text", flat=True)
            .first()
        )
        transcript_text = base or ""
    return DraftView(
        draft=draft, version=rev.version, content=rev.content, section_meta=rev.section_meta,
        language=rev.language or draft.language, engine=rev.engine, model=rev.model,
        engine_version=rev.engine_version, transcript_text=transcript_text, meta=rev.meta, history=history,
        revision_created_at=rev.created_at,
    )  # fmt: skip


def draft_sections(view: DraftView) -> dict[str, dict]:
    """``{section: {text, items, edited, edited_by, edited_at, machine_text, machine_items?}}``."""
    sections = (view.content or {}).get("sections") or {}
    out: dict[str, dict] = {}
    for name in SECTIONS:
        sec = sections.get(name) or {}
        meta = {**_EMPTY_META, **((view.section_meta or {}).get(name) or {})}
        entry = {"text": sec.get("text") or "", "items": sec.get("items") or [], **meta}
        if meta.get("machine_text") is None:
            entry.pop("machine_items", None)
        out[name] = entry
    return out
