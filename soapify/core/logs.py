"""Logs: structured (JSON in production) with a request id and a job id, and never a secret.

* ``redact(text)``: share-link, signed-download and signed-upload tokens in URL paths, secret query
  parameters (``token``, ``signature``, ``X-Amz-Signature``…) and passwords in URLs become
  ``[redacted]``. Every log line written through ``structured_formatter`` (Django, Celery, our own
  loggers, django-structlog's request events) and the gunicorn access log go through it.
* ``RequestIdMiddleware``: a sane ``X-Request-ID`` from the client is kept, anything else is
  replaced by a new one; django-structlog binds it to every log line of the request and the
  response echoes it.
* ``structured_formatter``: the ``logging`` formatter named in ``settings.LOGGING`` (structlog's
  stdlib integration): ``LOG_FORMAT=json`` gives one JSON object a line, ``console`` readable lines.
* ``GunicornLogger``: gunicorn's logger with the same redaction (``gunicorn.conf.py``).
"""

from __future__ import annotations

import json
import logging
import logging.config
import os
import re
import uuid
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import structlog
from django.conf import settings
from gunicorn.glogging import Logger as _GunicornBaseLogger

REDACTED = "[redacted]"

#: URL paths whose next segment is a bearer secret (see outputs/urls.py and encounters/urls_audio.py).
SECRET_PATH_PREFIXES: tuple[str, ...] = ("/api/outputs/access/", "/api/outputs/file/", "/api/audio/upload/")
#: Query parameters that carry secrets or patient details (compared case-insensitively).
SECRET_QUERY_PARAMS: frozenset[str] = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "signature",
        "sig",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "api_key",
        "apikey",
        "password",
        # search words: patient names, drugs, diagnoses (PHI) in /api/search/, the patient
        # directory's search and list filters; the search app keeps its own query log for its author
        "q",
        "search",
    }
)

_SECRET_PATH = re.compile("(" + "|".join(re.escape(p) for p in SECRET_PATH_PREFIXES) + r")[^/?#\s\"'<>]+")
_SECRET_QUERY = re.compile(
    r"(?i)((?:^|[?&;\s])(?:"
    + "|".join(re.escape(p) for p in sorted(SECRET_QUERY_PARAMS))
    + r")=)[^&#\s\"'<>]*"
)
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with secret URL path segments, secret query values and URL passwords replaced."""
    if not text or ("/" not in text and "=" not in text):
        return text
    text = _SECRET_PATH.sub(r"\1" + REDACTED, text)
    text = _SECRET_QUERY.sub(r"\1" + REDACTED, text)
    return _URL_PASSWORD.sub(r"\1" + REDACTED + "@", text)


def redact_query_string(query: str) -> str:
    """A raw query string (no leading ``?``) with the values of secret parameters replaced."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k.lower() in SECRET_QUERY_PARAMS for k, _ in pairs):
        return redact(query)  # nothing to rewrite, but a value may still hold a URL with a token
    return urlencode(
        [(k, REDACTED if k.lower() in SECRET_QUERY_PARAMS else redact(v)) for k, v in pairs],
        safe="[]/:",
        quote_via=quote,
    )


# ------------------------------------------------------------------------------------- request ids

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id_from(value: str | None) -> str:
    """The client's request id if it is sane (1-128 of ``A-Z a-z 0-9 . _ : -``), else a new one."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives every request an id (``X-Request-ID``) and echoes it in the response.

    It runs before django-structlog's ``RequestMiddleware``, which binds ``request.META``'s value
    to the request's log lines (``DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID``); an id that is not
    sane (too long, control characters, spaces…) is replaced here so it never reaches a log.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.META["HTTP_X_REQUEST_ID"] = request_id
        request.request_id = request_id
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def configure_logging_from_settings(**_kwargs: Any) -> None:
    """Celery ``setup_logging`` receiver: workers log through ``settings.LOGGING`` like the web."""
    logging.config.dictConfig(settings.LOGGING)


def bind_job_id(sender, task, **kwargs) -> None:
    """django-structlog (worker) receiver: the log lines of a ``run_job`` task carry its job id."""
    if task.name != "soapify.core.tasks.run_job":
        return
    request = task.request
    job_id = (request.kwargs or {}).get("job_id") or next(iter(request.args or ()), None)
    if job_id:
        structlog.contextvars.bind_contextvars(job_id=str(job_id))


# ------------------------------------------------------------------------------------- formatting


def _redact_event(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = redact(value)
    return event_dict


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


_configured = False


def configure_structlog() -> None:
    """structlog's loggers hand their events to ``logging`` (so one handler configuration serves
    both); called by ``structured_formatter``, i.e. when Django or gunicorn configure logging."""
    global _configured
    if _configured:
        return
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _configured = True


def structured_formatter(fmt: str = "console") -> logging.Formatter:
    """The formatter of every log handler: ``fmt`` is ``json`` or ``console`` (``LOG_FORMAT``)."""
    if fmt not in ("json", "console"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'console', got {fmt!r}")
    configure_structlog()
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact_event,
            renderer,
        ],
    )


# ------------------------------------------------------------------------------------- gunicorn


class RedactingFormatter(logging.Formatter):
    """A plain ``logging.Formatter`` whose output goes through ``redact``."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class GunicornLogger(_GunicornBaseLogger):
    """gunicorn's logger without secrets in its access log: the request line, path, query string,
    referer and every header or environ atom are redacted. ``LOG_FORMAT=json`` (the ``log_format``
    class attribute, set from the environment in gunicorn.conf.py) writes one JSON object a line,
    with the request id the app echoed; ``console`` keeps gunicorn's access-log format."""

    #: ``json`` or ``console``; unset: ``LOG_FORMAT`` from the environment, else ``json`` in
    #: production (``SOAPIFY_ENV=production``) and ``console`` otherwise, like settings.py.
    log_format: str | None = None

    def setup(self, cfg) -> None:
        if self.log_format is None:
            production = os.environ.get("SOAPIFY_ENV", "development") == "production"
            self.log_format = os.environ.get("LOG_FORMAT") or ("json" if production else "console")
        super().setup(cfg)
        formatter = (
            structured_formatter("json")
            if self.log_format == "json"
            else RedactingFormatter(self.error_fmt, self.datefmt)
        )
        for handler in self.error_log.handlers:
            if getattr(handler, "_gunicorn", False):
                handler.setFormatter(formatter)

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str) and key not in ("q", "{query_string}e"):
                atoms[key] = redact(value)
        atoms["q"] = redact_query_string(atoms.get("q") or "")
        if "{query_string}e" in atoms:
            atoms["{query_string}e"] = atoms["q"]
        return atoms

    def access(self, resp, req, environ, request_time) -> None:
        if self.log_format != "json":
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        a = self.atoms(resp, req, environ, request_time)
        record = {
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "level": "info",
            "logger": "gunicorn.access",
            "event": "access",
            "remote_addr": a.get("h"),
            "method": a.get("m"),
            "path": a.get("U"),
            "query": a.get("q") or "",
            "protocol": a.get("H"),
            "status": _int_or_none(a.get("s")),
            "bytes": a.get("B"),
            "duration_ms": a.get("M"),
            "referer": a.get("f"),
            "user_agent": a.get("a"),
            "request_id": a.get("{x-request-id}o"),
        }
        try:
            self.access_log.info(json.dumps(record, ensure_ascii=False, default=str))
        except Exception:
            self.exception("could not write the access log")


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
