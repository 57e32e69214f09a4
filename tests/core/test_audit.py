"""The audit trail of patient data: one row per request, written in the request's own
transaction, and the request fails (503, nothing changed) when its row cannot be written."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from soapify.core.audit import AuditedViewMixin, audit_record
from soapify.core.errors import Conflict
from soapify.core.models import AuditLog
from soapify.encounters.models import Encounter

_REFUSE_AUDIT_INSERTS = """
CREATE FUNCTION test_refuse_audit_insert() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit storage unavailable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER test_refuse_audit_insert BEFORE INSERT ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION test_refuse_audit_insert();
"""


@pytest.fixture
def audit_inserts_fail():
    """The database refuses every new audit row (a real failing INSERT, not a patched client)."""
    with connection.cursor() as cur:
        cur.execute(_REFUSE_AUDIT_INSERTS)
    yield
    with connection.cursor() as cur:
        cur.execute("DROP TRIGGER test_refuse_audit_insert ON core_auditlog")
        cur.execute("DROP FUNCTION test_refuse_audit_insert()")


def _rows() -> list[tuple]:
    return list(
        AuditLog.objects.order_by("id").values_list(
            "actor_username", "action", "object_id", "status_code", "outcome"
        )
    )


@pytest.mark.django_db
def test_a_read_leaves_exactly_one_row(alice_client, encounter):
    assert alice_client.get(f"/api/encounters/{encounter.id}/").status_code == 200
    assert _rows() == [("alice", "read", str(encounter.id), 200, "success")]
    row = AuditLog.objects.get()
    assert (row.method, row.path, row.ip) == ("GET", f"/api/encounters/{encounter.id}/", "127.0.0.1")


@pytest.mark.django_db
def test_a_list_read_leaves_exactly_one_row(alice_client, encounter):
    assert alice_client.get("/api/encounters/").status_code == 200
    assert _rows() == [("alice", "list", "", 200, "success")]


@pytest.mark.django_db(transaction=True)
def test_a_write_leaves_exactly_one_committed_row(alice_client):
    r = alice_client.post("/api/encounters/create/", {"patient_ref": "HS-1"}, format="json")
    assert r.status_code == 201
    assert not connection.in_atomic_block  # the request's transaction has ended: what is here is committed
    assert _rows() == [("alice", "create", str(r.json()["id"]), 201, "success")]


@pytest.mark.django_db
def test_a_denied_read_of_another_doctors_encounter_leaves_its_row(bob_client, encounter):
    assert bob_client.get(f"/api/encounters/{encounter.id}/").status_code == 404
    assert _rows() == [("bob", "read", str(encounter.id), 404, "denied")]


@pytest.mark.django_db
def test_an_anonymous_request_leaves_its_row(anon, encounter):
    assert anon.get(f"/api/encounters/{encounter.id}/").status_code == 401
    assert _rows() == [("", "read", str(encounter.id), 401, "denied")]


@pytest.mark.django_db
def test_a_rejected_write_leaves_its_row_and_creates_nothing(alice_client):
    assert alice_client.post("/api/encounters/create/", {"patient_ref": ""}, format="json").status_code == 400
    assert _rows() == [("alice", "create", "", 400, "rejected")]
    assert Encounter.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_failing_audit_insert_fails_a_write_and_leaves_the_data_unchanged(alice_client, audit_inserts_fail):
    r = alice_client.post("/api/encounters/create/", {"patient_ref": "HS-1"}, format="json")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "audit_unavailable"
    assert Encounter.objects.count() == 0
    assert AuditLog.objects.count() == 0


@pytest.mark.django_db
def test_a_failing_audit_insert_fails_a_read(alice_client, encounter, audit_inserts_fail):
    r = alice_client.get(f"/api/encounters/{encounter.id}/")
    assert r.status_code == 503
    assert r.json() == {
        "error": {
            "code": "audit_unavailable",
            "message": "The request could not be recorded; nothing was changed.",
        }
    }
    assert "patient_ref" not in r.content.decode()


@pytest.mark.django_db
def test_audit_record_outside_a_request_raises_when_the_database_refuses_the_row(alice, audit_inserts_fail):
    with pytest.raises(DatabaseError), transaction.atomic():
        audit_record(action="read", object_type="encounter", object_id=1, actor=alice)


@pytest.mark.django_db
def test_audit_record_outside_a_request_belongs_to_the_callers_transaction(alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="update", object_type="encounter", object_id=1, actor=alice)
        raise RuntimeError("the caller's work failed")
    assert AuditLog.objects.count() == 0
    row = audit_record(action="update", object_type="encounter", object_id=1, actor=alice, status_code=200)
    assert AuditLog.objects.get().pk == row.pk


@pytest.mark.django_db
def test_nul_characters_are_replaced_in_the_row(alice):
    request = APIRequestFactory().get("/api/encounters/%00/")
    audit_record(
        action="read", object_type="encounter", object_id="1\x002", request=request, extra={"k": "a\x00"}
    )
    row = AuditLog.objects.get()
    assert "\x00" not in row.path and row.path.startswith("/api/encounters/")
    assert (row.object_id, row.extra) == ("1\ufffd2", {"k": "a\ufffd"})


# Views that write and then fail, to pin down the exception path.


class _AtomicWriteThenConflict(AuditedViewMixin, APIView):
    """A service's multi-step write in its own transaction, refused half-way."""

    audit_object_type = "encounter"

    def post(self, request):
        with transaction.atomic():
            Encounter.objects.create(doctor=request.user, patient_ref="HS-1")
            raise Conflict("Something else changed first.", code="conflict")


