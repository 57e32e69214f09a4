"""The embedded PostgreSQL server's own settings (``soapify.dbserver``): written, included, applied."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured

from soapify import dbserver


def _stop(pgdata: Path) -> None:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return
    os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
    deadline = time.monotonic() + 30
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)


def _shared_buffers(config: dict) -> str:
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"] or None, user=config["USER"], dbname=config["NAME"]
    ) as conn:
        return conn.execute("SHOW shared_buffers").fetchone()[0]


def test_the_settings_file_is_written_once_and_included_once(tmp_path):
    (tmp_path / "postgresql.conf").write_text("max_connections = 100\n")
    assert dbserver._write_settings(tmp_path, dbserver.server_settings("256MB")) is True
    assert (
        dbserver._write_settings(tmp_path, dbserver.server_settings("256MB")) is False
    )  # nothing changed: no restart is asked for
    conf = (tmp_path / "postgresql.conf").read_text()
    assert conf.startswith("max_connections = 100\n")
    assert conf.count(f"include_if_exists = '{dbserver.SETTINGS_FILE}'") == 1
    assert (tmp_path / dbserver.SETTINGS_FILE).read_text() == "shared_buffers = '256MB'\n"
    assert dbserver._write_settings(tmp_path, dbserver.server_settings("512MB")) is True
    assert (tmp_path / dbserver.SETTINGS_FILE).read_text() == "shared_buffers = '512MB'\n"


@pytest.mark.parametrize("value", ["", "1 GB", "1GB' listen_addresses='*", "-1MB", "0MB", "lots"])
def test_a_malformed_size_is_a_clear_configuration_error(value, tmp_path):
    (tmp_path / "postgresql.conf").write_text("")
    with pytest.raises(ImproperlyConfigured, match="EMBEDDED_PG_SHARED_BUFFERS"):
        dbserver.embedded_database_config(tmp_path, shared_buffers=value)
    assert not (tmp_path / dbserver.SETTINGS_FILE).exists()
    assert (tmp_path / "postgresql.conf").read_text() == ""  # nothing written
    assert not (tmp_path / "pg").exists()  # no server created or started


@pytest.mark.skipif(os.environ.get("DATABASE_URL"), reason="an external server is configured")
def test_a_new_embedded_server_runs_with_the_settings_from_its_first_start(tmp_path):
    """A fresh data folder: initdb starts the server with PostgreSQL's defaults (128MB); it is
    restarted once, so the first connection already sees the setting. A later change applies when
    the server next starts."""
    pgdata = tmp_path / "pg"
    try:
        config = dbserver.embedded_database_config(tmp_path, shared_buffers="48MB")
        assert _shared_buffers(config) == "48MB"
        config = dbserver.embedded_database_config(tmp_path, shared_buffers="40MB")
        assert _shared_buffers(config) == "48MB"  # running: not restarted under its clients
        _stop(pgdata)
        import pgserver

        pgserver.PostgresServer._instances.pop(pgdata.resolve(), None)  # the handle of the stopped one
        config = dbserver.embedded_database_config(tmp_path, shared_buffers="40MB")
        assert _shared_buffers(config) == "40MB"
    finally:
        _stop(pgdata)


def test_make_stop_db_stops_the_embedded_server(tmp_path):
    pgdata = tmp_path / "pg"
    assert dbserver.stop_embedded(tmp_path) is False  # nothing there
    try:
        dbserver.embedded_database_config(tmp_path, shared_buffers="32MB")
        assert (pgdata / "postmaster.pid").exists()
        assert dbserver.stop_embedded(tmp_path) is True
        assert not (pgdata / "postmaster.pid").exists()
        assert dbserver.stop_embedded(tmp_path) is False
        config = dbserver.embedded_database_config(tmp_path, shared_buffers="32MB")  # starts again
        assert _shared_buffers(config) == "32MB"
    finally:
        _stop(pgdata)
