"""SOAP drafts: generation (a job), regeneration that never overwrites the doctor, section edits.

* ``draft_generate_start`` — ``POST /api/nlp/generate/{encounter_id}/``: checks, optional typed
  transcript, encounter → ``drafting``, then the ``nlp.generate_draft`` job.
* ``draft_generate`` — the job's work: engine → evidence check → ``Draft`` + ``DraftRevision`` in one
  transaction (encounter and draft rows locked), encounter → ``ready``.
* ``draft_update_section`` — ``PUT .../update-section/``: one section, optimistic version check
  under ``select_for_update``, a ``section_edit`` revision, the section marked edited.

Lock order everywhere: the encounter row, then the draft row.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from soapify.core.draft_schema import ITEM_KINDS, SECTIONS, Item, empty_draft
from soapify.core.draft_schema import Draft as DraftDocument
from soapify.core.errors import ApiError, Conflict, NotFound, PayloadTooLarge, Unprocessable
from soapify.core.jobs import job_find_active, job_start, job_unfinished
from soapify.core.models import Job
from soapify.core.transcript import TranscriptView
from soapify.encounters.models import AudioChunk, Encounter
from soapify.encounters.selectors import encounter_get_own, encounter_locked, refuse_finalized
from soapify.encounters.services import encounter_set_status
from soapify.nlp.engines import note_engines
from soapify.nlp.models import Draft, DraftRevision
from soapify.stt.models import ChunkWindow, TranscriptSegment
from soapify.stt.selectors import encounter_transcript
from soapify.stt.services import MAX_TYPED_TRANSCRIPT, PROCESS_JOB, TRANSCRIBE_JOB, typed_transcript_store
from soapify.stt.services.windows import WINDOW_JOB

logger = logging.getLogger("soapify.nlp")


GENERATE_JOB = "nlp.generate_draft"
ENGINE_CHOICES = ("rules", "llm")
MAX_SECTION_TEXT = 50_000
MAX_SECTION_ITEMS = 500

_ITEM_FIELDS = {
    "kind", "text", "negated", "uncertain", "confidence", "evidence", "name", "value", "unit", "systolic",
    "diastolic", "dose", "route", "frequency", "duration", "differentials", "interval", "problem", "stopped",
}  # fmt: skip
_ITEM_STR_FIELDS = ("name", "unit", "dose", "route", "frequency", "duration", "interval", "problem")


def _empty_meta() -> dict:
    return {"edited": False, "edited_by": None, "edited_at": None, "machine_text": None}


# ------------------------------------------------------------------------------------ evidence


def _span_ok(ev: Any, text: str) -> bool:
    if not isinstance(ev, dict):
        return False
    s, e = ev.get("start"), ev.get("end")
    if type(s) is not int or type(e) is not int or not (0 <= s < e <= len(text)):
        return False
    return text[s:e] == ev.get("text")


def _segment_id_at(transcript: TranscriptView, char: int) -> int | None:
    seg = transcript.segment_at(char)
    return seg.segment_id if seg else None


def clean_machine_draft(draft: Any, transcript: TranscriptView) -> tuple[DraftDocument, int]:
    """The engine's draft in the canonical shape, keeping only items whose every evidence span is
    exactly the transcript text it claims (an engine is never trusted on offsets). Returns the draft
    and how many items were dropped."""
    language = draft.get("language") if isinstance(draft, dict) else None
    out = empty_draft("fa" if language == "fa" else "en")
    sections = draft.get("sections") if isinstance(draft, dict) else None
    dropped = 0
    for name in SECTIONS:
        sec = sections.get(name) if isinstance(sections, dict) else None
        if not isinstance(sec, dict):
            continue
        text = sec.get("text")
        out["sections"][name]["text"] = text if isinstance(text, str) else ""
        for item in sec.get("items") or []:
            evidence = item.get("evidence") if isinstance(item, dict) else None
            if not evidence or not all(_span_ok(ev, transcript.text) for ev in evidence):
                dropped += 1
                continue
            item = cast(Item, dict(item))
            item["evidence"] = [
                {
                    "start": ev["start"],
                    "end": ev["end"],
                    "text": ev["text"],
                    "segment_id": _segment_id_at(transcript, ev["start"]),
                }
                for ev in evidence
            ]
            out["sections"][name]["items"].append(item)
    return out, dropped


def _reanchor(section: dict, old_text: str, transcript: TranscriptView) -> int:
    """Move the evidence of a kept (doctor-edited) section onto a changed transcript: a span whose
    text is found again is re-pointed (nearest occurrence); one that is gone is removed. Returns the
    number of spans removed."""
    if old_text == transcript.text:
        return 0
    lost = 0
    for item in section.get("items") or []:
        kept = []
        for ev in item.get("evidence") or []:
            quote = ev.get("text") or ""
            positions = []
            i = transcript.text.find(quote) if quote else -1
            while i >= 0:
                positions.append(i)
                i = transcript.text.find(quote, i + 1)
            if not positions:
                lost += 1
                continue
            start = min(positions, key=lambda p: abs(p - int(ev.get("start") or 0)))
            kept.append({"start": start, "end": start + len(quote), "text": quote,
                         "segment_id": _segment_id_at(transcript, start)})  # fmt: skip
        item["evidence"] = kept
    return lost


# ------------------------------------------------------------------------------------ generation


def _store_typed_transcript(*, user, encounter: Encounter, text: str, language: str | None) -> None:
    """Store a transcript sent with ``generate`` as the encounter's typed transcript (replacing an
    earlier typed one), through the STT app's service."""
    if len(text) > MAX_TYPED_TRANSCRIPT:
        raise PayloadTooLarge(
            f"The transcript must be at most {MAX_TYPED_TRANSCRIPT} characters.", code="transcript_too_large"
        )
    if TranscriptSegment.objects.filter(
        encounter=encounter, source=TranscriptSegment.Source.STT, chunk__status=AudioChunk.Status.COMMITTED
    ).exists():
        raise Conflict(
            "The encounter has an audio transcript, which takes precedence over a typed one; "
            "generate without a transcript or use a new encounter.",
            code="audio_transcript_exists",
        )
    typed_transcript_store(user=user, encounter_id=encounter.pk, text=text, language=language, replace=True)


