"""The transcript as sentences for the rules evaluator, and what the turn after a question says:
the answer sentence, the evidence span around a mention, an uncertain answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from soapify.core.transcript import TranscriptView
from soapify.nlp.engines.lexicons import is_greeting

_MAX_SENTENCE_WORDS = 40
_ANSWER_LOOKAHEAD = 2
_WINDOW_WORDS = 30


_SENTENCE_END = re.compile(r"(?<=[.?!؟;])\s+")


_UNCERTAIN = re.compile(
    r"\b(?:not sure|unsure|i do n't know|i don't know|i dont know|do n't remember|don't remember|"
    r"can't remember|ca n't remember|cannot remember|no idea|not certain|i can't recall|ca n't recall)\b"
    r"|(?:نمی دونم|نمیدونم|نمی دانم|نمیدانم|مطمئن نیستم|یادم نیست|یادم نمیاد|خاطرم نیست)"
)


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    segment: int
    speaker: str | None
    text: str


def split_sentences(transcript: TranscriptView) -> list[Sentence]:
    """Sentences with their offsets in ``transcript.text`` (never crossing a segment)."""
    segments = transcript.segments or []
    spans = [(s.start_char, s.end_char, s.speaker) for s in segments]
    if not spans and transcript.text:
        spans = [(0, len(transcript.text), None)]
    out: list[Sentence] = []
    for seg_index, (s_start, s_end, speaker) in enumerate(spans):
        chunk = transcript.text[s_start:s_end]
        pos = 0
        for piece in _SENTENCE_END.split(chunk):
            idx = chunk.find(piece, pos)
            if idx < 0:
                continue
            pos = idx + len(piece)
            stripped = piece.strip()
            if not stripped:
                continue
            lead = len(piece) - len(piece.lstrip())
            start = s_start + idx + lead
            for w_start, w_end in _windows(stripped):
                out.append(
                    Sentence(start + w_start, start + w_end, seg_index, speaker, stripped[w_start:w_end])
                )
    return out


def _windows(sentence: str) -> list[tuple[int, int]]:
    """Split an over-long sentence (unpunctuated speech) into windows of ``_WINDOW_WORDS`` words."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", sentence)]
    if len(words) <= _MAX_SENTENCE_WORDS:
        return [(0, len(sentence))]
    return [
        (words[i][0], words[min(i + _WINDOW_WORDS, len(words)) - 1][1])
        for i in range(0, len(words), _WINDOW_WORDS)
    ]


def answer_sentence(sentences: list[Sentence], idx: int) -> Sentence | None:
    """The first sentence of the next turn when sentence ``idx`` is a question near its turn's end
    (at most ``_ANSWER_LOOKAHEAD`` sentences of the same turn after it, e.g. "any allergies? i forgot
    to ask.") and the next turn is someone else's. A greeting that opens the answer is passed over
    ("سلام آقای دکتر. از سه روز پیش تب دارم.": the answer is the second sentence)."""
    sent = sentences[idx]
    if not sent.text.rstrip().endswith(("?", "؟")):
        return None
    for k in range(idx + 1, min(len(sentences), idx + 2 + _ANSWER_LOOKAHEAD)):
        nxt = sentences[k]
        if nxt.segment == sent.segment:
            continue
        if sent.speaker and nxt.speaker and sent.speaker == nxt.speaker:
            return None
        after = sentences[k + 1] if k + 1 < len(sentences) else None
        if after is not None and after.segment == nxt.segment and is_greeting(nxt.text):
            return after
        return nxt
    return None


def evidence_span(transcript: TranscriptView, sentences: list[Sentence], idx: int) -> tuple[int, int]:
    """The sentence, extended to the answer when it is a question answered in the next turn."""
    sent = sentences[idx]
    answer = answer_sentence(sentences, idx)
    end = answer.end if answer is not None and answer.end - sent.start <= 600 else sent.end
    return sent.start, end


def is_uncertain(norm: str, sentences: list[Sentence], idx: int) -> bool:
    sent = sentences[idx]
    answer = answer_sentence(sentences, idx)
    target = answer if answer is not None else sent
    return bool(_UNCERTAIN.search(norm[target.start : target.end]))
