"""Signals between apps that must not import each other."""

from django.dispatch import Signal

#: an encounter's searchable content changed in a way ``post_save`` does not see (bulk writes:
#: a transcription run's segments, a typed transcript, a checklist evaluation). kwargs: encounter_id
content_changed = Signal()

#: a chunk's transcription segments were stored (a run or its stitched windows), inside the
#: storing transaction. kwargs: encounter_id, chunk_id. The diarizer listens.
transcript_stored = Signal()

#: a job reached its final state (succeeded, failed for good, or cancelled), sent right after the
#: row's update (in a worker: committed; from a request: inside its transaction, so receivers that
#: start work use ``transaction.on_commit``). sender: the job's kind; kwargs: job (the Job row,
#: refreshed), status
job_finished = Signal()
