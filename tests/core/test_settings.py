"""Production mode: refuses to start without a real SECRET_KEY and passes ``check --deploy``."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    out = _manage("check", SOAPIFY_ENV="production")
    assert out.returncode != 0 and "SECRET_KEY" in out.stderr
    out = _manage("check", SOAPIFY_ENV="production", SECRET_KEY="short")
    assert out.returncode != 0 and "SECRET_KEY" in out.stderr


def test_production_passes_check_deploy():
    out = _manage(
        "check",
        "--deploy",
        SOAPIFY_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="soapify.example.org",
        DEBUG="true",
    )
    assert out.returncode == 0, out.stderr
    report = out.stdout + out.stderr
    assert "security." not in report, report