@dataclass
class GenerateStart:
    job: Job
    reused: bool = False


_NOTE_FROZEN = "The encounter is finalized; its note can no longer change."


def transcription_job_of(*, encounter_id: int) -> Job | None:
    """The encounter's unfinished transcription job, if any: processing the encounter,
    transcribing one of its chunks, or a window of a long chunk."""
    chunk_ids = list(AudioChunk.objects.filter(encounter_id=encounter_id).values_list("pk", flat=True))
    window_ids = list(
        ChunkWindow.objects.filter(transcription__chunk__encounter_id=encounter_id).values_list(
            "pk", flat=True
        )
    )
    targets: list[Any] = [("encounter", encounter_id)]
    targets += [("audiochunk", pk) for pk in chunk_ids]
    targets += [("chunkwindow", pk) for pk in window_ids]
    return job_unfinished(kinds=(PROCESS_JOB, TRANSCRIBE_JOB, WINDOW_JOB), targets=targets)


def generation_job_of(*, encounter_id: int) -> Job | None:
    """The encounter's unfinished draft-generation job, if any (queued, waiting or running)."""
    return job_unfinished(kinds=(GENERATE_JOB,), targets=[("encounter", encounter_id)])


def draft_generate_start(
    *,
    user,
    encounter_id: int,
    transcript: str | None = None,
    language: str | None = None,
    engine: str | None = None,
) -> GenerateStart:
    """Check and start SOAP generation for one of the caller's encounters.

    409 ``encounter_finalized`` (the finalized note is immutable; a draft changed after it would
    silently diverge from it), 409 ``no_transcript`` (nothing to extract from, and no
    transcription under way), 409 ``generation_in_progress`` (a new transcript while a job is
    under way). An identical request while a job is under way returns that job. While the
    encounter's audio is being transcribed, the job waits for the transcription (``waits_for``)
    and fails with ``prerequisite_failed`` if the transcription fails.
    """
    alias = engine or "default"
    if alias not in note_engines.config:
        raise Unprocessable(f"The note engine {engine!r} is not configured.", code="engine_unavailable")
    params = {"encounter_id": encounter_id, "engine": alias, "language": language or None}
    with transaction.atomic():
        encounter = encounter_get_own(user=user, encounter_id=encounter_id, lock=True)
        refuse_finalized(encounter, _NOTE_FROZEN)
        active = job_find_active(kind=GENERATE_JOB, target=encounter)
        if active is not None:
            if transcript is None and active.params == params:
                return GenerateStart(job=active, reused=True)
            raise Conflict("A draft is being generated for this encounter.", code="generation_in_progress")
        if transcript is not None:
            _store_typed_transcript(user=user, encounter=encounter, text=transcript, language=language)
        if (
            not encounter_transcript(encounter=encounter).text.strip()
            and transcription_job_of(encounter_id=encounter.pk) is None
        ):
            raise Conflict(
                "The encounter has no transcript yet: transcribe its audio or send a typed transcript.",
                code="no_transcript",
            )
        encounter_set_status(encounter=encounter, status=Encounter.Status.DRAFTING, force=True)
    # Started after the commit: with eager Celery (tests) the job runs here, outside our lock.
    return GenerateStart(job=job_start(kind=GENERATE_JOB, owner=user, target=encounter, params=params))


