"""The real-worker fixture of tests/core/test_job_workers.py, for the cancel tests here."""

from tests.core.test_job_workers import cluster  # noqa: F401 - a pytest fixture
