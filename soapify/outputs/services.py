"""Outputs workflows: finalize a draft into an immutable note, render and store its files, sign
download URLs, create/revoke/resolve patient share links.

Decisions (see also the models' docstrings):

* **Finalize with nothing changed** since the latest version (same draft content, same checklist
  counts and missing critical items) returns that version (``created: false``) instead of a new
  one, so a retried or double-clicked finalize never makes a spurious amendment.
* **Versions**: finalizing after the draft (or checklist) changed makes version ``n + 1`` whose
  ``amends`` points to version ``n``; every version keeps its own four files. Through the API this
  does not happen today: once an encounter is finalized, its draft (``update-section``,
  ``generate``), checklist, audio and transcript refuse changes with 409 ``encounter_finalized``, so
  a later finalize finds nothing changed and returns the existing version. There is no amendment
  workflow yet; the versioning is what one would build on.
* **Missing critical checklist items** never block finalization; they are frozen into the note
  (``missing_critical_items``), printed in the files, and returned as a warning. A checklist that
  cannot be read fails the finalization (503 ``checklist_unavailable``): a note is never frozen
  with its missing critical items unknown.
* **Share links** resolve to the latest finalized version at access time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from soapify.checklist.services import checklist_summary, evaluation_job_of
from soapify.core.draft_schema import SECTIONS
from soapify.core.engines import EngineError
from soapify.core.errors import ApiError, Conflict, Forbidden, NotFound, Unprocessable
from soapify.core.jobs import job_unfinished
from soapify.core.models import Job
from soapify.encounters.models import Encounter
from soapify.encounters.selectors import encounter_locked
from soapify.integrations.sms import sms_engines  # the one SMS engine registry
from soapify.nlp.models import Draft
from soapify.nlp.services import generation_job_of
from soapify.outputs.models import FinalizedNote, OutputFile, ShareLink
from soapify.outputs.renderers import (
    NoteDocument,
    render_doctor_pdf,
    render_fhir,
    render_markdown,
    render_patient_pdf,
)

logger = logging.getLogger("soapify.outputs")


DOWNLOAD_SALT = "soapify.outputs.download"
CONTENT_TYPES: dict[str, str] = {
    OutputFile.Kind.MARKDOWN: "text/markdown; charset=utf-8",
    OutputFile.Kind.PDF_DOCTOR: "application/pdf",
    OutputFile.Kind.PDF_PATIENT: "application/pdf",
    OutputFile.Kind.FHIR: "application/fhir+json",
}
KINDS = tuple(CONTENT_TYPES)
FINALIZE_JOB = "outputs.finalize"


# ------------------------------------------------------------------------------------ finalization


def _draft_of(encounter: Encounter) -> Draft | None:
    return Draft.objects.filter(encounter=encounter).first()


def _draft_is_empty(content: Any) -> bool:
    sections = (content or {}).get("sections") if isinstance(content, dict) else None
    if not isinstance(sections, dict):
        return True
    for name in SECTIONS:
        section = sections.get(name) or {}
        if (section.get("text") or "").strip() or section.get("items"):
            return False
    return True


def finalize_check(*, encounter: Encounter) -> None:
    """What must hold before a finalize job is started (the caller has scoped the encounter).
    While a draft is being generated the checks are left to the job, which waits for the draft
    (``nlp.services.generation_job_of``) and fails with ``prerequisite_failed`` if its generation fails."""
    if generation_job_of(encounter_id=encounter.pk) is not None:
        return
    draft = _draft_of(encounter)
    if draft is None:
        raise Conflict("This encounter has no SOAP draft to finalize yet.", code="no_draft")
    if _draft_is_empty(draft.content):
        raise Conflict("The SOAP draft is empty; there is nothing to finalize.", code="empty_draft")


def finalize_job_of(*, encounter_id: int) -> Job | None:
    """The encounter's unfinished finalize job, if any (queued, waiting or running)."""
    return job_unfinished(kinds=(FINALIZE_JOB,), targets=[("encounter", encounter_id)])


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def checklist_summary_of(encounter: Encounter) -> dict:
    """The encounter's checklist summary, as plain JSON (zero counts and no missing item when the
    encounter has no evaluation). A note must never be finalized without its missing critical
    items, so a failing checklist fails the finalization (503 ``checklist_unavailable``)."""
    try:
        return _json_safe(checklist_summary(encounter=encounter))
    except ApiError:
        raise
    except Exception as exc:
        logger.exception("checklist summary failed for encounter %s", encounter.pk)
        raise ApiError(
            "The checklist summary could not be computed, so the note was not finalized "
            "(its missing critical items would be unknown). Try again later.",
            code="checklist_unavailable",
            status_code=503,
        ) from exc


