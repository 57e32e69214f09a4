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

# Logs without secrets: share-link and signed-URL tokens, signatures and URL passwords are redacted
# from the access and error logs. LOG_FORMAT=json (the production default) writes one JSON object a
# line with the request id; console keeps this format, followed by the duration and request id.
logger_class = "soapify.core.logs.GunicornLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
