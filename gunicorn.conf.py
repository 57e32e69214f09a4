"""gunicorn settings used by `make run` and the benchmarks (override with GUNICORN_* env vars)."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads let a worker serve other requests while one waits on PostgreSQL.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
