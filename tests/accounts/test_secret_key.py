"""``make run`` (settings outside production, no SECRET_KEY) signs with a random key kept in the data
folder, never a published default; the JWT key follows it; HTTP Basic is off unless DEBUG."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from soapify.settings import local_secret_key

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({'key': s.SECRET_KEY, "
    "'jwt': s.SIMPLE_JWT['SIGNING_KEY'], 'basic': s.HTTP_BASIC_AUTH, "
    "'auth': s.REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']}))"
)
UNSET = ("SECRET_KEY", "JWT_SIGNING_KEY", "DEBUG", "HTTP_BASIC_AUTH", "SOAPIFY_TESTING", "SOAPIFY_ENV")


def start_settings(data_dir: Path, **env: str) -> subprocess.Popen:
    """A process that loads the settings the way ``make run`` does (no database is contacted)."""
    full_env = {k: v for k, v in os.environ.items() if k not in UNSET}
    full_env.update(
        DJANGO_SETTINGS_MODULE="soapify.settings",
        SOAPIFY_DATA_DIR=str(data_dir),
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        **env,
    )
    return subprocess.Popen(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def settings_of(data_dir: Path, **env: str) -> dict:
    out, err = start_settings(data_dir, **env).communicate(timeout=120)
    assert out, err
    return json.loads(out)


def test_make_run_makes_a_random_secret_key_on_first_run_and_reuses_it(tmp_path):
    first = settings_of(tmp_path)
    again = settings_of(tmp_path)
    assert len(first["key"]) >= 50 and first["key"] == again["key"]
    assert "dev-insecure" not in first["key"]
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first["key"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first["jwt"] == first["key"]  # the JWT signing key follows SECRET_KEY
    assert settings_of(tmp_path / "elsewhere")["key"] != first["key"]  # every data folder its own


def test_processes_starting_together_share_one_key(tmp_path):
    processes = [start_settings(tmp_path) for _ in range(4)]
    keys = {json.loads(p.communicate(timeout=120)[0])["key"] for p in processes}
    assert len(keys) == 1
    assert [p.name for p in tmp_path.iterdir() if "secret_key" in p.name] == ["secret_key"]  # no leftovers


def test_a_secret_key_or_jwt_key_from_the_environment_wins(tmp_path):
    chosen = "k" * 60
    out = settings_of(tmp_path, SECRET_KEY=chosen, JWT_SIGNING_KEY="j" * 60)
    assert (out["key"], out["jwt"]) == (chosen, "j" * 60)
    assert not (tmp_path / "secret_key").exists()


def test_http_basic_is_off_unless_debug_or_asked_for(tmp_path):
    basic = "soapify.accounts.basic.BasicAuthentication"
    off = settings_of(tmp_path)
    assert off["basic"] is False and basic not in off["auth"]
    assert settings_of(tmp_path, DEBUG="true")["basic"] is True
    assert basic in settings_of(tmp_path, HTTP_BASIC_AUTH="true")["auth"]


def test_threads_making_the_key_at_once_agree_on_it(tmp_path):
    path = tmp_path / "secret_key"
    keys: list[str] = []
    start = threading.Barrier(8)

    def make() -> None:
        start.wait()
        keys.append(local_secret_key(path))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1 and keys[0] == path.read_text()


def test_an_unusable_key_file_is_a_clear_error(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("short\n")
    with pytest.raises(ImproperlyConfigured, match="delete it"):
        local_secret_key(path)
