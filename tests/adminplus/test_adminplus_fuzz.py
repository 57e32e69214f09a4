"""schemathesis over the /adminplus/api/ operations as an administrator (tests/test_schemathesis.py
sends every operation as a doctor, who gets 403 here): real job and export ids for the path
parameters, random ids, generated and malformed queries and bodies. Every response must be no
server error, a documented status and content type, and match the documented schema."""

from __future__ import annotations

import pytest
from django.test import TestCase

from soapify.adminplus import services
from soapify.core.jobs import job_start
from tests.conftest import PASSWORD
from tests.test_schemathesis import _run, connection_kept

pytestmark = pytest.mark.django_db


def test_every_adminplus_operation_answers_as_documented_to_an_administrator(admin_user, alice, client):
    with TestCase.captureOnCommitCallbacks(execute=True):
        export = services.export_start(user=admin_user)
        job = job_start(kind="core.ping", owner=alice)
    ids = {"export_id": str(export.pk), "job_id": str(job.pk)}
    admin_user.set_password(PASSWORD)
    admin_user.save()
    access = client.post("/api/auth/token/", {"username": admin_user.username, "password": PASSWORD}).json()[
        "access"
    ]
    with connection_kept():
        figures, failures = _run(
            ids, access, include=lambda path: path.startswith("/adminplus/"), anonymous=False
        )
    assert figures["operations"] == 10
    assert not failures, "\n".join(sorted(set(failures)))
    assert figures["2xx"] > 0
