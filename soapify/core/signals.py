"""Signals between apps that must not import each other."""

from django.dispatch import Signal

#: an encounter's searchable content changed in a way ``post_save`` does not see (bulk writes:
#: a transcription run's segments, a typed transcript, a checklist evaluation). kwargs: encounter_id
content_changed = Signal()

#: a chunk's transcription segments were stored (a run or its stitched windows), inside the
#: storing transaction. kwargs: encounter_id, chunk_id. The diarizer listens.
transcript_stored = Signal()
