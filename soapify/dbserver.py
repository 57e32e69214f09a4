"""The embedded PostgreSQL 16 + pgvector used when no ``DATABASE_URL`` is set (``pgserver`` wheel)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

logger = logging.getLogger(__name__)


def embedded_database_config(data_dir: Path) -> dict:
    """Start (or reuse) the embedded server in ``data_dir/pg`` and return a Django DATABASES entry."""
    run_dir = data_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run_dir))
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    import pgserver

    server = pgserver.get_server(data_dir / "pg", cleanup_mode=None)
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