def missing_critical_of(summary: dict) -> list[str]:
    """The titles of the critical items the visit missed, once each, in the checklist's order."""
    return list(dict.fromkeys(str(title) for title in summary["missing_critical"]))


def missing_critical_warning(items: list[str]) -> list[dict]:
    if not items:
        return []
    return [
        {
            "code": "missing_critical",
            "message": "Critical checklist items were not covered; the note is finalized without them.",
            "items": items,
        }
    ]


def finalize_warnings(*, encounter: Encounter, summary: dict) -> list[dict]:
    """The warnings of a finalize request: missing critical items (as evaluated so far), a checklist
    evaluation under way (waited for), or no checklist at all (the note will carry none)."""
    warnings = missing_critical_warning(missing_critical_of(summary))
    if evaluation_job_of(encounter_id=encounter.pk) is not None:
        warnings.append(
            {
                "code": "checklist_pending",
                "message": "A checklist evaluation is under way; the finalization waits for it and the "
                "note freezes its result (its missing critical items are on the finalized note).",
            }
        )
    elif not summary.get("evaluated", True):
        warnings.append(
            {
                "code": "checklist_not_evaluated",
                "message": "No checklist was evaluated for this visit; the note is finalized without one "
                "(POST /api/checklist/evaluations/evaluate_encounter/ before finalizing to include it).",
            }
        )
    return warnings


