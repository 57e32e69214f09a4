"""Export and verify the MiniLM embedder for onnxruntime before the first request (``make run``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from soapify.core.embeddings import default_onnx_dir, ensure_onnx_model


class Command(BaseCommand):
    help = (
        "Export the pinned all-MiniLM-L6-v2 to ONNX in DATA_DIR/models/all-MiniLM-L6-v2-onnx and verify "
        "it against torch (nothing to do when a verified export is there)."
    )

    def handle(self, *args, **options) -> None:
        folder = default_onnx_dir()
        if folder is None:
            raise CommandError("DATA_DIR is not set.")
        try:
            ensure_onnx_model(folder)
        except ImportError as exc:
            raise CommandError(f"Cannot export ({exc}); the embedder runs on torch.") from exc
        self.stdout.write(f"MiniLM for onnxruntime ready and verified: {folder}")