def draft_generate(*, encounter: Encounter, engine: str = "default", language: str | None = None) -> dict:
    """Run the note engine on the encounter's transcript and store the draft (a new version).

    Sections the doctor edited keep the doctor's content; the new machine text goes beside them in
    ``section_meta[section]["machine_text"]`` (and its items in ``machine_items``)."""
    transcript = encounter_transcript(encounter=encounter)
    if not transcript.text.strip():
        raise Conflict("The encounter has no transcript.", code="no_transcript")
    result = note_engines[engine].generate(transcript, language=language or encounter.language or None)
    cleaned, dropped = clean_machine_draft(result.draft, transcript)
    machine = cast(dict, cleaned)
    if dropped:
        logger.warning("draft of encounter %s: %d item(s) with bad evidence dropped", encounter.pk, dropped)
    engine_cfg = note_engines.config.get(engine, {})
    requested = engine if engine != "default" else _alias_name(engine_cfg)
    meta = {
        "requested_engine": requested,
        "fallback_reason": result.fallback_reason,
        "dropped_items": dropped,
    }

    with transaction.atomic():
        locked = encounter_locked(encounter.pk, vanished=True)
        refuse_finalized(locked, "The encounter was finalized meanwhile.")
        draft = Draft.objects.select_for_update().filter(encounter=locked).first()
        if draft is None:
            draft = Draft(encounter=locked, version=1)
            content, section_meta, lost = machine, {s: _empty_meta() for s in SECTIONS}, 0
            reason = DraftRevision.Reason.GENERATED
        else:
            content, section_meta, lost = _merge(draft, machine, transcript)
            draft.version += 1
            reason = DraftRevision.Reason.REGENERATED
        if lost:
            meta["evidence_lost"] = lost
        draft.content = content
        draft.section_meta = section_meta
        draft.language = machine["language"]
        draft.engine, draft.model, draft.engine_version = result.engine, result.model, result.version
        draft.transcript_text = transcript.text
        draft.meta = meta
        draft.save()
        DraftRevision.objects.create(
            draft=draft, version=draft.version, reason=reason, content=content, section_meta=section_meta,
            engine=result.engine, model=result.model, engine_version=result.version,
            language=draft.language, transcript_text=transcript.text, meta=meta,
        )  # fmt: skip
        encounter_set_status(encounter=locked, status=Encounter.Status.READY)
    return {
        "draft_id": draft.pk,
        "encounter_id": encounter.pk,
        "version": draft.version,
        "engine": result.engine,
        "model": result.model,
        "fallback_reason": result.fallback_reason,
        "dropped_items": dropped,
    }


def _alias_name(cfg: dict) -> str:
    backend = str(cfg.get("BACKEND", ""))
    return "llm" if backend.endswith("LLMEngine") else "rules" if backend.endswith("RulesEngine") else backend


