"""``/api/integrations/health/``: each integration's status, the latency of its last check and its
last error, without secrets.

The checks are registered in the project's health registry (``core.health``: ``patient_directory``,
``sms``, ``llm``, ``stt``; ``storage`` is the registry's own), so readiness and AdminPlus can run
them too. Each result is cached for ``INTEGRATIONS_HEALTH_CACHE_SECONDS`` in the shared cache, so
however often the endpoint is called, a provider is asked at most once per period per check; the
last error is kept for a day. Engines that run in-process (console SMS, the rules engines,
Whisper) have no provider to ask: they are ``up`` with ``remote: false``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache

from soapify.core.engines import EngineError
from soapify.core.health import CheckFailed, health_check, registered_checks, run_check
from soapify.core.http import engine_session

from .directory import directory_engines
from .sms import sms_engines

INTEGRATIONS = ("patient_directory", "sms", "llm", "stt", "storage")
_LAST_ERROR_SECONDS = 86400


def _engine_name(setting: str) -> str:
    return str(getattr(settings, setting, "") or "")


def _remote() -> dict[str, bool]:
    llm_used = settings.NLP_ENGINE == "llm" or settings.CHECKLIST_ENGINE == "llm"
    return {
        "patient_directory": settings.PATIENT_DIRECTORY_ENGINE != "local",
        "sms": settings.SMS_ENGINE != "console",
        "llm": bool(llm_used),
        "stt": settings.STT_ENGINE == "openai",
        "storage": True,
    }


def _engines() -> dict[str, str]:
    return {
        "patient_directory": _engine_name("PATIENT_DIRECTORY_ENGINE"),
        "sms": _engine_name("SMS_ENGINE"),
        "llm": _engine_name("NLP_ENGINE") + "/" + _engine_name("CHECKLIST_ENGINE"),
        "stt": _engine_name("STT_ENGINE"),
        "storage": str(settings.STORAGES.get("default", {}).get("BACKEND", "")).rsplit(".", 1)[-1],
    }


def _models_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    return (base if base.endswith("/v1") else base + "/v1") + "/models"


def _probe_openai(base_url: str | None, api_key: str | None, what: str) -> None:
    """``GET {base}/v1/models`` answers 2xx (an OpenAI-compatible API is up and takes the key)."""
    if not base_url:
        raise CheckFailed(f"{what} base URL is not set")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = engine_session(connect_retries=0).get(
            _models_url(base_url), headers=headers, timeout=settings.INTEGRATIONS_HEALTH_TIMEOUT
        )
    except requests.Timeout:
        raise CheckFailed(f"{what}: timeout") from None
    except requests.RequestException:
        raise CheckFailed(f"{what}: connection failed") from None
    if response.status_code >= 400:
        raise CheckFailed(f"{what}: HTTP {response.status_code}")


def _engine_check(engine: Any, what: str) -> None:
    check = getattr(engine, "check", None)
    if not callable(check):
        raise CheckFailed(f"{what}: the engine has no check")
    try:
        check()
    except EngineError as exc:
        raise CheckFailed(f"{what}: {exc.message}") from None


@health_check("patient_directory")
def check_patient_directory() -> None:
    _engine_check(directory_engines["default"], "patient directory")


@health_check("sms")
def check_sms() -> None:
    engine = sms_engines["default"]
    if callable(getattr(engine, "check", None)):
        _engine_check(engine, "SMS provider")
    elif settings.SMS_ENGINE == "http" and not settings.SMS_ENGINES["http"]["OPTIONS"].get("url"):
        raise CheckFailed("SMS provider: SMS_HTTP_URL is not set")


@health_check("llm")
def check_llm() -> None:
    if _remote()["llm"]:
        _probe_openai(settings.LLM_BASE_URL, settings.LLM_API_KEY, "LLM provider")


@health_check("stt")
def check_stt() -> None:
    if _remote()["stt"]:
        options = settings.STT_ENGINES["openai"]["OPTIONS"]
        _probe_openai(options.get("base_url"), options.get("api_key"), "STT provider")


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _one(name: str, engine: str) -> dict[str, Any]:
    key = f"integrations:health:{name}:{engine}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    if name not in registered_checks():
        body: dict[str, Any] = {"status": "unknown", "latency_ms": None, "error": f"no {name} check"}
    else:
        result = run_check(name)
        body = {"status": "up" if result.up else "down", "latency_ms": result.latency_ms}
        if result.error:
            body["error"] = result.error
            cache.set(f"{key}:last-error", {"error": result.error, "at": _now()}, _LAST_ERROR_SECONDS)
    body["checked_at"] = _now()
    cache.set(key, body, settings.INTEGRATIONS_HEALTH_CACHE_SECONDS)
    return body


def integrations_health() -> dict[str, Any]:
    """``{"status": "up" | "degraded", "integrations": {name: {engine, status, latency_ms,
    checked_at, last_error, last_error_at}}}``."""
    remote, engines = _remote(), _engines()
    found: dict[str, Any] = {}
    for name in INTEGRATIONS:
        body = dict(_one(name, engines[name]))
        last = cache.get(f"integrations:health:{name}:{engines[name]}:last-error") or {}
        body.pop("error", None)
        found[name] = {
            "engine": engines[name],
            "remote": remote[name],
            **body,
            "last_error": last.get("error"),
            "last_error_at": last.get("at"),
        }
    down = any(item["status"] == "down" for item in found.values())
    return {"status": "degraded" if down else "up", "integrations": found}