def _digest(draft_content: dict, summary: dict | None, missing: list[str]) -> str:
    stable = {k: v for k, v in (summary or {}).items() if k not in ("last_evaluated_at", "encounter")}
    raw = json.dumps(
        {"draft": draft_content, "checklist": stable, "missing": missing}, sort_keys=True, default=str
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def _renderer_summary(summary: dict | None) -> dict | None:
    """The renderers print ``coverage_percent`` and flat counts; the checklist nests its counts.
    None (nothing printed) when the encounter had no evaluation, or for a note frozen without a
    summary."""
    if not summary or not summary.get("evaluated", True):
        return None
    counts = summary.get("counts") or {}
    flat = {k: summary[k] for k in ("total", "coverage_percent") if k in summary}
    flat.update({k: counts[k] for k in ("covered", "partial", "missing") if k in counts})
    return flat


def note_document(note: FinalizedNote) -> NoteDocument:
    encounter = note.encounter
    doctor = encounter.doctor
    language: Literal["en", "fa"] = "fa" if note.language == "fa" else "en"
    return NoteDocument(
        note_id=note.pk,
        version=note.version,
        encounter_id=encounter.pk,
        patient_ref=encounter.patient_ref,
        doctor_name=(doctor.get_full_name() or doctor.username),
        doctor_id=doctor.pk,
        language=language,
        created_at=encounter.created_at,
        finalized_at=note.finalized_at,
        draft=note.draft,
        checklist_summary=_renderer_summary(note.checklist_summary),
        missing_critical=list(note.missing_critical_items or []),
        letterhead={k: str(v or "") for k, v in (settings.LETTERHEAD or {}).items()},
    )


def render_files(note: FinalizedNote) -> dict[str, bytes]:
    """The four files of a note, in memory. FHIR is validated by ``render_fhir`` before it returns."""
    doc = note_document(note)
    doctor_pdf = render_doctor_pdf(doc)
    return {
        OutputFile.Kind.MARKDOWN: render_markdown(doc).encode("utf-8"),
        OutputFile.Kind.PDF_DOCTOR: doctor_pdf,
        OutputFile.Kind.PDF_PATIENT: render_patient_pdf(doc),
        OutputFile.Kind.FHIR: render_fhir(doc, doctor_pdf),
    }


def _store_files(note: FinalizedNote, kinds: tuple[str, ...], stored: list[str]) -> list[OutputFile]:
    storage = storages["outputs"]
    rendered = render_files(note)
    rows = []
    for kind in kinds:
        data = rendered[kind]
        key = f"outputs/{secrets.token_hex(16)}.{OutputFile.EXTENSIONS[kind]}"
        key = storage.save(key, ContentFile(data))
        stored.append(key)
        rows.append(
            OutputFile(
                note=note,
                kind=kind,
                storage_key=key,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                content_type=CONTENT_TYPES[kind],
            )
        )
    OutputFile.objects.bulk_create(rows)
    return rows


def _discard(keys: list[str]) -> None:
    storage = storages["outputs"]
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001 - best effort clean-up of an aborted finalization
            logger.warning("could not delete orphaned output %s", key)


@dataclass(frozen=True)
class FinalizeResult:
    note: FinalizedNote
    created: bool
    files: list[OutputFile]


def note_finalize(*, encounter: Encounter, user) -> FinalizeResult:
    """Freeze the encounter's current draft (+ checklist summary) into a new immutable version and
    render its four files — or return the latest version when nothing changed since it."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = encounter_locked(encounter.pk, vanished=True)
            # Read under the encounter lock, which every checklist write takes too: the frozen
            # summary is exactly the checklist at finalization.
            summary = checklist_summary_of(locked)
            missing = missing_critical_of(summary)
            draft = _draft_of(locked)
            if draft is None:
                raise Conflict("This encounter has no SOAP draft to finalize yet.", code="no_draft")
            if _draft_is_empty(draft.content):
                raise Conflict("The SOAP draft is empty; there is nothing to finalize.", code="empty_draft")
            digest = _digest(draft.content, summary, missing)
            latest = FinalizedNote.objects.filter(encounter=locked).order_by("-version").first()
            if latest is not None and latest.content_sha256 == digest:
                have = set(latest.files.values_list("kind", flat=True))
                lacking = tuple(k for k in KINDS if k not in have)
                if lacking:  # a previous run stored the note but not every file: complete it
                    _store_files(latest, lacking, stored)
                created, note = False, latest
            else:
                note = FinalizedNote.objects.create(
                    encounter=locked,
                    version=(latest.version + 1) if latest else 1,
                    content={
                        "draft": draft.content,
                        "checklist_summary": summary,
                        "missing_critical": missing,
                        "meta": {
                            "draft_version": draft.version,
                            "engine": draft.engine,
                            "model": draft.model,
                            "engine_version": draft.engine_version,
                            "section_meta": draft.section_meta or {},
                        },
                    },
                    content_sha256=digest,
                    language=(draft.language or (draft.content or {}).get("language") or "en")[:8],
                    draft_version=draft.version,
                    missing_critical_items=missing,
                    amends=latest,
                    finalized_by=user,
                )
                note.encounter = locked
                _store_files(note, KINDS, stored)
                created = True
            if locked.status != Encounter.Status.FINALIZED:
                from soapify.encounters.services import encounter_set_status

                encounter_set_status(encounter=locked, status=Encounter.Status.FINALIZED, force=True)
    except BaseException:
        _discard(stored)
        raise
    files = list(note.files.order_by("kind"))
    return FinalizeResult(note=note, created=created, files=files)


# --------------------------------------------------------------------------------------- downloads


def _is_s3(storage) -> bool:
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def download_url(*, file: OutputFile) -> dict[str, Any]:
    """A short-lived URL for one file: S3 presigned GET, or a signed URL served by this app."""
    ttl = int(settings.SIGNED_URL_TTL_SECONDS)
    expires_at = timezone.now() + timedelta(seconds=ttl)
    storage = storages["outputs"]
    if _is_s3(storage):
        url = storage.url(  # type: ignore[call-arg]  # S3Storage.url takes parameters and expire
            file.storage_key,
            parameters={
                "ResponseContentDisposition": f'attachment; filename="{file.filename}"',
                "ResponseContentType": file.content_type,
            },
            expire=ttl,
        )
    else:
        token = signing.dumps({"f": file.pk, "k": file.storage_key[-12:]}, salt=DOWNLOAD_SALT, compress=False)
        url = f"{settings.PUBLIC_BASE_URL}/api/outputs/file/{token}/"
    return {"url": url, "expires_at": expires_at, "expires_in": ttl, "file_id": file.pk}


def download_resolve(*, token: str) -> OutputFile:
    """The file a local signed URL names; tampered or expired → 403, file gone → 404."""
    try:
        data = signing.loads(token, salt=DOWNLOAD_SALT, max_age=int(settings.SIGNED_URL_TTL_SECONDS))
    except signing.SignatureExpired:
        raise Forbidden("This download link has expired.", code="link_expired") from None
    except signing.BadSignature:
        raise Forbidden("This download link is not valid.", code="bad_signature") from None
    if not isinstance(data, dict):
        raise Forbidden("This download link is not valid.", code="bad_signature")
    file_id = data.get("f")
    if not isinstance(file_id, int):
        raise Forbidden("This download link is not valid.", code="bad_signature")
    file = OutputFile.objects.select_related("note").filter(pk=file_id).first()
    if file is None or file.storage_key[-12:] != data.get("k"):
        raise NotFound("File not found.")
    return file


# ------------------------------------------------------------------------------------- share links


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def share_url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/outputs/access/{token}/"


SMS_TEXT = {
    "en": "Your visit summary from {clinic}: {url} (valid until {date}). Do not share this link.",
    "fa": "خلاصه ویزیت شما از {clinic}: {url} (معتبر تا {date}). این پیوند را با دیگران به اشتراک نگذارید.",
}


@dataclass(frozen=True)
class CreatedLink:
    link: ShareLink
    token: str
    url: str


def share_link_create(
    *,
    encounter: Encounter,
    user,
    expires_in: timedelta | None = None,
    phone_number: str = "",
    max_views: int | None = None,
    idempotency_key: str = "",
    request_fingerprint: str = "",
) -> CreatedLink:
    """A link to the encounter's latest finalized note; optionally texted to ``phone_number``."""
    from soapify.integrations.sms.base import InvalidPhoneNumber, mask_phone, normalize_phone

    default_days = int(settings.SHARE_LINK_DEFAULT_DAYS)
    max_days = int(settings.SHARE_LINK_MAX_DAYS)
    lifetime = expires_in if expires_in is not None else timedelta(days=default_days)
    if lifetime <= timedelta(0) or lifetime > timedelta(days=max_days):
        raise ApiError(
            f"expires_in must be more than 0 and at most {max_days} days.",
            code="validation_error",
            fields={"expires_in": [f"At most {max_days} days."]},
        )
    number = ""
    if phone_number:
        try:
            number = normalize_phone(phone_number)
        except InvalidPhoneNumber:
            raise ApiError(
                "phone_number is not a valid phone number.",
                code="validation_error",
                fields={"phone_number": ["Not a valid phone number (E.164 or 09xxxxxxxxx)."]},
            ) from None
    if idempotency_key:
        previous = ShareLink.objects.filter(created_by=user, idempotency_key=idempotency_key).first()
        if previous is not None:
            _replayed(previous, request_fingerprint)
    note = FinalizedNote.objects.filter(encounter=encounter).order_by("-version").first()
    if note is None:
        raise Conflict("This encounter has no finalized note to share yet.", code="not_finalized")

    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            link = ShareLink.objects.create(
                encounter=encounter,
                note=note,
                token_hash=_hash(token),
                expires_at=timezone.now() + lifetime,
                max_views=max_views,
                created_by=user,
                phone_number_masked=mask_phone(number) if number else "",
                idempotency_key=idempotency_key,
                request_fingerprint=request_fingerprint,
            )
    except IntegrityError:
        previous = ShareLink.objects.filter(created_by=user, idempotency_key=idempotency_key).first()
        if previous is None:
            raise
        _replayed(previous, request_fingerprint)
    url = share_url(token)
    if number:
        _send_sms(link, number, url, note.language)
    return CreatedLink(link=link, token=token, url=url)


def _replayed(previous: ShareLink, fingerprint: str) -> None:
    if previous.request_fingerprint != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was already used with a different request.", code="idempotency_key_reused"
        )
    raise Conflict(
        "A share link was already created with this Idempotency-Key; its token is shown only once. "
        "Revoke it and create a new link if the token was lost.",
        code="link_already_created",
        extra={"id": str(previous.id)},
    )


