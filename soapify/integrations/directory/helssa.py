"""The ``helssa`` directory: the Helssa patient API over HTTP (read-only).

    GET {base_url}/patients/?q=<query>&limit=<n>  -> {"results": [<patient>, ...]}
    GET {base_url}/patients/<ref>/                -> <patient>, or 404
    GET {base_url}/health/                        -> any 2xx
    <patient> = {"patient_ref", "full_name", "national_id"?, "birth_date"? (YYYY-MM-DD), "sex"?}

Authenticated with ``Authorization: Bearer <api_key>``. Called inside web requests, so this engine
is the one retry layer (``core.http.engine_session``: connection failures and ``max_retries``
429/5xx answers, short backoff; time-outs are not retried). Failures become an ``EngineError``
whose code the API turns into 504 (time-out) or 502 (unavailable, malformed reply); messages carry
the failure kind only, never the key, the query or the provider's answer.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import quote

import requests

from soapify.core.engines import EngineError
from soapify.core.http import BAD_URL, engine_session

from .base import SEXES, DirectoryRecord

logger = logging.getLogger("soapify.integrations")

MAX_REF = 64
MAX_TEXT = 200


class HelssaDirectory:
    provider = "helssa"

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        timeout: float = 5.0,
        max_retries: int = 1,
        backoff: float = 0.3,
    ) -> None:
        self.base_url = (base_url or "").rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.session = engine_session(retries=max(0, int(max_retries)), backoff=backoff)

    # ----------------------------------------------------------------------------------- calls

    def search(self, query: str, *, limit: int) -> list[DirectoryRecord]:
        status, data = self._get("/patients/", {"q": query, "limit": limit})
        if status == 404 or not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise _bad_reply("search")
        return [_record(item) for item in data["results"][:limit]]

    def get(self, ref: str) -> DirectoryRecord | None:
        status, data = self._get(f"/patients/{quote(ref, safe='')}/")
        if status == 404:
            return None
        record = _record(data)
        if record.ref != ref:
            raise _bad_reply("patient (another reference)")
        return record

    def check(self) -> None:
        status, _ = self._get("/health/", parse=False)
        if status == 404:
            raise EngineError(
                "Patient directory: health path not found (HTTP 404)", code="directory_unavailable"
            )

    # --------------------------------------------------------------------------------- helpers

    def _get(self, path: str, params: dict | None = None, *, parse: bool = True) -> tuple[int, Any]:
        if not self.base_url:
            raise EngineError("HELSSA_BASE_URL is not set.", code="directory_misconfigured")
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            response = self.session.get(
                self.base_url + path, params=params, headers=headers, timeout=self.timeout
            )
        except BAD_URL:
            raise EngineError(
                "HELSSA_BASE_URL is not a usable URL.", code="directory_misconfigured"
            ) from None
        except requests.Timeout:
            logger.warning("patient directory call failed: timeout")
            raise EngineError(
                "Patient directory did not answer in time.", transient=True, code="directory_timeout"
            ) from None
        except requests.RequestException:
            logger.warning("patient directory call failed: connection")
            raise EngineError(
                "Patient directory unavailable: connection failed.",
                transient=True,
                code="directory_unavailable",
            ) from None
        status = response.status_code
        if status == 404:
            return status, None
        if status == 429 or status >= 500:
            logger.warning("patient directory call failed: HTTP %d", status)
            raise EngineError(
                f"Patient directory unavailable: HTTP {status}.", transient=True, code="directory_unavailable"
            )
        if status >= 400:
            logger.warning("patient directory refused the call: HTTP %d", status)
            code = "directory_misconfigured" if status in (401, 403) else "directory_unavailable"
            raise EngineError(f"Patient directory refused the call: HTTP {status}.", code=code)
        if not parse:
            return status, None
        try:
            return status, response.json()
        except ValueError:
            raise _bad_reply("not JSON") from None


def _bad_reply(what: str) -> EngineError:
    logger.warning("patient directory sent a malformed reply (%s)", what)
    return EngineError(f"Patient directory sent a malformed reply ({what}).", code="directory_bad_reply")


def _text(item: dict, key: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = item.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise _bad_reply(f"field {key}")
    return value.strip()


def _record(item: Any) -> DirectoryRecord:
    if not isinstance(item, dict):
        raise _bad_reply("patient is not an object")
    birth = item.get("birth_date")
    birth_date = None
    if birth is not None:
        try:
            birth_date = date.fromisoformat(birth) if isinstance(birth, str) else None
        except ValueError:
            birth_date = None
        if birth_date is None:
            raise _bad_reply("field birth_date")
    sex = (item.get("sex") or "unknown") if isinstance(item.get("sex") or "", str) else None
    if sex is None or sex.lower() not in SEXES:
        raise _bad_reply("field sex")
    return DirectoryRecord(
        ref=_text(item, "patient_ref", required=True, limit=MAX_REF),
        full_name=_text(item, "full_name", required=True),
        national_id=_text(item, "national_id", limit=20),
        birth_date=birth_date,
        sex=sex.lower(),
    )
