"""Speaker labels of an encounter's transcript: the diarization job, the doctor rule and a doctor's
corrections.

* After a chunk's segments are stored, :func:`diarization_queue` starts (once the transaction
  commits) one ``stt.diarize_encounter`` job for the encounter, unless one is already waiting.
* :func:`encounter_diarize` (the job) embeds the voice of every audio segment not embedded yet
  (cached on the segment), clusters all of the encounter's segments into speakers numbered in the
  order they first speak (``speaker_index``) and labels them (``speaker``).
* The doctor is the speaker who asks the most questions, the first to speak on a tie, unless a
  doctor said otherwise: :func:`segment_speaker_set` stores the correction per speaker index
  (``EncounterSpeakers.corrections``), so it is applied again after every later diarization
  (re-transcription included).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone

from soapify.core.errors import ApiError, NotFound
from soapify.core.jobs import job_find_active, job_start
from soapify.core.models import Job
from soapify.encounters.models import AudioChunk, Encounter
from soapify.stt.chunk_audio import chunk_samples
from soapify.stt.diarization import diarizers
from soapify.stt.diarization.engines import Span
from soapify.stt.diarization.split import Part, split_segment, word_spans
from soapify.stt.models import ChunkTranscription, EncounterSpeakers, TranscriptSegment
from soapify.stt.services.common import finalized_conflict, update_search_vector

DIARIZE_JOB = "stt.diarize_encounter"
SPEAKER_DOCTOR, SPEAKER_PATIENT, SPEAKER_OTHER = "doctor", "patient", "other"
SPEAKER_LABELS = (SPEAKER_DOCTOR, SPEAKER_PATIENT, SPEAKER_OTHER)


def diarization_enabled() -> bool:
    return getattr(diarizers["default"], "name", "") != "none"


def diarization_queue(*, encounter_id: int) -> None:
    """Start the encounter's diarization once the surrounding transaction commits (the one hook the
    transcription services call after storing a chunk's segments)."""
    if diarization_enabled():
        transaction.on_commit(lambda: diarization_start(encounter_id=encounter_id))


def diarization_start(*, encounter_id: int) -> Job | None:
    encounter = Encounter.objects.filter(pk=encounter_id).select_related("doctor").first()
    if encounter is None:
        return None
    active = job_find_active(kind=DIARIZE_JOB, target=encounter)
    if active is not None and active.status == Job.Status.QUEUED:
        return active  # not started yet: it will see this chunk's segments too
    return job_start(
        kind=DIARIZE_JOB, owner=encounter.doctor, target=encounter, params={"encounter_id": encounter.pk}
    )


def speaker_labels(
    indices: list[int | None],
    texts: list[str],
    durations: list[float],
    corrections: dict[int, str] | None = None,
) -> dict[int, str]:
    """``{speaker_index: label}``. The doctor: a speaker a doctor labelled ``doctor``, else the one
    who asks the most questions, the first to speak on a tie. The patient: the one of the others
    who speaks longest; anyone else is ``other``. Every correction wins over the rule."""
    corrections = corrections or {}
    speakers = sorted({i for i in indices if i is not None})
    if not speakers:
        return {}
    questions: Counter[int] = Counter()
    talk: defaultdict[int, float] = defaultdict(float)
    for index, text, seconds in zip(indices, texts, durations, strict=True):
        if index is None:
            continue
        questions[index] += text.count("?") + text.count("\u061f")
        talk[index] += seconds
    named_doctor = [i for i in speakers if corrections.get(i) == SPEAKER_DOCTOR]
    candidates = [i for i in speakers if i not in corrections]
    doctor: int | None = None
    if named_doctor:
        doctor = named_doctor[0]
    elif candidates:
        doctor = max(candidates, key=lambda i: (questions[i], -i))
    rest = sorted((i for i in speakers if i != doctor), key=lambda i: (-talk[i], i))
    labels = {} if doctor is None else {doctor: SPEAKER_DOCTOR}
    for n, i in enumerate(rest):
        labels[i] = SPEAKER_PATIENT if n == 0 else SPEAKER_OTHER
    for i in speakers:
        if corrections.get(i) in SPEAKER_LABELS:
            labels[i] = corrections[i]
    return labels