def _merge(draft: Draft, machine: dict, transcript: TranscriptView) -> tuple[dict, dict, int]:
    content = copy.deepcopy(machine)
    old_sections = (draft.content or {}).get("sections") or {}
    section_meta: dict = {}
    lost = 0
    for name in SECTIONS:
        meta = {**_empty_meta(), **((draft.section_meta or {}).get(name) or {})}
        if meta.get("edited") and name in old_sections:
            kept = copy.deepcopy(old_sections[name])
            lost += _reanchor(kept, draft.transcript_text, transcript)
            content["sections"][name] = kept
            meta["machine_text"] = machine["sections"][name]["text"]
            meta["machine_items"] = machine["sections"][name]["items"]
        else:
            meta = _empty_meta()
        section_meta[name] = meta
    return content, section_meta, lost


def generation_failed(*, encounter_id: int, code: str, message: str) -> None:
    """The job gave up: the encounter shows it (``failed`` with the reason) unless it moved on."""
    encounter = Encounter.objects.filter(pk=encounter_id).first()
    if encounter is None or encounter.status != Encounter.Status.DRAFTING:
        return
    encounter_set_status(
        encounter=encounter,
        status=Encounter.Status.FAILED,
        detail=f"Draft generation failed: {code}: {message}",
    )


# ------------------------------------------------------------------------------------ section edits


def _segment_ids_by_line(draft: Draft) -> dict[int, int]:
    """Segment ids of the draft's transcript by line number (segments are joined by newlines), learnt
    from the machine evidence the draft holds: a doctor's span gets its segment id from them."""
    text = draft.transcript_text
    known: dict[int, int] = {}
    sections = list(((draft.content or {}).get("sections") or {}).values())
    sections += [{"items": m.get("machine_items") or []} for m in (draft.section_meta or {}).values()]
    for sec in sections:
        for item in sec.get("items") or []:
            for ev in item.get("evidence") or []:
                if ev.get("segment_id") is not None and _span_ok(ev, text):
                    known[text.count("\n", 0, ev["start"])] = ev["segment_id"]
    return known


def _validate_items(
    section: str, items: Any, transcript_text: str, segment_ids: dict[int, int]
) -> list[dict]:
    if not isinstance(items, list):
        raise ApiError(
            "items must be a list.", code="validation_error", fields={"content": ["items must be a list."]}
        )
    if len(items) > MAX_SECTION_ITEMS:
        raise PayloadTooLarge(f"A section holds at most {MAX_SECTION_ITEMS} items.", code="content_too_large")
    errors: dict[str, list[str]] = {}
    out: list[dict] = []
    for i, item in enumerate(items):
        problems = _item_problems(section, item, transcript_text)
        if problems:
            errors[f"items[{i}]"] = problems
            continue
        clean = dict(item)
        clean.setdefault("negated", False)
        clean.setdefault("uncertain", False)
        clean.setdefault("confidence", 1.0)
        clean["evidence"] = [
            {
                "start": ev["start"],
                "end": ev["end"],
                "text": ev["text"],
                "segment_id": segment_ids.get(transcript_text.count("\n", 0, ev["start"])),
            }  # fmt: skip
            for ev in item.get("evidence") or []
        ]
        out.append(clean)
    if errors:
        raise ApiError("Some items are invalid.", code="validation_error", fields={"content": errors})
    return out


def _item_problems(section: str, item: Any, transcript_text: str) -> list[str]:
    if not isinstance(item, dict):
        return ["An item must be an object."]
    problems = [f"Unknown field {k!r}." for k in sorted(set(item) - _ITEM_FIELDS)]
    if item.get("kind") not in ITEM_KINDS[section]:
        problems.append(f"kind must be one of {', '.join(ITEM_KINDS[section])}.")
    if not isinstance(item.get("text"), str) or not item["text"].strip() or len(item["text"]) > 2000:
        problems.append("text must be a non-empty string of at most 2000 characters.")
    for flag in ("negated", "uncertain", "stopped"):
        if flag in item and not isinstance(item[flag], bool):
            problems.append(f"{flag} must be a boolean.")
    conf = item.get("confidence", 1.0)
    if isinstance(conf, bool) or not isinstance(conf, int | float) or not 0 <= conf <= 1:
        problems.append("confidence must be a number from 0 to 1.")
    for f in _ITEM_STR_FIELDS:
        if f in item and (not isinstance(item[f], str) or len(item[f]) > 200):
            problems.append(f"{f} must be a string of at most 200 characters.")
    for f in ("systolic", "diastolic"):
        if f in item and (isinstance(item[f], bool) or not isinstance(item[f], int | float)):
            problems.append(f"{f} must be a number.")
    if "value" in item and (
        isinstance(item["value"], bool) or not isinstance(item["value"], int | float | str)
    ):
        problems.append("value must be a number or a string.")
    if "differentials" in item and not (
        isinstance(item["differentials"], list) and all(isinstance(d, str) for d in item["differentials"])
    ):
        problems.append("differentials must be a list of strings.")
    evidence = item.get("evidence", [])
    if not isinstance(evidence, list):
        problems.append("evidence must be a list.")
    else:
        for ev in evidence:
            if not _span_ok(ev, transcript_text) or set(ev) - {"start", "end", "text", "segment_id"}:
                problems.append("Every evidence span must be {start, end, text, segment_id?} with "
                                "text equal to the transcript between start and end.")  # fmt: skip
                break
    return problems


