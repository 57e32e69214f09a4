"""Events other apps react to. ``audio_chunk_committed`` is sent (after the commit's transaction
commits) with ``chunk=<AudioChunk>``; the STT app queues its transcription at once."""

from django.dispatch import Signal

audio_chunk_committed = Signal()