def _corrections(encounter_id: int) -> dict[int, str]:
    raw = (
        EncounterSpeakers.objects.filter(encounter_id=encounter_id)
        .values_list("corrections", flat=True)
        .first()
        or {}
    )
    return {int(k): v for k, v in raw.items()}


def _relabel(encounter_id: int, engine: str | None = None) -> int:
    """Label every diarized segment of the encounter from its ``speaker_index``; returns how many
    segments changed. Call inside a transaction holding the encounter's row lock."""
    rows = list(
        TranscriptSegment.objects.filter(encounter_id=encounter_id, source=TranscriptSegment.Source.STT)
        .order_by("start", "index", "id")
        .only("id", "speaker", "speaker_index", "text", "start", "end")
    )
    corrections = _corrections(encounter_id)
    labels = speaker_labels(
        [r.speaker_index for r in rows], [r.text for r in rows], [r.end - r.start for r in rows], corrections
    )
    changed = []
    for r in rows:
        label = labels.get(r.speaker_index) if r.speaker_index is not None else None
        if label is not None and r.speaker != label:
            r.speaker = label
            changed.append(r)
    TranscriptSegment.objects.bulk_update(changed, ["speaker"])
    defaults: dict = {"labels": {str(k): v for k, v in labels.items()}}
    if engine is not None:
        defaults.update(engine=engine[:64], diarized_at=timezone.now())
    EncounterSpeakers.objects.update_or_create(encounter_id=encounter_id, defaults=defaults)
    return len(changed)


def _load_chunk_samples(chunk: AudioChunk) -> np.ndarray:
    return chunk_samples(chunk)


@dataclass
class _Cut:
    """A segment to be cut where its speaker changes: the parts and each part's embedding."""

    segment: TranscriptSegment
    parts: list[Part]
    embeddings: list[list[float] | None]


@dataclass
class _Planned:
    """A segment examined in this run: its span and words (seconds from the start of its chunk's
    audio; no words when it may not be cut), the words a new speaker starts at, its parts and
    their embeddings (one part: the segment whole)."""

    segment: TranscriptSegment
    span: Span
    words: list[dict]
    points: list[int]
    parts: list[Part]
    embeddings: list[list[float] | None]


@dataclass
class _ChunkPlan:
    samples: np.ndarray
    offset: float
    planned: list[_Planned]


def _plan_chunk(diarizer, chunk: AudioChunk, todo: list[TranscriptSegment]) -> _ChunkPlan:
    """Embed the chunk's segments not embedded yet; a segment that runs over a change of speaker
    (by its word times) is planned as parts, each embedded on its own."""
    samples = _load_chunk_samples(chunk)
    offset = float(chunk.start_offset or 0.0)
    planned: list[_Planned] = []
    for seg in todo:
        span = Span(seg.start - offset, seg.end - offset)
        words: list[dict] = []
        points: list[int] = []
        parts: list[Part] = []
        if _may_cut(seg):
            words = [{**w, "start": w["start"] - offset, "end": w["end"] - offset} for w in seg.words]
            points = diarizer.change_points(samples, span, word_spans(words))
            parts = split_segment(span, seg.text, words, points) if points else []
        if len(parts) > 1:
            planned.append(
                _Planned(
                    seg, span, words, points, parts, diarizer.embed_spans(samples, [p.span for p in parts])
                )
            )
        else:
            whole = Part(span, seg.text, 0, len(words))
            planned.append(_Planned(seg, span, words, [], [whole], []))
    whole_ones = [p for p in planned if not p.embeddings]
    for p, emb in zip(whole_ones, diarizer.embed_spans(samples, [p.span for p in whole_ones]), strict=True):
        p.embeddings = [emb]
    return _ChunkPlan(samples, offset, planned)


