"""Stop the embedded PostgreSQL that `make run` (or a test run) started in SOAPIFY_DATA_DIR/pg
(``make stop-db``). It outlives `make run` on purpose: the next start reuses it. A DATABASE_URL
deployment never uses it.

    .venv/bin/python scripts/stop_embedded_db.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from soapify.dbserver import stop_embedded  # noqa: E402

if __name__ == "__main__":
    data_dir = Path(os.environ.get("SOAPIFY_DATA_DIR", str(ROOT / "var"))).resolve()
    stopped = stop_embedded(data_dir)
    print(f"embedded PostgreSQL in {data_dir / 'pg'}: {'stopped' if stopped else 'not running'}")
