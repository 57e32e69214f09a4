"""Engine registry: engines chosen by settings the way Django chooses ``STORAGES`` and ``CACHES``.

    STT_ENGINES = {"default": {"BACKEND": "soapify.stt.engines.pocketsphinx.PocketSphinxEngine",
                               "OPTIONS": {...}}}

``EngineHandler("STT_ENGINES")["default"]`` imports the class lazily, builds it once per alias with
``OPTIONS`` as keyword arguments, and raises ``ImproperlyConfigured`` on a bad alias or path. The
cache is cleared when the setting changes (``override_settings`` in tests).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string


class EngineError(Exception):
    """The one error type of every engine. ``transient`` errors are worth retrying; ``retry_after``
    (seconds) is how long the provider asked to wait first (its ``Retry-After``), if it said."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool = False,
        code: str = "engine_error",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.code = code
        self.retry_after = retry_after


class EngineHandler:
    def __init__(self, setting_name: str) -> None:
        self.setting_name = setting_name
        self._instances: dict[str, Any] = {}
        self._lock = threading.Lock()
        setting_changed.connect(self._on_setting_changed, weak=False)

    @property
    def config(self) -> dict[str, dict]:
        return getattr(settings, self.setting_name, {}) or {}

    def aliases(self) -> list[str]:
        return list(self.config)

    def __getitem__(self, alias: str) -> Any:
        inst = self._instances.get(alias)
        if inst is not None:
            return inst
        with self._lock:
            inst = self._instances.get(alias)
            if inst is None:
                inst = self.create(alias)
                self._instances[alias] = inst
        return inst

    def create(self, alias: str) -> Any:
        try:
            conf = self.config[alias]
        except KeyError:
            raise ImproperlyConfigured(f"{self.setting_name} has no engine alias {alias!r}.") from None
        backend = str(conf.get("BACKEND") or "")
        try:
            cls = import_string(backend)
        except (ImportError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"{self.setting_name}[{alias!r}] BACKEND {backend!r} could not be imported: {exc}"
            ) from exc
        engine = cls(**(conf.get("OPTIONS") or {}))
        if not getattr(engine, "alias", None):
            with contextlib.suppress(AttributeError):
                engine.alias = alias
        return engine

    def _on_setting_changed(self, *, setting: str, **kwargs: Any) -> None:
        if setting == self.setting_name:
            self._instances.clear()

    def reset(self) -> None:
        self._instances.clear()