def _resegment(diarizer, done: list[TranscriptSegment], plans: list[_ChunkPlan]) -> None:
    """Re-segmentation against the speakers' centroids: the speakers are assigned once with every
    segment as planned, and every planned part is cut again where the nearest speaker centroid
    (without that part's own embedding) changes for long enough (``Diarizer.resegment``); the
    parts of a segment cut again are embedded again."""
    embeddings: list[list[float] | None] = [s.speaker_embedding or None for s in done]
    spans = [Span(s.start, s.end) for s in done]
    for plan in plans:
        for p in plan.planned:
            embeddings += p.embeddings
            spans += [Span(x.span.start + plan.offset, x.span.end + plan.offset) for x in p.parts]
    labels = diarizer.assign(embeddings, spans)
    if len({lab for lab in labels if lab is not None}) < 2:
        return
    n = len(done)
    for plan in plans:
        for p in plan.planned:
            first, n = n, n + len(p.parts)
            if len(p.words) < 2:
                continue
            extra = []
            for k, part in enumerate(p.parts):
                centroids = diarizer.centroids(embeddings, labels, exclude=first + k)
                found = diarizer.resegment(
                    plan.samples, part.span, word_spans(p.words[part.lo : part.hi]), centroids
                )
                extra += [part.lo + i for i in found]
            if not extra:
                continue
            points = sorted({*p.points, *extra})
            parts = split_segment(p.span, p.segment.text, p.words, points)
            if len(parts) > len(p.parts):
                p.points, p.parts = points, parts
                p.embeddings = diarizer.embed_spans(plan.samples, [x.span for x in parts])


def _may_cut(seg: TranscriptSegment) -> bool:
    """Only the engine's own, unedited text is cut (its words line up with it)."""
    return not seg.edited and not seg.original_text and isinstance(seg.words, list) and len(seg.words) > 1


def _apply_cuts(cuts: list[_Cut]) -> list[TranscriptSegment]:
    """Store the planned cuts (inside the encounter's lock): the segment keeps its id as the first
    part; the other parts are new segments of the same chunk right after it; the chunk's segments
    are renumbered (``index``) in order. A segment changed since it was read (edited, moved, gone)
    is not cut and stays unembedded, for the next run. Returns the new segments."""
    if not cuts:
        return []
    current = {
        row["id"]: row
        for row in TranscriptSegment.objects.select_for_update()
        .filter(pk__in=[c.segment.pk for c in cuts])
        .values("id", "text", "start", "end", "edited", "words")
    }
    created: list[TranscriptSegment] = []
    changed: list[TranscriptSegment] = []
    for cut in cuts:
        seg = cut.segment
        row = current.get(seg.pk)
        if (
            row is None
            or row["edited"]
            or (row["text"], row["start"], row["end"], row["words"])
            != (
                seg.text,
                seg.start,
                seg.end,
                seg.words,
            )
        ):
            continue
        offset = float(seg.chunk.start_offset or 0.0) if seg.chunk is not None else 0.0
        words = list(seg.words)
        first, rest = cut.parts[0], cut.parts[1:]
        for part, emb in zip(rest, cut.embeddings[1:], strict=True):
            created.append(
                TranscriptSegment(
                    encounter_id=seg.encounter_id,
                    chunk_id=seg.chunk_id,
                    source=seg.source,
                    index=seg.index,
                    start=round(part.span.start + offset, 3),
                    end=round(part.span.end + offset, 3),
                    text=part.text,
                    confidence=seg.confidence,
                    speaker=seg.speaker,
                    speaker_embedding=emb or [],
                    words=words[part.lo : part.hi],
                    language=seg.language,
                    engine=seg.engine,
                    model=seg.model,
                    engine_version=seg.engine_version,
                )
            )
        seg.text = first.text
        seg.end = round(first.span.end + offset, 3)
        seg.words = words[first.lo : first.hi]
        seg.speaker_embedding = cut.embeddings[0] or []
        changed.append(seg)
    if not changed:
        return []
    TranscriptSegment.objects.bulk_update(changed, ["text", "end", "words", "speaker_embedding"])
    created = TranscriptSegment.objects.bulk_create(created)
    chunk_ids = {s.chunk_id for s in changed}
    for chunk_id in chunk_ids:
        rows = list(
            TranscriptSegment.objects.filter(chunk_id=chunk_id)
            .order_by("start", "index", "id")
            .only("id", "index")
        )
        for i, r in enumerate(rows):
            r.index = i
        TranscriptSegment.objects.bulk_update(rows, ["index"])
    update_search_vector(pk__in=[s.pk for s in changed] + [s.pk for s in created])
    return created


