"""Signals between apps that must not import each other."""

from django.dispatch import Signal

#: an encounter's searchable content changed in a way ``post_save`` does not see (bulk writes:
#: a transcription run's segments, a typed transcript, a checklist evaluation). kwargs: encounter_id
content_changed = Signal()
