"""Transcription services, by concern:

* ``runs``: transcribing one chunk (the per-chunk lock, the engine run, the one write
  transaction) and the concurrency rules that go with it;
* ``jobs``: the jobs users start: (re-)transcribing one chunk, processing an encounter;
* ``live``: queueing a just-committed chunk, moving segments when the timeline changes;
* ``status``: the encounter's transcription status derived from its chunks;
* ``edits``: a doctor's corrections of segments;
* ``typed``: typed or pasted transcripts;
* ``common``: what several of them share.

The names other apps and the views use are re-exported here.
"""

from soapify.stt.services.common import chunk_has_edits, finalized_conflict, update_search_vector
from soapify.stt.services.edits import MAX_SEGMENT_TEXT, segment_edit
from soapify.stt.services.jobs import (
    PROCESS_JOB,
    TRANSCRIBE_JOB,
    ProcessStart,
    chunk_transcribe_start,
    encounter_process,
    encounter_process_start,
)
from soapify.stt.services.live import chunk_offsets_sync, chunk_transcription_queue
from soapify.stt.services.runs import (
    ChunkOutcome,
    busy_wait_seconds,
    chunk_lock,
    chunk_transcribe,
    stt_engines,
    window_seconds,
)
from soapify.stt.services.status import (
    TranscriptionProgress,
    encounter_progress,
    encounter_transcription_refresh,
)
from soapify.stt.services.typed import MAX_TYPED_TRANSCRIPT, TypedStored, typed_transcript_store

__all__ = [
    "MAX_SEGMENT_TEXT",
    "MAX_TYPED_TRANSCRIPT",
    "PROCESS_JOB",
    "TRANSCRIBE_JOB",
    "ChunkOutcome",
    "ProcessStart",
    "TranscriptionProgress",
    "TypedStored",
    "busy_wait_seconds",
    "chunk_has_edits",
    "chunk_lock",
    "chunk_offsets_sync",
    "chunk_transcribe",
    "chunk_transcribe_start",
    "chunk_transcription_queue",
    "encounter_process",
    "encounter_process_start",
    "encounter_progress",
    "encounter_transcription_refresh",
    "finalized_conflict",
    "segment_edit",
    "stt_engines",
    "typed_transcript_store",
    "update_search_vector",
    "window_seconds",
]
