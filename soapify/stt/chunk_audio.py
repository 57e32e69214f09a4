"""Reading a committed chunk's audio from storage (shared by transcription, windows and diarization)."""

from __future__ import annotations

from typing import BinaryIO, cast

import numpy as np
from django.core.files.storage import storages

from soapify.core.engines import EngineError
from soapify.encounters.models import AudioChunk
from soapify.stt.audio import decode_audio


def chunk_samples(chunk: AudioChunk) -> np.ndarray:
    """The chunk's audio as 16 kHz mono samples, from local or remote storage."""
    if not chunk.storage_key:
        raise EngineError("The chunk has no stored audio.", code="audio_missing")
    storage = storages["audio"]
    try:
        try:
            path = storage.path(chunk.storage_key)
        except NotImplementedError:
            with storage.open(chunk.storage_key, "rb") as fh:
                return decode_audio(cast(BinaryIO, fh))  # a Django File is a binary file object
        return decode_audio(path)
    except EngineError:
        raise
    except FileNotFoundError as exc:
        raise EngineError("The chunk's audio object is missing from storage.", code="audio_missing") from exc
    except Exception as exc:  # noqa: BLE001 - S3/network trouble: worth a retry
        raise EngineError(
            f"Could not read the chunk's audio from storage ({type(exc).__name__}).",
            code="storage_unavailable",
            transient=True,
        ) from exc
