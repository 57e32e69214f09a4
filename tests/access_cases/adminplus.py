"""AdminPlus routes in the access matrix: staff only (doctors 403, anonymous 401), except the
export archive's signed URL, which works for whoever holds it (like the outputs' signed files)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.test import TestCase

from soapify.accounts.models import User
from soapify.adminplus import services
from soapify.core.models import Job
from tests.access import PUBLIC, Case

STAFF = {"other": 403, "admin": 200}


def _job(w, status: str) -> Job:
    return Job.objects.create(
        kind="core.ping", owner=w.alice, status=status, celery_task_id=str(uuid.uuid4())
    )


def _export(w) -> Job:
    """A finished export (built once per world)."""
    if not hasattr(w, "_adminplus_export"):
        admin = User.objects.filter(role="admin").first() or w.alice
        with TestCase.captureOnCommitCallbacks(execute=True):  # the job is sent when this commits
            job = services.export_start(user=admin)
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED, (job.status, job.error, job.waits_for_id)
        w._adminplus_export = job
    return w._adminplus_export


def _export_file(w) -> str:
    url = urlsplit(_export(w).result["download_url"])
    return f"{url.path}?{url.query}"


CASES = {
    ("adminplus/api/health/", "GET"): Case(lambda w: "/adminplus/api/health/", 403, **STAFF),
    ("adminplus/api/logs/", "GET"): Case(lambda w: "/adminplus/api/logs/", 403, **STAFF),
    ("adminplus/api/tasks/", "GET"): Case(lambda w: "/adminplus/api/tasks/", 403, **STAFF),
    ("adminplus/api/tasks/stats/", "GET"): Case(lambda w: "/adminplus/api/tasks/stats/", 403, **STAFF),
    ("adminplus/api/tasks/<uuid:job_id>/", "GET"): Case(
        lambda w: f"/adminplus/api/tasks/{w.job}/", 403, **STAFF
    ),
    ("adminplus/api/tasks/cancel/", "POST"): Case(
        lambda w: "/adminplus/api/tasks/cancel/",
        403,
        other=403,
        admin=201,
        body=lambda w: {"task_id": str(_job(w, Job.Status.QUEUED).pk)},
    ),
    ("adminplus/api/tasks/retry/", "POST"): Case(
        lambda w: "/adminplus/api/tasks/retry/",
        403,
        other=403,
        admin=201,
        body=lambda w: {"task_id": str(_job(w, Job.Status.FAILED).pk)},
    ),
    ("adminplus/api/export/", "POST"): Case(lambda w: "/adminplus/api/export/", 403, other=403, admin=201),
    ("adminplus/api/export/<uuid:export_id>/download/", "POST"): Case(
        lambda w: f"/adminplus/api/export/{_export(w).pk}/download/", 403, other=403, admin=201
    ),
    ("adminplus/api/export/file/", "GET"): Case(_export_file, 200, **PUBLIC),
}
