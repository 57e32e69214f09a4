"""Upload bench: a 100 MiB recording through the resumable session API vs. a reference that only
reads and drops the same bytes in the same server, on gunicorn (2 workers, gthread per
gunicorn.conf.py) over loopback.

    .venv/bin/python bench/upload.py [--size-mb 100] [--runs 3] [--keep] [--no-multipart]

What it does, in one run:
1. a fresh ``SOAPIFY_DATA_DIR`` under /tmp (the embedded PostgreSQL starts itself there),
   ``manage.py migrate``, a doctor;
2. gunicorn on a free loopback port serving :func:`reference_app`: the project's WSGI
   application, plus one path of this bench (``REFERENCE_PATH``) that reads the request body in
   1 MiB pieces and drops it (the reference: what receiving the bytes costs in this server, with
   no application code; it is not part of the project). A JWT for the doctor;
3. a valid 16 kHz mono 16-bit WAV of ``--size-mb`` MiB (noise, so nothing is compressible);
4. chunked: ``session/create`` + one raw ``chunk/`` POST per 5 MiB (body
   ``application/offset+octet-stream``, session, offset and sha256 in the query string) +
   ``commit/`` (assemble, whole-file sha256, probe, store) — timed end to end;
   reference: the same bytes in one POST to ``REFERENCE_PATH``; and the same chunked upload with
   multipart chunk POSTs (``--no-multipart`` skips it). Each ``--runs`` times; medians reported;
5. the gunicorn workers' RSS is sampled every 10 ms by a thread (psutil); growth = peak minus the
   worker's RSS after a warm-up request.

The client sends each raw body as a memoryview of one preloaded buffer with ``http.client`` (one
``sendall``; no per-request work of a client library in the figures) over one kept-alive
connection.

Prints MB/s (MiB per second) for each, the raw chunked / reference ratio, the median chunk POST
latency, the peak RSS growth, and a final ``{"bench": "upload", ...}`` line.
Target: RSS growth < 3 x chunk size.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._service import stop_embedded_postgres  # noqa: E402

PY = sys.executable
MiB = 1024 * 1024
CHUNK = 5 * MiB
PASSWORD = "Bench-upload-9-password"
PHASES: dict[str, list[float]] = {}  # seconds of the chunk POSTs and of the commit, per upload
REFERENCE_PATH = "/_bench/discard/"


def reference_app(environ: dict, start_response) -> list[bytes]:
    """The WSGI application gunicorn serves here: ``REFERENCE_PATH`` reads the body in 1 MiB
    pieces and drops it; every other path goes to the project's application."""
    if environ.get("PATH_INFO") != REFERENCE_PATH:
        return _project_application()(environ, start_response)
    stream, size = environ["wsgi.input"], 0
    while piece := stream.read(MiB):
        size += len(piece)
    body = json.dumps({"size": size}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


@functools.cache
def _project_application():
    # imported in the gunicorn workers only (the bench's own process never sets up Django)
    from soapify.wsgi import application

    return application


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_wav(path: Path, size: int) -> None:
    """A valid PCM WAV of exactly ``size`` bytes (16 kHz, mono, 16-bit), filled with noise."""
    data_len = size - 44
    data_len -= data_len % 2
    header = b"RIFF" + struct.pack("<I", 36 + data_len) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    header += b"data" + struct.pack("<I", data_len)
    block = os.urandom(MiB)
    with path.open("wb") as fh:
        fh.write(header)
        left = data_len
        while left:
            n = min(left, len(block))
            fh.write(block[:n])
            left -= n


class RssSampler(threading.Thread):
    def __init__(self, pids: list[int], every: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.procs = [psutil.Process(p) for p in pids]
        self.every = every
        self.peak = {p.pid: p.memory_info().rss for p in self.procs}
        self._stop_event = threading.Event()

    def reset(self) -> dict[int, int]:
        base = {p.pid: p.memory_info().rss for p in self.procs}
        self.peak = dict(base)
        return base

    def run(self) -> None:
        while not self._stop_event.is_set():
            for p in self.procs:
                try:
                    rss = p.memory_info().rss
                except psutil.Error:
                    continue
                if rss > self.peak[p.pid]:
                    self.peak[p.pid] = rss
            time.sleep(self.every)

    def stop(self) -> None:
        self._stop_event.set()

    def growth(self, base: dict[int, int]) -> int:
        return max(self.peak[pid] - base[pid] for pid in base)


def run(cmd: list[str], env: dict) -> str:
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return out.stdout


def wait_ready(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready")


class RawClient:
    """POSTs of raw bodies over one kept-alive ``http.client`` connection."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.auth = f"Bearer {token}"

    def post(self, path: str, body: memoryview, content_type: str) -> tuple[int, dict]:
        headers = {"Authorization": self.auth, "Content-Type": content_type, "Content-Length": str(len(body))}
        try:
            self.conn.request("POST", path, body=body, headers=headers)
            resp = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # the server closed the idle connection (gunicorn's keepalive): once more, on a new one
            self.conn.close()
            self.conn.request("POST", path, body=body, headers=headers)
            resp = self.conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")


def chunked_upload(
    http: requests.Session,
    raw: RawClient,
    base: str,
    encounter_id: int,
    data: memoryview,
    shas: list[str],
    total_sha: str,
    mode: str = "raw",
) -> float:
    """``mode``: "raw" sends each chunk as the request body (application/offset+octet-stream,
    session/offset/sha256 in the query string); "multipart" as a multipart form."""
    started = time.perf_counter()
    r = http.post(
        f"{base}/api/uploads/session/create/",
        json={
            "encounter_id": encounter_id,
            "filename": "visit.wav",
            "content_type": "audio/wav",
            "total_size": len(data),
            "sha256": total_sha,
        },
    )
    r.raise_for_status()
    sid = r.json()["session_id"]
    lat = []
    for i, sha in enumerate(shas):
        piece = data[i * CHUNK : (i + 1) * CHUNK]
        t0 = time.perf_counter()
        if mode == "raw":
            status, body = raw.post(
                f"/api/uploads/chunk/?session_id={sid}&offset={i * CHUNK}&sha256={sha}",
                piece,
                "application/offset+octet-stream",
            )
            if status != 201:
                raise SystemExit(f"chunk {i}: {status} {body}")
        else:
            r = http.post(
                f"{base}/api/uploads/chunk/",
                data={"session_id": sid, "index": str(i), "sha256": sha},
                files={"file": ("chunk", piece, "application/octet-stream")},
            )
            if r.status_code != 201:
                raise SystemExit(f"chunk {i}: {r.status_code} {r.text}")
        lat.append(time.perf_counter() - t0)
    PHASES.setdefault(f"{mode}:chunk_latencies", []).append(lat)
    PHASES.setdefault(f"{mode}:chunks", []).append(time.perf_counter() - started)
    commit_started = time.perf_counter()
    r = http.post(f"{base}/api/uploads/commit/", json={"session_id": sid})
    PHASES.setdefault(f"{mode}:commit", []).append(time.perf_counter() - commit_started)
    if r.status_code != 201:
        raise SystemExit(f"commit: {r.status_code} {r.text}")
    elapsed = time.perf_counter() - started
    final = r.json()
    assert final["sha256"] == total_sha and final["size"] == len(data), final
    return elapsed


def discard_upload(raw: RawClient, data: memoryview) -> float:
    started = time.perf_counter()
    status, body = raw.post(REFERENCE_PATH, data, "application/octet-stream")
    elapsed = time.perf_counter() - started
    if status != 200 or body.get("size") != len(data):
        raise SystemExit(f"discard: {status} {body}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=100, help="recording size in MiB (default 100)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument(
        "--no-multipart", action="store_true", help="skip the multipart chunk upload (reference figure)"
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="soapify-bench-upload-", dir="/tmp"))
    data_dir.chmod(0o755)  # the embedded PostgreSQL may run as its own user
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "soapify.settings",
        "SOAPIFY_DATA_DIR": str(data_dir),
        "SOAPIFY_ENV": "development",
        "DEBUG": "0",
        "PUBLIC_BASE_URL": base,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    gunicorn = None
    try:
        run([PY, "manage.py", "migrate", "--noinput"], env)
        run(
            [
                PY,
                "manage.py",
                "shell",
                "-c",
                "from soapify.accounts.models import User; "
                f"u = User(username='bench', role='doctor'); u.set_password('{PASSWORD}'); u.save()",
            ],
            env,
        )
        gunicorn = subprocess.Popen(
            [
                str(Path(PY).with_name("gunicorn")),
                f"{Path(__file__).stem}:reference_app",
                "--pythonpath",
                str(ROOT / "bench"),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        wait_ready(base)
        master = psutil.Process(gunicorn.pid)
        workers = [c.pid for c in master.children()]
        http = requests.Session()
        token = http.post(f"{base}/api/auth/token/", json={"username": "bench", "password": PASSWORD})
        token.raise_for_status()
        http.headers["Authorization"] = f"Bearer {token.json()['access']}"
        raw = RawClient(port, token.json()["access"])
        encounter = http.post(
            f"{base}/api/encounters/create/", json={"patient_ref": "BENCH-1", "context": "bench"}
        )
        encounter.raise_for_status()
        encounter_id = encounter.json()["id"]

        wav = data_dir / "recording.wav"
        make_wav(wav, args.size_mb * MiB)
        data = memoryview(wav.read_bytes())
        n_chunks = -(-len(data) // CHUNK)
        shas = [hashlib.sha256(data[i * CHUNK : (i + 1) * CHUNK]).hexdigest() for i in range(n_chunks)]
        total_sha = hashlib.sha256(data).hexdigest()

        # warm up both code paths in every worker (imports, connections), small bodies
        small = memoryview(bytes(data[: 2 * CHUNK]))
        small_shas = [hashlib.sha256(small[i * CHUNK : (i + 1) * CHUNK]).hexdigest() for i in range(2)]
        small_sha = hashlib.sha256(small).hexdigest()
        for _ in range(4):
            discard_upload(raw, small)
            chunked_upload(http, raw, base, encounter_id, small, small_shas, small_sha, "raw")
            if not args.no_multipart:
                chunked_upload(http, raw, base, encounter_id, small, small_shas, small_sha, "multipart")

        sampler = RssSampler(workers)
        sampler.start()
        chunked_times, discard_times, chunked_growth, discard_growth = [], [], [], []
        multipart_times, multipart_growth = [], []
        for _ in range(args.runs):
            base_rss = sampler.reset()
            discard_times.append(discard_upload(raw, data))
            discard_growth.append(sampler.growth(base_rss))
            base_rss = sampler.reset()
            chunked_times.append(chunked_upload(http, raw, base, encounter_id, data, shas, total_sha, "raw"))
            time.sleep(0.05)
            chunked_growth.append(sampler.growth(base_rss))
            if not args.no_multipart:
                base_rss = sampler.reset()
                multipart_times.append(
                    chunked_upload(http, raw, base, encounter_id, data, shas, total_sha, "multipart")
                )
                time.sleep(0.05)
                multipart_growth.append(sampler.growth(base_rss))
        sampler.stop()

        def phase(mode: str, name: str) -> float:
            return statistics.median(PHASES[f"{mode}:{name}"][-args.runs :])

        mib = len(data) / MiB
        chunked_mbs = mib / statistics.median(chunked_times)
        discard_mbs = mib / statistics.median(discard_times)
        ratio = chunked_mbs / discard_mbs
        growth = max(chunked_growth)
        print(
            f"recording: {mib:.0f} MiB WAV, {n_chunks} chunks of {CHUNK // MiB} MiB, {args.runs} runs (median)"
        )
        print(
            f"chunked raw (session create + chunks + commit): {chunked_mbs:8.1f} MB/s  {[round(t, 3) for t in chunked_times]} s"
        )
        print(
            f"reference (one request, body dropped):         {discard_mbs:8.1f} MB/s  {[round(t, 3) for t in discard_times]} s"
        )
        lat = [x for run_lat in PHASES["raw:chunk_latencies"][-args.runs :] for x in run_lat]
        lat_ms = statistics.median(lat) * 1000
        per_chunk_discard_ms = statistics.median(discard_times) / n_chunks * 1000
        print(
            f"  raw: chunk POSTs {phase('raw', 'chunks'):.3f} s (one POST: median {lat_ms:.1f} ms, "
            f"max {max(lat) * 1000:.1f} ms; the reference request spends {per_chunk_discard_ms:.1f} ms "
            f"per {CHUNK // MiB} MiB), commit {phase('raw', 'commit'):.3f} s"
        )
        multipart_mbs = None
        if multipart_times:
            multipart_mbs = mib / statistics.median(multipart_times)
            print(
                f"chunked multipart (reference):                  {multipart_mbs:8.1f} MB/s  "
                f"{[round(t, 3) for t in multipart_times]} s  (ratio {multipart_mbs / discard_mbs:.2f}; "
                f"chunk POSTs {phase('multipart', 'chunks'):.3f} s, commit {phase('multipart', 'commit'):.3f} s)"
            )
        print(f"ratio chunked raw/reference: {ratio:.2f}")
        print(
            f"web worker peak RSS growth: chunked raw {growth / MiB:.1f} MiB, "
            + (f"multipart {max(multipart_growth) / MiB:.1f} MiB, " if multipart_growth else "")
            + f"reference {max(discard_growth) / MiB:.1f} MiB  (target < {3 * CHUNK / MiB:.0f} MiB)"
        )
        result = {
            "bench": "upload",
            "size_mib": round(mib, 1),
            "chunk_mib": CHUNK / MiB,
            "runs": args.runs,
            "workers": 2,
            "chunked_mb_s": round(chunked_mbs, 1),
            "discard_mb_s": round(discard_mbs, 1),
            "ratio": round(ratio, 3),
            "chunk_mode": "raw",
            "chunk_posts_mb_s": round(mib / phase("raw", "chunks"), 1),
            "commit_s": round(phase("raw", "commit"), 3),
            "chunk_post_median_ms": round(lat_ms, 1),
            "discard_ms_per_chunk": round(per_chunk_discard_ms, 1),
            "multipart_mb_s": None if multipart_mbs is None else round(multipart_mbs, 1),
            "multipart_ratio": None if multipart_mbs is None else round(multipart_mbs / discard_mbs, 3),
            "rss_growth_mib": round(growth / MiB, 1),
            "rss_growth_discard_mib": round(max(discard_growth) / MiB, 1),
            "reference": "in-server body drop (bench/upload.py reference_app)",
            "targets_met": growth < 3 * CHUNK,
        }
        print(json.dumps(result))
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
        stop_embedded_postgres(data_dir / "pg")
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
