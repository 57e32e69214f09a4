"""Speaker diarization: which speaker said each transcript segment (``speaker_index``) and who that
is (``speaker``: doctor / patient / other). Engines in :mod:`.engines` (registry
``DIARIZATION_ENGINES``), the stored labels and the doctor's corrections in :mod:`.services`."""

from soapify.core.engines import EngineHandler

diarizers = EngineHandler("DIARIZATION_ENGINES")

__all__ = ["diarizers"]
