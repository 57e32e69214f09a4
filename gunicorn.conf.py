"""gunicorn settings used by `make run` and the benchmarks (override with GUNICORN_* env vars)."""

import os
import signal

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads let a worker serve other requests while one waits on PostgreSQL.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None

# Logs without secrets: share-link and signed-URL tokens, signatures and URL passwords are redacted
# from the access and error logs. LOG_FORMAT=json (the production default) writes one JSON object a
# line with the request id; console keeps this format, followed by the duration and request id.
logger_class = "soapify.core.logs.GunicornLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'


def post_worker_init(worker) -> None:
    """A worker leaves SIGINT to its master. A Ctrl-C (or `make run`'s stop) signals the whole process
    group: each worker got INT and, a moment later, the QUIT its master sends on INT; the gthread
    worker runs its quick shutdown inside the signal handler, so the second one could start while the
    first held its thread pool's lock and wait for it forever, until the master's graceful_timeout
    (30 s) killed the worker. The master's QUIT alone stops it at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
