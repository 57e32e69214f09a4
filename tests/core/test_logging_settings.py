"""Settings of logs and links read from the environment: LOG_FORMAT (json in production, console
otherwise, nothing else accepted) and PUBLIC_BASE_URL following PORT."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def settings_of(*names: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("PORT", "PUBLIC_BASE_URL", "LOG_FORMAT")}
    full_env.update(env)
    code = "import soapify.settings as s; print(" + ", ".join(f"s.{n}" for n in names) + ")"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_public_base_url_follows_port_unless_set():
    assert settings_of("PUBLIC_BASE_URL", "LOG_FORMAT", PORT="9123").stdout.split() == [
        "http://127.0.0.1:9123",
        "console",
    ]
    out = settings_of("PUBLIC_BASE_URL", PORT="9123", PUBLIC_BASE_URL="https://notes.example.org/")
    assert out.stdout.strip() == "https://notes.example.org"
    assert settings_of("PUBLIC_BASE_URL").stdout.strip() == "http://127.0.0.1:8000"


def test_an_unknown_log_format_refuses_to_start():
    out = settings_of("LOG_FORMAT", LOG_FORMAT="xml")
    assert out.returncode != 0 and "LOG_FORMAT must be 'json' or 'console'" in out.stderr
    assert settings_of("LOG_FORMAT", LOG_FORMAT="json").stdout.strip() == "json"
