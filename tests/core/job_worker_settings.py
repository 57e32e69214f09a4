"""Settings of the real worker subprocesses started by tests/core/workers.py: the project's settings
with the slow fakes of tests/core/job_fakes.py as engines and outputs storage, and the test run's own
key prefix on the Redis broker (concurrent test runs share the broker's Redis db)."""

import os

from soapify.settings import *  # noqa: F403
from soapify.settings import CELERY_BROKER_TRANSPORT_OPTIONS, MEDIA_ROOT, NOTE_ENGINES, STORAGES

STT_ENGINES = {"default": {"BACKEND": "tests.core.job_fakes.SlowSTTEngine", "OPTIONS": {}}}
NOTE_ENGINES = {**NOTE_ENGINES, "default": {"BACKEND": "tests.core.job_fakes.SlowNoteEngine", "OPTIONS": {}}}
STORAGES = {
    **STORAGES,
    "outputs": {
        "BACKEND": "tests.core.job_fakes.SlowStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "private"), "base_url": None},
    },
}
if os.environ.get("JOB_TEST_BROKER_PREFIX"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "global_keyprefix": os.environ["JOB_TEST_BROKER_PREFIX"],
    }
if os.environ.get("JOB_TEST_BROKER_DIR"):  # the filesystem broker (`make run`'s) in the test's own folder
    _folder = os.environ["JOB_TEST_BROKER_DIR"]
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "data_folder_in": f"{_folder}/queue",
        "data_folder_out": f"{_folder}/queue",
        "processed_folder": f"{_folder}/processed",
        "control_folder": f"{_folder}/control",
    }
