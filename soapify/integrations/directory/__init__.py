"""Patient directory engines: ``local`` (our own table) and ``helssa`` (the Helssa HTTP API)."""

from soapify.core.engines import EngineHandler

from .base import DirectoryRecord, PatientDirectory

directory_engines = EngineHandler("PATIENT_DIRECTORY_ENGINES")

__all__ = ["DirectoryRecord", "PatientDirectory", "directory_engines"]
