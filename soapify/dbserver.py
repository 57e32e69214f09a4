"""The embedded PostgreSQL 16 + pgvector used when no ``DATABASE_URL`` is set (``pgserver`` wheel)."""

from __future__ import annotations

import fcntl
import logging
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


#: the embedded server's own settings, in a file that postgresql.conf includes
SETTINGS_FILE = "soapify.conf"


def server_settings(shared_buffers: str) -> str:
    """The settings file's text. ``shared_buffers`` (``EMBEDDED_PG_SHARED_BUFFERS``, default 1GB;
    PostgreSQL's own default is 128MB): the search index's owner-scoped vector list reads ~350 MB of
    index per 100k segments, and with 128MB every search read hundreds of its pages back from the OS
    (docs/SEARCH.md). PostgreSQL uses the memory as the buffers fill."""
    value = shared_buffers.strip()
    if not re.fullmatch(r"[1-9][0-9]*(kB|MB|GB|TB)", value):
        raise ImproperlyConfigured(
            f"EMBEDDED_PG_SHARED_BUFFERS={value!r}: give a size such as 256MB or 1GB (units kB, MB, GB, TB)"
        )
    return f"shared_buffers = '{value}'\n"


def _write_settings(pgdata: Path, wanted: str) -> bool:
    """Write ``wanted`` (:func:`server_settings`) to :data:`SETTINGS_FILE` and include that file from
    ``postgresql.conf``; True if either changed."""
    conf = pgdata / "postgresql.conf"
    include = f"include_if_exists = '{SETTINGS_FILE}'"
    changed = False
    text = conf.read_text()
    if include not in text.splitlines():
        conf.write_text(f"{text.rstrip()}\n\n# SOAPify's settings for the embedded server\n{include}\n")
        changed = True
    path = pgdata / SETTINGS_FILE
    if not path.exists() or path.read_text() != wanted:
        path.write_text(wanted)
        path.chmod(0o644)
        changed = True
    return changed


def embedded_database_config(data_dir: Path, *, shared_buffers: str = "1GB") -> dict:
    """Start (or reuse) the embedded server in ``data_dir/pg`` and return a Django DATABASES entry."""
    run_dir = data_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run_dir))
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    import pgserver

    wanted = server_settings(shared_buffers)  # a malformed setting stops here, before anything starts
    pgdata = data_dir / "pg"
    # one process at a time creates, configures and (re)starts the server: a second one waits here
    # and then finds it initialised, configured and running
    with open(run_dir / "pg-start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fresh = not (pgdata / "PG_VERSION").exists()
        if not fresh and _write_settings(pgdata, wanted):
            logger.info(
                "embedded PostgreSQL: %s written; it applies when the server next starts", SETTINGS_FILE
            )
        server = pgserver.get_server(pgdata, cleanup_mode=None)
        if fresh:
            _write_settings(pgdata, wanted)
            # initdb just ran inside get_server and started the server with PostgreSQL's defaults:
            # restart it once (pg_ctl reuses the start's options) so the settings hold from the start
            from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # made at import time

            pg_ctl(
                ["-w", "-l", str(server.log), "restart"],
                pgdata=server.pgdata,
                user=server.system_user,
                timeout=60,
            )
    uri = urlparse(server.get_uri())
    host = parse_qs(uri.query).get("host", [uri.hostname or "127.0.0.1"])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": (uri.path or "/postgres").lstrip("/") or "postgres",
        "USER": uri.username or "postgres",
        "PASSWORD": uri.password or "",
        "HOST": host,
        "PORT": str(uri.port or ""),
    }


def stop_embedded(data_dir: Path) -> bool:
    """Stop the embedded server of ``data_dir`` (``make stop-db``); False when none is running.
    The server outlives ``make run`` on purpose, so the next start reuses it."""
    pgdata = data_dir / "pg"
    if not (pgdata / "postmaster.pid").exists():
        return False
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # made at import time

    user = "pgserver" if os.geteuid() == 0 else None  # pgserver runs the server as this user under root
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)
    import pgserver

    pgserver.PostgresServer._instances.pop(pgdata.resolve(), None)  # this process's handle, if any
    return True