class _RecordFailureThenConflict(AuditedViewMixin, APIView):
    """A service that records why it refuses (like a rejected chunk's reason), then refuses."""

    audit_object_type = "encounter"

    def post(self, request):
        Encounter.objects.create(doctor=request.user, patient_ref="HS-1", status_detail="refused: why")
        raise Conflict("Refused.", code="conflict")


class _WriteThenCrash(AuditedViewMixin, APIView):
    audit_object_type = "encounter"

    def post(self, request):
        Encounter.objects.create(doctor=request.user, patient_ref="HS-1")
        raise RuntimeError("a bug")


class _WriteThenDatabaseError(AuditedViewMixin, APIView):
    audit_object_type = "encounter"

    def post(self, request):
        Encounter.objects.create(doctor=request.user, patient_ref="HS-1")
        Encounter.objects.create(doctor=request.user, patient_ref="x" * 200)  # longer than the column


class _FailInsideANestedTransactionWithoutSavepoint(AuditedViewMixin, APIView):
    audit_object_type = "encounter"

    def post(self, request):
        Encounter.objects.create(doctor=request.user, patient_ref="HS-0")
        with transaction.atomic(savepoint=False):
            Encounter.objects.create(doctor=request.user, patient_ref="HS-1")
            raise Conflict("Something else changed first.", code="conflict")


class _WriteThenAnswer400(AuditedViewMixin, APIView):
    audit_object_type = "encounter"

    def post(self, request):
        Encounter.objects.create(doctor=request.user, patient_ref="HS-1")
        return Response({"error": {"code": "partly_done", "message": "Partly done."}}, status=400)


def _post(view, user):
    request = APIRequestFactory().post("/api/test/", {}, format="json")
    force_authenticate(request, user=user)
    return view.as_view()(request)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "view, status, outcome",
    [
        (_WriteThenCrash, 500, "error"),
        (_WriteThenDatabaseError, 500, "error"),
        (_AtomicWriteThenConflict, 409, "rejected"),
        (_FailInsideANestedTransactionWithoutSavepoint, 409, "rejected"),
    ],
)
def test_a_request_that_fails_half_way_keeps_nothing_but_its_row(alice, view, status, outcome):
    response = _post(view, alice)
    assert response.status_code == status
    assert Encounter.objects.count() == 0
    assert _rows() == [("alice", "create", "", status, outcome)]


@pytest.mark.django_db(transaction=True)
def test_a_failure_a_service_records_before_refusing_is_kept_with_the_row(alice):
    assert _post(_RecordFailureThenConflict, alice).status_code == 409
    assert Encounter.objects.get().status_detail == "refused: why"
    assert _rows() == [("alice", "create", "", 409, "rejected")]


@pytest.mark.django_db(transaction=True)
def test_a_4xx_the_handler_returns_keeps_its_writes(alice):
    assert _post(_WriteThenAnswer400, alice).status_code == 400
    assert Encounter.objects.count() == 1
    assert _rows() == [("alice", "create", "", 400, "rejected")]
