"""Speech-to-text benchmark: WER and real-time factor of each available engine.

    .venv/bin/python bench/stt.py [--audio-dir ../shared/data/audio] [--engines a,b]

Audio: every ``*.wav`` in the audio folder with a ``NAME.txt`` reference beside it (``D:``/``P:``
speaker labels stripped). WER with jiwer after lower-casing and stripping punctuation; errors and
words are summed over files for the overall figure. RTF = processing seconds / audio seconds,
both wall clock and CPU time of this process (CPU time is the one-core figure for local engines).

Engines: ``pocketsphinx-stock`` and ``pocketsphinx-clinical`` always; ``faster-whisper`` when
``STT_BENCH_WHISPER_MODEL`` names a local model folder; ``openai`` when ``STT_BENCH_OPENAI_BASE_URL``
(and ``STT_BENCH_OPENAI_API_KEY``, optional ``STT_BENCH_OPENAI_MODEL``) are set.
The last line printed is one JSON object: ``{"bench": "stt", ...}``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jiwer  # noqa: E402

from soapify.core.engines import EngineError  # noqa: E402
from soapify.stt.audio import decode_audio  # noqa: E402

DEFAULT_AUDIO = ROOT.parent / "shared" / "data" / "audio"
_SPEAKER = re.compile(r"^\s*[A-Z]:\s*")
_PUNCT = re.compile(r"[^\w\s']|_")


def normalise(text: str) -> str:
    text = _PUNCT.sub(" ", text.lower()).replace("'", "")
    return " ".join(text.split())


def reference_text(path: Path) -> str:
    lines = [_SPEAKER.sub("", line) for line in path.read_text(encoding="utf-8").splitlines()]
    return normalise(" ".join(line for line in lines if line.strip()))


@dataclass
class FileScore:
    file: str
    seconds: float
    words: int
    errors: int
    wall: float
    cpu: float
    hypothesis: str

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "wer": round(self.errors / max(self.words, 1), 4),
            "rtf": round(self.wall / self.seconds, 4),
            "rtf_cpu": round(self.cpu / self.seconds, 4),
        }


def score_file(engine, wav: Path) -> FileScore:
    samples = decode_audio(wav)
    reference = reference_text(wav.with_suffix(".txt"))
    wall, cpu = time.perf_counter(), time.process_time()
    result = engine.transcribe(samples)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    hypothesis = normalise(result.text)
    out = jiwer.process_words(reference, hypothesis)
    errors = out.substitutions + out.deletions + out.insertions
    return FileScore(wav.name, len(samples) / 16000, len(reference.split()), errors, wall, cpu, hypothesis)


def engine_factories() -> dict[str, Callable[[], object] | str]:
    """name -> factory, or name -> the reason it is skipped."""
    from soapify.stt.engines.pocketsphinx import PocketSphinxEngine

    engines: dict[str, Callable[[], object] | str] = {
        "pocketsphinx-stock": lambda: PocketSphinxEngine(clinical=False),
        "pocketsphinx-clinical": lambda: PocketSphinxEngine(clinical=True),
    }
    whisper = os.environ.get("STT_BENCH_WHISPER_MODEL")
    if whisper:
        from soapify.stt.engines.faster_whisper import FasterWhisperEngine

        engines["faster-whisper"] = lambda: FasterWhisperEngine(model_path=whisper, language="en")
    else:
        engines["faster-whisper"] = "set STT_BENCH_WHISPER_MODEL to a local model folder"
    base_url = os.environ.get("STT_BENCH_OPENAI_BASE_URL")
    if base_url:
        from soapify.stt.engines.openai import OpenAIEngine

        engines["openai"] = lambda: OpenAIEngine(
            base_url=base_url,
            api_key=os.environ.get("STT_BENCH_OPENAI_API_KEY", ""),
            model=os.environ.get("STT_BENCH_OPENAI_MODEL", "whisper-1"),
            language="en",
        )
    else:
        engines["openai"] = "set STT_BENCH_OPENAI_BASE_URL (and STT_BENCH_OPENAI_API_KEY)"
    return engines


def bench_engine(name: str, factory: Callable[[], object], wavs: list[Path], verbose: bool) -> dict:
    engine = factory()
    scores = [score_file(engine, wav) for wav in wavs]
    for s in scores:
        print(
            f"{name:24s} {s.file:28s} WER {s.errors / s.words:6.3f}  RTF {s.wall / s.seconds:.3f} (cpu {s.cpu / s.seconds:.3f})"
        )
        if verbose:
            print(f"    {s.hypothesis}")
    words, errors = sum(s.words for s in scores), sum(s.errors for s in scores)
    seconds = sum(s.seconds for s in scores)
    overall = {
        "wer": round(errors / max(words, 1), 4),
        "rtf": round(sum(s.wall for s in scores) / seconds, 4),
        "rtf_cpu": round(sum(s.cpu for s in scores) / seconds, 4),
        "words": words,
        "errors": errors,
        "audio_seconds": round(seconds, 1),
    }
    print(
        f"{name:24s} {'OVERALL':28s} WER {overall['wer']:6.3f}  RTF {overall['rtf']:.3f} (cpu {overall['rtf_cpu']:.3f})"
    )
    return {
        "model": getattr(engine, "model", None),
        "version": getattr(engine, "version", None),
        "overall": overall,
        "files": [s.as_dict() for s in scores],
    }


def transcription_accuracy(audio_dir: Path, selected: list[str] | None, verbose: bool) -> dict:
    wavs = sorted(p for p in audio_dir.glob("*.wav") if p.with_suffix(".txt").is_file())
    results: dict[str, dict] = {}
    for name, factory in engine_factories().items():
        if selected and name not in selected:
            continue
        if isinstance(factory, str):
            print(f"{name}: skipped ({factory})")
            results[name] = {"skipped": factory}
            continue
        try:
            results[name] = bench_engine(name, factory, wavs, verbose)
        except EngineError as exc:
            print(f"{name}: failed ({exc.code}: {exc.message})")
            results[name] = {"error": exc.code}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="STT benchmark (WER, RTF)")
    parser.add_argument("--audio-dir", type=Path, default=DEFAULT_AUDIO)
    parser.add_argument("--engines", help="comma-separated subset of engine names")
    parser.add_argument("-v", "--verbose", action="store_true", help="print hypotheses")
    args = parser.parse_args(argv)
    figures: dict = {"bench": "stt"}
    if not args.audio_dir.is_dir():
        print(f"No benchmark audio at {args.audio_dir}; nothing to measure.")
        figures["skipped"] = "no audio"
        print(json.dumps(figures))
        return 0
    selected = args.engines.split(",") if args.engines else None
    figures["engines"] = transcription_accuracy(args.audio_dir, selected, args.verbose)
    # end_of_visit_latency(...) (API-driven, added separately) will add figures["latency"] here.
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
