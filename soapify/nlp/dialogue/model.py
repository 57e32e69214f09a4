"""The data types of dialogue understanding (plain, frozen dataclasses; offsets into the transcript)."""

from __future__ import annotations

from dataclasses import dataclass, field

from soapify.nlp.engines.text import Sentence

from .quantities import Quantity

ROLE_DOCTOR, ROLE_PATIENT, ROLE_OTHER = "doctor", "patient", "other"


@dataclass(frozen=True, slots=True)
class Mention:
    """A clinical term (symptom) in one sentence, with its polarity in context."""

    name: str  # canonical English name ("nausea"), also for Persian terms
    text: str  # as written in the transcript
    start: int
    end: int
    sentence: int  # index into ``Dialogue.sentences``
    negated: bool
    uncertain: bool
    speaker: str | None
    source: str = (
        "said"  # "said" (in the sentence itself) or "answer" (a question's term, polarity from the answer)
    )


@dataclass(frozen=True, slots=True)
class Turn:
    """Consecutive sentences of one speaker."""

    role: str  # doctor | patient | other (family member, interpreter...)
    label: str | None  # the transcript's own speaker label, when it had one
    start: int
    end: int
    sentences: tuple[int, ...]  # indexes into ``Dialogue.sentences``
    inferred: bool  # True when the role was guessed, not labelled


@dataclass(frozen=True, slots=True)
class Unit:
    """A doctor's question and the answer to it: one statement about one topic.

    ``polarity``: "yes", "no", "uncertain", "value" (a number answered), "statement" (a free answer)
    or "none" (no answer before the doctor spoke again). ``attribute``: what the question asked about
    a known problem ("severity", "duration", "onset", "location", "frequency", "quality") or None.
    """

    question: int  # index of the question sentence
    answer: tuple[int, ...]  # indexes of the answering sentences (possibly empty)
    polarity: str
    attribute: str | None
    topics: tuple[Mention, ...]  # the question's terms, negated/affirmed by the answer
    values: tuple[Quantity, ...]  # numbers in the answer
    start: int
    end: int


@dataclass(slots=True)
class Dialogue:
    """A visit understood as a dialogue: sentences with speakers, turns, question→answer units, terms."""

    text: str
    language: str  # "en" | "fa"
    sentences: list[Sentence]
    turns: list[Turn]
    units: list[Unit]
    mentions: list[Mention]
    roles_inferred: bool
    answer_of: dict[int, int] = field(default_factory=dict)  # answer sentence index → unit index

    def unit_for(self, sentence: int) -> Unit | None:
        """The unit a sentence belongs to (as question or answer), if any."""
        k = self.answer_of.get(sentence)
        if k is not None:
            return self.units[k]
        return next((u for u in self.units if u.question == sentence), None)

    def speaker_sentences(self, role: str) -> list[int]:
        return [i for i, s in enumerate(self.sentences) if s.speaker == role]