def encounter_diarize(*, encounter_id: int) -> dict:
    """The diarization job: embed the segments not embedded yet (cutting first those that run over
    a change of speaker), cluster, store indices and labels. Idempotent: the same segments give
    the same indices and labels, and a segment is examined for cuts once (until re-transcribed)."""
    diarizer = diarizers["default"]
    segments = list(
        TranscriptSegment.objects.filter(
            encounter_id=encounter_id,
            source=TranscriptSegment.Source.STT,
            chunk__transcription__status=ChunkTranscription.Status.DONE,
        )
        .select_related("chunk")
        .order_by("start", "index", "id")
    )
    by_chunk: defaultdict[int, list[TranscriptSegment]] = defaultdict(list)
    for seg in segments:
        if seg.speaker_embedding is None and seg.chunk_id is not None:
            by_chunk[seg.chunk_id].append(seg)
    plans: list[_ChunkPlan] = []
    for todo in by_chunk.values():
        chunk = todo[0].chunk
        assert chunk is not None
        plans.append(_plan_chunk(diarizer, chunk, todo))
    if plans:
        _resegment(diarizer, [s for s in segments if s.speaker_embedding is not None], plans)
    cuts: list[_Cut] = []
    for plan in plans:
        for p in plan.planned:
            if len(p.parts) > 1:
                cuts.append(_Cut(p.segment, p.parts, p.embeddings))
            else:
                p.segment.speaker_embedding = p.embeddings[0] or []
    with transaction.atomic():
        status = (
            Encounter.objects.select_for_update()
            .filter(pk=encounter_id)
            .values_list("status", flat=True)
            .first()
        )
        if status is None or status == Encounter.Status.FINALIZED:
            return {"encounter_id": encounter_id, "segments": 0, "note": "finalized or gone; unchanged"}
        created = _apply_cuts(cuts)
        segments = sorted(
            [s for s in segments if s.speaker_embedding is not None] + created,
            key=lambda s: (s.start, s.index, s.pk),
        )
        live = set(
            TranscriptSegment.objects.filter(pk__in=[s.pk for s in segments]).values_list("pk", flat=True)
        )
        segments = [s for s in segments if s.pk in live]
        indices = diarizer.assign(
            [s.speaker_embedding or None for s in segments], [Span(s.start, s.end) for s in segments]
        )
        for seg, index in zip(segments, indices, strict=True):
            seg.speaker_index = index
        TranscriptSegment.objects.bulk_update(segments, ["speaker_index", "speaker_embedding"])
        _relabel(encounter_id, engine=getattr(diarizer, "name", ""))
    return {
        "encounter_id": encounter_id,
        "segments": len(segments),
        "speakers": len({i for i in indices if i is not None}),
        "embedded": sum(len(v) for v in by_chunk.values()),
        "cut": len(created),
    }


def segment_speaker_set(*, user, segment_id: int, speaker: str) -> TranscriptSegment:
    """A doctor's correction of a segment's speaker. For a diarized segment it holds for the whole
    speaker (every segment with its ``speaker_index``, now and after any later diarization)."""
    if speaker not in SPEAKER_LABELS:
        raise ApiError(
            f"The speaker must be one of {', '.join(SPEAKER_LABELS)}.",
            code="validation_error",
            fields={"speaker": [f"One of {', '.join(SPEAKER_LABELS)}."]},
        )
    with transaction.atomic():
        seg = (
            TranscriptSegment.objects.for_user(user).select_related("encounter").filter(pk=segment_id).first()
        )
        if seg is None:
            raise NotFound("Transcript segment not found.", code="segment_not_found")
        encounter = Encounter.objects.select_for_update().get(pk=seg.encounter_id)
        if encounter.status == Encounter.Status.FINALIZED:
            raise finalized_conflict()
        if seg.speaker_index is None:
            TranscriptSegment.objects.filter(pk=seg.pk).update(speaker=speaker)
        else:
            speakers, _ = EncounterSpeakers.objects.select_for_update().get_or_create(encounter=encounter)
            corrections = dict(speakers.corrections or {})
            if speaker == SPEAKER_DOCTOR:  # one doctor: the one named last
                corrections = {k: v for k, v in corrections.items() if v != SPEAKER_DOCTOR}
            corrections[str(seg.speaker_index)] = speaker
            speakers.corrections = corrections
            speakers.save(update_fields=["corrections"])
            _relabel(encounter.pk)
        seg.refresh_from_db()
    return seg
