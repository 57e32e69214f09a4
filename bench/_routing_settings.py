"""The project's settings with the job routing of a benchmark run: ``JOB_QUEUES`` (core.jobs.job_queue)
from the environment variable ``BENCH_JOB_QUEUES`` (JSON, ``{kind: queue}``; ``{}``: every job on
its handler's queue). Used by bench/stt_windows.py to compare worker layouts in one session."""

import json
import os

from soapify.settings import *  # noqa: F403

JOB_QUEUES = json.loads(os.environ.get("BENCH_JOB_QUEUES", "{}"))
