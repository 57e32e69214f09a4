"""Live transcription: every committed chunk is queued for transcription at once; every stored
chunk transcript queues the encounter's diarization."""

from __future__ import annotations

import logging

from django.conf import settings
from django.dispatch import receiver

from soapify.core.signals import transcript_stored
from soapify.encounters.signals import audio_chunk_committed
from soapify.stt.diarization.services import diarization_queue
from soapify.stt.services.live import chunk_transcription_queue

logger = logging.getLogger("soapify.stt")


@receiver(audio_chunk_committed, dispatch_uid="stt.queue_chunk_transcription")
def queue_chunk_transcription(sender, chunk, **kwargs) -> None:
    """Sent after the commit's transaction committed. Never lets a failure here reach the upload
    request: the chunk is committed either way and ``process`` picks it up later."""
    if not settings.STT_LIVE_TRANSCRIPTION:
        return
    try:
        chunk_transcription_queue(chunk=chunk)
    except Exception:  # noqa: BLE001
        logger.exception("could not queue the transcription of chunk %s", getattr(chunk, "pk", None))


@receiver(transcript_stored, dispatch_uid="stt.diarize_after_transcription")
def queue_diarization(sender, encounter_id: int, **kwargs) -> None:
    """Sent inside the storing transaction; the job starts once it commits."""
    diarization_queue(encounter_id=encounter_id)