def _send_sms(link: ShareLink, number: str, url: str, language: str) -> None:
    text = SMS_TEXT.get(language, SMS_TEXT["en"]).format(
        clinic=(settings.LETTERHEAD or {}).get("clinic_name") or "SOAPify",
        url=url,
        date=link.expires_at.strftime("%Y-%m-%d"),
    )
    try:
        result = sms_engines["default"].send(number, text)
    except EngineError as exc:
        logger.warning("share link %s: SMS failed: %s", link.id, exc.code)
        ShareLink.objects.filter(pk=link.pk).update(
            sms_status=ShareLink.SmsStatus.FAILED, sms_error=f"{exc.code}: {exc.message}"[:255]
        )
        link.sms_status, link.sms_error = ShareLink.SmsStatus.FAILED, f"{exc.code}: {exc.message}"[:255]
        return
    ShareLink.objects.filter(pk=link.pk).update(
        sms_status=ShareLink.SmsStatus.SENT, sms_message_id=result.message_id[:128]
    )
    link.sms_status, link.sms_message_id = ShareLink.SmsStatus.SENT, result.message_id[:128]


def share_link_revoke(*, link: ShareLink, user) -> ShareLink:
    """Revoke a link (idempotent: revoking a revoked link changes nothing)."""
    if link.revoked_at is None:
        now = timezone.now()
        ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now, revoked_by=user)
        link.refresh_from_db()
    return link


