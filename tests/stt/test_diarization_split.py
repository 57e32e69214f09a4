"""Segments that run over a change of speaker are cut there (at a word boundary) before speakers
are assigned: the resemblyzer change detector on real voices, the text cut itself (offsets kept),
and the diarization job storing the parts (ids, order, words, transcript text, labels, once only)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile

from soapify.stt.audio import decode_audio
from soapify.stt.diarization.engines import ResemblyzerDiarizer, Span
from soapify.stt.diarization.services import encounter_diarize
from soapify.stt.diarization.split import split_segment, text_cuts
from soapify.stt.models import TranscriptSegment
from soapify.stt.selectors import encounter_transcript
from soapify.stt.services import chunk_transcribe
from tests.stt.conftest import committed_chunk

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "stt" / "real"
SR = 16000
GAP = np.zeros(4800, dtype=np.float32)  # 0.3 s
RESEMBLYZER = {"default": {"BACKEND": "soapify.stt.diarization.engines.ResemblyzerDiarizer", "OPTIONS": {}}}


def _audio(*names: str) -> tuple[np.ndarray, list[float]]:
    """The clips one after another (0.3 s apart) and the time each clip starts."""
    parts, starts, t = [], [], 0.0
    for name in names:
        clip = decode_audio(REAL / f"{name}.wav")
        parts += [clip, GAP]
        starts.append(t)
        t += (len(clip) + len(GAP)) / SR
    return np.concatenate(parts), starts


def _even_words(start: float, end: float, n: int) -> list[Span]:
    per = (end - start) / n
    return [Span(start + i * per, start + (i + 1) * per) for i in range(n)]


@pytest.fixture(scope="module")
def resemblyzer():
    return ResemblyzerDiarizer()


def test_a_segment_over_two_voices_is_cut_where_the_second_voice_starts(resemblyzer):
    audio, starts = _audio("LJ002-0020", "LJ002-0035", "harvard_spk1_snt1", "harvard_spk1_snt4")
    change = starts[2]
    end = len(audio) / SR
    words = _even_words(0.0, change, 10) + _even_words(change, end, 14)
    (cut,) = resemblyzer.change_points(audio, Span(0.0, end), words)
    # within half a second (the words here are spread evenly, not where they were said)
    assert abs(words[cut].start - change) < 0.5


def test_a_segment_of_one_voice_is_not_cut(resemblyzer):
    for names in (("harvard_spk1_snt1", "harvard_spk1_snt4"), ("LJ002-0020", "LJ002-0035")):
        audio, _ = _audio(*names)
        end = len(audio) / SR
        assert resemblyzer.change_points(audio, Span(0.0, end), _even_words(0.0, end, 16)) == []


def test_a_segment_holding_three_turns_is_cut_twice(resemblyzer):
    audio, starts = _audio("LJ002-0020", "harvard_spk1_snt1", "harvard_spk1_snt4", "LJ002-0035")
    end = len(audio) / SR
    words = (
        _even_words(0.0, starts[1], 4)
        + _even_words(starts[1], starts[3], 16)
        + _even_words(starts[3], end, 4)
    )
    cuts = resemblyzer.change_points(audio, Span(0.0, end), words)
    assert len(cuts) == 2
    assert abs(words[cuts[0]].start - starts[1]) < 0.6 and abs(words[cuts[1]].start - starts[3]) < 0.6


def test_a_short_answer_before_another_voice_is_cut_off(resemblyzer):
    """A one-second answer (the first second of an LJ Speech clip) at the start of a segment that
    goes on in another voice."""
    lj = decode_audio(REAL / "LJ002-0020.wav")[:SR]
    harvard, _ = _audio("harvard_spk1_snt1", "harvard_spk1_snt4")
    audio = np.concatenate([lj, GAP, harvard])
    change = (len(lj) + len(GAP)) / SR
    end = len(audio) / SR
    words = _even_words(0.0, change, 3) + _even_words(change, end, 20)
    (cut,) = resemblyzer.change_points(audio, Span(0.0, end), words)
    assert abs(words[cut].start - change) < 0.5


def test_a_very_short_segment_or_a_single_word_is_never_cut(resemblyzer):
    audio, starts = _audio("LJ002-0020", "harvard_spk1_snt1")
    span = Span(starts[1] - 0.5, starts[1] + 0.45)  # under 2 x split_min_seconds, over two voices
    assert resemblyzer.change_points(audio, span, _even_words(span.start, span.end, 4)) == []
    assert resemblyzer.change_points(audio, Span(0.0, 4.0), [Span(0.0, 4.0)]) == []


def _words(text: str) -> list[dict]:
    return [{"start": float(i), "end": i + 0.9, "text": w} for i, w in enumerate(text.split())]


def test_the_text_is_cut_at_the_space_before_the_word_and_keeps_every_character():
    text = "Any fever? No, not at all."
    parts = split_segment(Span(0.0, 6.0), text, _words(text), [2])
    assert [p.text for p in parts] == ["Any fever?", "No, not at all."]
    assert [(p.lo, p.hi) for p in parts] == [(0, 2), (2, 6)]
    assert [(p.span.start, p.span.end) for p in parts] == [(0.0, 1.9), (2.0, 6.0)]
    assert " ".join(p.text for p in parts) == text


def test_a_text_that_does_not_line_up_with_its_words_is_left_whole():
    text = "Any fever? No."
    assert text_cuts(text, _words("Any fever ? No."), [2]) is None
    assert text_cuts("Any  fever? No.", _words(text), [1]) is None  # two spaces: no clean cut
    assert [p.text for p in split_segment(Span(0, 3), text, _words("any fever no"), [1])] == [text]
    assert [p.text for p in split_segment(Span(0, 3), text, _words(text), [])] == [text]


# --- the diarization job ----------------------------------------------------------------------------

QUESTION = "so what brings you in today and how long has it been going on for you now"
ANSWER = "my head has been hurting since monday morning and it gets worse when i stand up"


def _wav(samples: np.ndarray) -> bytes:
    buf = io.BytesIO()
    soundfile.write(buf, samples, SR, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _two_voices_in_one_segment(settings, encounter, script):
    """One chunk: LJ Speech asks, the Harvard speaker answers; the fake engine returns it all as one
    segment whose words are spread evenly over 90 % of the audio."""
    settings.DIARIZATION_ENGINES = RESEMBLYZER
    audio, _ = _audio("LJ002-0020", "LJ002-0035", "harvard_spk1_snt1", "harvard_spk1_snt4")
    script.texts = [f"{QUESTION} {ANSWER}"]
    chunk = committed_chunk(encounter, data=_wav(audio), duration=len(audio) / SR)
    chunk_transcribe(chunk_id=chunk.pk)
    return chunk


def test_the_job_cuts_the_segment_and_gives_each_part_its_speaker(settings, encounter, script):
    chunk = _two_voices_in_one_segment(settings, encounter, script)
    (whole,) = TranscriptSegment.objects.filter(encounter=encounter)
    before = encounter_transcript(encounter=encounter).text
    result = encounter_diarize(encounter_id=encounter.pk)
    assert result["cut"] >= 1
    segs = list(TranscriptSegment.objects.filter(encounter=encounter).order_by("start", "index", "id"))
    assert segs[0].pk == whole.pk  # the first part keeps the segment's id
    assert [s.index for s in segs] == list(range(len(segs)))
    assert all(s.chunk_id == chunk.pk for s in segs)
    assert all(a.end <= b.start for a, b in zip(segs, segs[1:], strict=False))
    assert [w for s in segs for w in s.words] == whole.words
    assert all(" ".join(w["text"] for w in s.words) == s.text for s in segs)
    after = encounter_transcript(encounter=encounter).text
    assert len(after) == len(before) and after.replace("\n", " ") == before  # offsets unchanged
    assert {s.speaker_index for s in segs} == {0, 1}
    assert segs[0].speaker_index == 0 and segs[-1].speaker_index == 1
    assert all(s.speaker in ("doctor", "patient") for s in segs)
    assert TranscriptSegment.objects.filter(encounter=encounter, search_vector__isnull=True).count() == 0


def test_diarizing_again_cuts_nothing_more(settings, encounter, script):
    _two_voices_in_one_segment(settings, encounter, script)
    encounter_diarize(encounter_id=encounter.pk)
    first = list(
        TranscriptSegment.objects.filter(encounter=encounter).values_list("id", "text", "speaker_index")
    )
    again = encounter_diarize(encounter_id=encounter.pk)
    assert again["cut"] == 0 and again["embedded"] == 0
    assert (
        list(TranscriptSegment.objects.filter(encounter=encounter).values_list("id", "text", "speaker_index"))
        == first
    )


def test_an_edited_segment_is_not_cut(settings, encounter, script):
    _two_voices_in_one_segment(settings, encounter, script)
    TranscriptSegment.objects.filter(encounter=encounter).update(
        edited=True, original_text=f"{QUESTION} {ANSWER}"
    )
    assert encounter_diarize(encounter_id=encounter.pk)["cut"] == 0
    assert TranscriptSegment.objects.filter(encounter=encounter).count() == 1


def test_re_transcription_replaces_the_parts_and_cuts_the_new_segment_again(settings, encounter, script):
    chunk = _two_voices_in_one_segment(settings, encounter, script)
    encounter_diarize(encounter_id=encounter.pk)
    chunk_transcribe(chunk_id=chunk.pk, rerun=True)
    assert TranscriptSegment.objects.filter(encounter=encounter).count() == 1
    assert encounter_diarize(encounter_id=encounter.pk)["cut"] >= 1
    texts = list(
        TranscriptSegment.objects.filter(encounter=encounter).order_by("start").values_list("text", flat=True)
    )
    assert " ".join(texts) == f"{QUESTION} {ANSWER}"