def parse_section_content(section: str, content: Any, draft: Draft) -> dict:
    """A section's new content: a string (the text; the structured items are cleared, since the
    doctor's text is authoritative and stale items must not reach the outputs) or ``{text, items}``."""
    if isinstance(content, str):
        text, items = content, []
    elif isinstance(content, dict):
        unknown = sorted(set(content) - {"text", "items"})
        if unknown or not isinstance(content.get("text"), str):
            raise ApiError(
                "content must be a string or {text, items}.",
                code="validation_error",
                fields={"content": [f"Unknown field {k!r}." for k in unknown] or ["text must be a string."]},
            )
        text, items = content["text"], content.get("items", [])
    else:
        raise ApiError(
            "content must be a string or {text, items}.",
            code="validation_error",
            fields={"content": ["Must be a string or an object {text, items}."]},
        )
    if len(text) > MAX_SECTION_TEXT:
        raise PayloadTooLarge(
            f"A section's text is at most {MAX_SECTION_TEXT} characters.", code="content_too_large"
        )
    if len(json.dumps(items, default=str)) > 4 * MAX_SECTION_TEXT:
        raise PayloadTooLarge("The section's items are too large.", code="content_too_large")
    segment_ids = _segment_ids_by_line(draft) if items else {}
    return {"text": text, "items": _validate_items(section, items, draft.transcript_text, segment_ids)}


def draft_update_section(
    *, user, encounter_id: int, section: str, content: Any, version: int | None
) -> Draft:
    """Replace one section of the caller's draft. ``version`` (recommended) must be the current one,
    else 409 ``version_conflict`` with ``current_version``; without it the last writer wins."""
    if section not in SECTIONS:
        raise ApiError("Unknown section.", code="validation_error", fields={"section": ["Unknown section."]})
    with transaction.atomic():
        encounter = encounter_get_own(user=user, encounter_id=encounter_id, lock=True)
        draft = Draft.objects.select_for_update().filter(encounter=encounter).first()
        if draft is None:
            raise NotFound("This encounter has no draft yet.", code="no_draft")
        refuse_finalized(encounter, _NOTE_FROZEN)
        if version is not None and version != draft.version:
            raise Conflict(
                f"The draft changed meanwhile (version {draft.version}, not {version}); reload and retry.",
                code="version_conflict",
                extra={"current_version": draft.version},
            )
        new_section = parse_section_content(section, content, draft)
        now = timezone.now()
        body = copy.deepcopy(draft.content) if isinstance(draft.content, dict) else {}
        body.setdefault("language", draft.language)
        body.setdefault("sections", {})
        body["sections"][section] = new_section
        for name in SECTIONS:
            body["sections"].setdefault(name, {"text": "", "items": []})
        section_meta = copy.deepcopy(draft.section_meta or {})
        section_meta[section] = {"edited": True, "edited_by": user.pk, "edited_at": now.isoformat(),
                                 "machine_text": None}  # fmt: skip
        draft.content = body
        draft.section_meta = section_meta
        draft.version += 1
        draft.save(update_fields=["content", "section_meta", "version", "updated_at"])
        DraftRevision.objects.create(
            draft=draft, version=draft.version, reason=DraftRevision.Reason.SECTION_EDIT, section=section,
            content=body, section_meta=section_meta, author=user, engine=draft.engine, model=draft.model,
            engine_version=draft.engine_version, language=draft.language,
        )  # fmt: skip
    return draft