@dataclass(frozen=True)
class AccessResult:
    link: ShareLink | None
    note: FinalizedNote | None
    reason: str  # "ok" | "unknown" | "expired" | "revoked" | "exhausted" | "malformed"


def share_link_access(*, token: str, now: datetime | None = None, count_view: bool = True) -> AccessResult:
    """Resolve a patient's token and count the view (``count_view=False``: a HEAD, which reads the
    link's state and counts nothing). Every failure reason is reported to the caller for the audit
    log; the API answers all of them with the same 404."""
    now = now or timezone.now()
    if not token or len(token) > 128:
        return AccessResult(None, None, "malformed")
    link = ShareLink.objects.filter(token_hash=_hash(token)).first()
    if link is None:
        return AccessResult(None, None, "unknown")
    state = link.state(now)
    if state != "active":
        return AccessResult(link, None, state)
    if not count_view:
        note = FinalizedNote.objects.filter(encounter_id=link.encounter_id).order_by("-version").first()
        return AccessResult(link, note, "ok" if note else "unknown")
    # Count the view atomically, so a view limit holds under concurrent requests.
    counted = (
        ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True, expires_at__gt=now)
        .filter(Q(max_views__isnull=True) | Q(view_count__lt=F("max_views")))
        .update(view_count=F("view_count") + 1, last_accessed_at=now)
    )
    if not counted:
        link.refresh_from_db()
        return AccessResult(link, None, link.state(now) if link.state(now) != "active" else "exhausted")
    note = (
        FinalizedNote.objects.select_related("encounter__doctor")
        .filter(encounter_id=link.encounter_id)
        .order_by("-version")
        .first()
    )
    link.view_count += 1
    return AccessResult(link, note, "ok" if note else "unknown")
