"""JOB_BACKGROUND_QUEUE: the default routes diarization and the search index to `background`; set
empty, every job stays on its handler's queue (read in a fresh process: settings are import-time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PRINT_ROUTES = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.JOB_QUEUES))"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, {"stt.diarize_encounter": "background", "search.reindex": "background"}),
        ("", {}),
        ("slow", {"stt.diarize_encounter": "slow", "search.reindex": "slow"}),
    ],
)
def test_the_background_queue_setting_routes_or_not(value, expected):
    env = {k: v for k, v in os.environ.items() if k != "JOB_BACKGROUND_QUEUE"}
    env["DJANGO_SETTINGS_MODULE"] = "soapify.settings"
    if value is not None:
        env["JOB_BACKGROUND_QUEUE"] = value
    out = subprocess.run(
        [sys.executable, "-c", PRINT_ROUTES], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == expected
