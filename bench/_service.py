"""Helpers for benchmarks that drive the real service: a fresh data folder, gunicorn, a load generator."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def stop_embedded_postgres(pgdata: Path) -> None:
    """Fast shutdown (SIGINT) of the embedded server a run started in ``pgdata`` (it outlives the
    processes that started it; its pid is in postmaster.pid, and pg_ctl would have to run as the
    server's own user)."""
    import signal

    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGINT)
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and pid_file.exists():
        time.sleep(0.1)


def whisper_model() -> str:
    """The Whisper model the benchmarks run: ``WHISPER_MODEL_PATH``, else the pinned base model that
    ``make models`` assembles into ``var/models/whisper-base``; a clear exit when it is not there."""
    model = os.environ.get("WHISPER_MODEL_PATH") or str(ROOT / "var" / "models" / "whisper-base")
    if not (Path(model) / "model.bin").is_file():
        raise SystemExit(f"no Whisper model in {model}: run `make models` first (or set WHISPER_MODEL_PATH)")
    return model


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        {
            "SOAPIFY_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "soapify.settings",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_AUTH_IP": "10000/min",
            "THROTTLE_AUTH_REQUESTS": "10000/min",
        }
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    out = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


class Gunicorn:
    def __init__(self, env: dict, workers: int = 2, port: int | None = None) -> None:
        self.port = port or free_port()
        self.proc = subprocess.Popen(
            [
                PY,
                "-m",
                "gunicorn",
                "soapify.wsgi:application",
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if request("GET", self.port, "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        import psutil

        return [c.pid for c in psutil.Process(self.proc.pid).children()]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def request(
    method: str,
    port: int,
    path: str,
    body: bytes | dict | None = None,
    headers: dict | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    hdrs = dict(headers or {})
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    if own:
        conn.close()
    return resp.status, data


def token(port: int, username: str, password: str) -> str:
    status, data = request("POST", port, "/api/auth/token/", {"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"token: {status} {data[:200]!r}")
    return json.loads(data)["access"]


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))]

    @classmethod
    def merge(cls, results: list[LoadResult]) -> LoadResult:
        """Several phases of the same load as one."""
        return cls(
            requests=sum(r.requests for r in results),
            errors=sum(r.errors for r in results),
            seconds=sum(r.seconds for r in results),
            latencies_ms=[x for r in results for x in r.latencies_ms],
        )

    def summary(self) -> dict:
        return {
            "req_per_s": round(self.rps, 1),
            "p50_ms": round(self.pct(50), 2),
            "p99_ms": round(self.pct(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0,
            "requests": self.requests,
            "errors": self.errors,
        }


def load(
    port: int, path: str, *, clients: int = 8, seconds: float = 10.0, headers: dict | None = None
) -> LoadResult:
    """``clients`` keep-alive connections hammering ``path`` for ``seconds``."""
    stop = time.perf_counter() + seconds
    lat: list[list[float]] = [[] for _ in range(clients)]
    errs = [0] * clients

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                status, _ = request("GET", port, path, headers=headers, conn=conn)
            except (OSError, http.client.HTTPException):
                errs[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            lat[i].append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errs[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    all_lat = [x for per in lat for x in per]
    return LoadResult(requests=len(all_lat), errors=sum(errs), seconds=elapsed, latencies_ms=all_lat)
