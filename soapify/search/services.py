"""Writing the search index: an encounter's searchable units, rebuilt whole when a source changes.

A unit is a transcript segment, a draft item (or a section the doctor wrote), a checklist
evaluation, or a section of the latest finalized note. ``encounter_reindex`` replaces every row of
one encounter in one transaction, so a search never sees half an index of it; it is what the
``search.reindex`` job runs (after a transcript, draft, evaluation or note changes) and what
``POST /api/search/reindex/`` starts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db import transaction

from soapify.checklist.models import ChecklistEval
from soapify.core.draft_schema import SECTIONS
from soapify.core.engines import EngineError
from soapify.encounters.models import Encounter
from soapify.nlp.models import Draft
from soapify.outputs.models import FinalizedNote
from soapify.search.models import SearchQueryLog, SearchTerm, SearchUnit
from soapify.search.selectors import index_embedder
from soapify.search.text import language_of, mostly_persian, normalise
from soapify.stt.selectors import encounter_transcript

logger = logging.getLogger("soapify.search")
_WORD = re.compile(r"[^\W_]{2,}")

REINDEX_JOB = "search.reindex"
_MAX_TEXT = 4000


@dataclass
class Unit:
    content_type: str
    source_type: str
    source_id: str
    text: str
    language: str
    evidence: list[dict[str, int]] = field(default_factory=list)


def _spans(evidence: Any) -> list[dict[str, int]]:
    spans = []
    for ev in evidence or []:
        if isinstance(ev, dict) and isinstance(ev.get("start"), int) and isinstance(ev.get("end"), int):
            spans.append({"start": ev["start"], "end": ev["end"]})
    return spans


def encounter_units(*, encounter: Encounter) -> list[Unit]:
    """Every searchable unit of the encounter as it is now."""
    default_language = encounter.language or "en"
    units: list[Unit] = []
    view = encounter_transcript(encounter=encounter)
    for span in view.segments:
        if span.text.strip():
            units.append(
                Unit(
                    "transcript",
                    "segment",
                    str(span.segment_id),
                    span.text,
                    language_of(span.text, default_language),
                    [{"start": span.start_char, "end": span.end_char}],
                )
            )
    draft = Draft.objects.filter(encounter=encounter).first()
    if draft is not None:
        sections = (draft.content or {}).get("sections") or {}
        meta = draft.section_meta or {}
        for name in SECTIONS:
            section = sections.get(name) or {}
            if (meta.get(name) or {}).get("edited") and (section.get("text") or "").strip():
                text = section["text"]
                units.append(
                    Unit(
                        "notes",
                        "draft_section",
                        f"{draft.pk}:{name}",
                        text,
                        language_of(text, draft.language),
                    )
                )
            for i, item in enumerate(section.get("items") or []):
                text = item.get("text") if isinstance(item, dict) else None
                if isinstance(text, str) and text.strip():
                    units.append(
                        Unit(
                            "soap",
                            "draft_item",
                            f"{draft.pk}:{name}:{i}",
                            text,
                            language_of(text, draft.language),
                            _spans(item.get("evidence")),
                        )
                    )
    for ev in ChecklistEval.objects.filter(encounter=encounter).select_related("catalog_item"):
        status = ev.manual_status or ev.status
        parts = [f"{ev.catalog_item.title}: {status}", ev.evidence_text, ev.notes]
        text = ". ".join(p.strip() for p in parts if p and p.strip())
        anchors = ev.anchor_positions if isinstance(ev.anchor_positions, dict) else {}
        units.append(
            Unit(
                "checklist",
                "checklist_eval",
                str(ev.pk),
                text,
                language_of(text, default_language),
                _spans([anchors]),
            )
        )
    note = FinalizedNote.objects.filter(encounter=encounter).order_by("-version").first()
    if note is not None:
        sections = ((note.content or {}).get("draft") or {}).get("sections") or {}
        for name in SECTIONS:
            text = (sections.get(name) or {}).get("text") or ""
            if text.strip():
                units.append(
                    Unit("notes", "note_section", f"{note.pk}:{name}", text, language_of(text, note.language))
                )
    return units


def _embeddings(units: list[Unit]) -> list[list[float] | None]:
    """Vectors for ``units``' texts, or None each when the engine is unavailable or of another size
    (the rows are then found by full text only; a later reindex fills them in). Persian rows get
    none from an English-only model: its vectors of Persian text all sit close together, so each
    would match every Persian query."""
    if not units:
        return []
    try:
        embedder = index_embedder()
        if embedder is None:
            return [None] * len(units)
        multilingual = getattr(embedder, "multilingual", False)
        wanted = [i for i, u in enumerate(units) if multilingual or not mostly_persian(u.text)]
        vectors: list[list[float] | None] = [None] * len(units)
        encoded = embedder.encode([units[i].text[:_MAX_TEXT] for i in wanted]) if wanted else []
        for i, vector in zip(wanted, encoded, strict=True):
            vectors[i] = vector.tolist()
        return vectors
    except EngineError as exc:
        if exc.transient:
            raise
        logger.warning("embedding engine unavailable (%s): vectors skipped", exc.code)
        return [None] * len(units)


def encounter_reindex(*, encounter: Encounter) -> int:
    """Replace the encounter's index rows with its current units; returns how many were written."""
    units = encounter_units(encounter=encounter)
    vectors = _embeddings(units)
    date = encounter.created_at.date()
    rows = [
        SearchUnit(
            owner_id=encounter.doctor_id,
            encounter=encounter,
            content_type=u.content_type,
            source_type=u.source_type,
            source_id=u.source_id,
            date=date,
            language=u.language,
            text=u.text,
            search_text=normalise(u.text),
            embedding=vector,
            evidence=u.evidence,
        )
        for u, vector in zip(units, vectors, strict=True)
    ]
    terms = sorted({w for row in rows for w in _WORD.findall(row.search_text) if len(w) <= 64})
    with transaction.atomic():
        SearchUnit.objects.filter(encounter=encounter).delete()
        SearchTerm.objects.filter(encounter=encounter).delete()
        SearchUnit.objects.bulk_create(rows, batch_size=500)
        SearchTerm.objects.bulk_create(
            [SearchTerm(owner_id=encounter.doctor_id, encounter=encounter, term=t) for t in terms],
            batch_size=1000,
        )
        scope = SearchUnit.objects.filter(encounter=encounter)
        scope.filter(language="fa").update(tsv=SearchVector("search_text", config="simple"))
        scope.exclude(language="fa").update(tsv=SearchVector("search_text", config="english"))
    return len(rows)


def search_log(*, user, query: str, results: int, took_ms: float) -> None:
    """Remember a search for its author's suggestions and analytics."""
    SearchQueryLog.objects.create(
        user=user, query=query[:500], normalised=normalise(query)[:500], results=results, took_ms=took_ms
    )
