"""Dialogue understanding shared by the notes engines and the checklist.

    from soapify.nlp.dialogue import analyse
    d = analyse(transcript)            # TranscriptView → Dialogue (pure, no models, ~ms per visit)
    d.sentences                        # engines.text.Sentence with speaker in {doctor, patient, other}, question flag
    d.turns                            # Turn(role, label, start, end, sentences, inferred)
    d.units                            # Unit(question, answer, polarity, attribute, topics, values, start, end)
    d.mentions                         # Mention(name, text, start, end, sentence, negated, uncertain, speaker, source)
    d.unit_for(i)                      # the question→answer unit sentence i belongs to

Building blocks: ``scope.is_negated(text, start, end)`` / ``scope.is_uncertain(...)`` (clause-bounded,
English and Persian), ``quantities.quantities(text, offset)`` (numbers and units, spoken or written,
Persian digits and words). Every offset is a character offset into ``TranscriptView.text``.
See docs/DIALOGUE.md.
"""

from .analyse import analyse, answer_polarity, resolve_roles
from .model import ROLE_DOCTOR, ROLE_OTHER, ROLE_PATIENT, Dialogue, Mention, Turn, Unit
from .quantities import Quantity, fa_words_to_number, quantities
from .scope import clause_bounds, is_negated, is_uncertain, negative_sentence

__all__ = [
    "ROLE_DOCTOR", "ROLE_OTHER", "ROLE_PATIENT", "Dialogue", "Mention", "Quantity", "Turn", "Unit",
    "analyse", "answer_polarity", "clause_bounds", "fa_words_to_number", "is_negated", "is_uncertain",
    "negative_sentence", "quantities", "resolve_roles",
]  # fmt: skip
