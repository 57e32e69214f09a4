"""AdminPlus writes: cancel and retry a job, export what an administrator may see.

The export is a job (``adminplus.export``): a ZIP of NDJSON files — users (no password hashes),
jobs (no parameters or results), audit log metadata (ids and actions), and the analytics app's
metric and alert tables when they exist — never clinical content (no transcript, draft, note or
patient data: none of those tables is read). It is stored in the ``default`` storage and fetched
through a short-lived signed URL (S3 presigned GET, or a signed token this app serves), the way
``soapify.outputs`` serves its files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.files import File
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone

from soapify.adminplus import selectors
from soapify.core.errors import ApiError, NotFound
from soapify.core.jobs import job_cancel, job_checkpoint, job_retry, job_start
from soapify.core.models import AuditLog, Job

logger = logging.getLogger("soapify.adminplus")

EXPORT_JOB = "adminplus.export"
EXPORT_PREFIX = "adminplus/exports/"
DOWNLOAD_SALT = "soapify.adminplus.export"

USER_FIELDS = (
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "role",
    "phone_number",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
    "last_login",
    "updated_at",
)
JOB_FIELDS = (
    "id",
    "kind",
    "status",
    "owner_id",
    "target_type",
    "target_id",
    "queue",
    "attempts",
    "max_attempts",
    "progress",
    "error",
    "celery_task_id",
    "created_at",
    "started_at",
    "finished_at",
    "heartbeat_at",
)
AUDIT_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "status_code",
    "method",
    "ip",
)
#: analytics models exported when their name contains one of these (metric events, request
#: rollups and totals, alert rules and alerts);
#: activity events are not (their free-form metadata comes from clients)
ANALYTICS_NAME_PARTS = ("metric", "request", "alert")


# ---------------------------------------------------------------------------------- cancel, retry


def task_get(*, task_id: str) -> Job:
    job = selectors.job_get(task_id=task_id)
    if job is None:
        raise NotFound("No task has this id.", code="task_not_found")
    return job


def task_cancel(*, user: Any, task_id: str) -> Job:
    job = task_get(task_id=task_id)
    return job_cancel(job=job, reason=f"Cancelled by administrator {user.username}.")


def task_retry(*, user: Any, task_id: str) -> Job:
    job = task_get(task_id=task_id)
    return job_retry(job=job)


# ----------------------------------------------------------------------------------------- export


def export_start(*, user: Any) -> Job:
    return job_start(kind=EXPORT_JOB, owner=user, params={"requested_by": user.pk})


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)


def _write_ndjson(archive: zipfile.ZipFile, name: str, rows: Any) -> int:
    count = 0
    with archive.open(name, "w") as out:
        for row in rows:
            out.write(json.dumps(row, default=_json_default, ensure_ascii=False).encode("utf-8") + b"\n")
            count += 1
    return count


def _newest(queryset: models.QuerySet, fields: tuple[str, ...]) -> Any:
    limit = int(settings.ADMINPLUS_EXPORT_MAX_ROWS)
    return queryset.order_by("-pk").values(*fields)[:limit].iterator(chunk_size=2000)


def analytics_models() -> list[type[models.Model]]:
    """The analytics app's metric, rollup and alert models, if the app has models (it may not)."""
    try:
        config = apps.get_app_config("analytics")
    except LookupError:
        return []
    return [
        m
        for m in config.get_models()
        if any(part in str(m._meta.model_name) for part in ANALYTICS_NAME_PARTS)
    ]


def export_build(job: Job) -> dict[str, Any]:
    """The export job's handler body: write the archive (checkpoints between tables, so a cancel
    stops it), store it, return its reference and a first signed URL."""
    counts: dict[str, int] = {}
    tmp_dir = Path(settings.FILE_UPLOAD_TEMP_DIR)
    with tempfile.NamedTemporaryFile(dir=tmp_dir, suffix=".zip") as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            user_model = get_user_model()
            counts["users"] = _write_ndjson(
                archive, "users.ndjson", _newest(user_model.objects.all(), USER_FIELDS)
            )
            job_checkpoint(job)
            counts["jobs"] = _write_ndjson(archive, "jobs.ndjson", _newest(Job.objects.all(), JOB_FIELDS))
            job_checkpoint(job)
            counts["audit_log"] = _write_ndjson(
                archive, "audit_log.ndjson", _newest(AuditLog.objects.all(), AUDIT_FIELDS)
            )
            for model in analytics_models():
                job_checkpoint(job)
                fields = tuple(f.attname for f in model._meta.concrete_fields)
                name = f"analytics_{model._meta.model_name}"
                counts[name] = _write_ndjson(
                    archive, f"{name}.ndjson", _newest(model._default_manager.all(), fields)
                )
            manifest = {
                "export_id": str(job.pk),
                "created_at": timezone.now().isoformat(),
                "requested_by": job.owner_id,
                "files": {name: f"{name}.ndjson" for name in counts},
                "rows": counts,
                "max_rows_per_table": int(settings.ADMINPLUS_EXPORT_MAX_ROWS),
                "contents": "system data only: users without password hashes, jobs without parameters "
                "or results, audit log ids and actions, analytics metrics and alerts; no clinical content",
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        job_checkpoint(job)
        tmp.flush()
        size = tmp.tell()
        tmp.seek(0)
        digest = hashlib.sha256()
        for block in iter(lambda: tmp.read(1024 * 1024), b""):
            digest.update(block)
        tmp.seek(0)
        key = storages["default"].save(f"{EXPORT_PREFIX}{job.pk}.zip", File(tmp))
    result = {"file": key, "size": size, "sha256": digest.hexdigest(), "rows": counts}
    result.update(export_download_url(job_id=str(job.pk), key=key))
    return result


def _is_s3(storage: Any) -> bool:
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def export_download_url(*, job_id: str, key: str) -> dict[str, Any]:
    """A short-lived URL of an export archive: S3 presigned GET, or a signed URL this app serves."""
    ttl = int(settings.SIGNED_URL_TTL_SECONDS)
    storage = storages["default"]
    filename = f"soapify-export-{job_id}.zip"
    if _is_s3(storage):
        url = storage.url(  # type: ignore[call-arg]  # S3Storage.url takes parameters and expire
            key,
            parameters={
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": "application/zip",
            },
            expire=ttl,
        )
    else:
        token = signing.dumps({"j": job_id}, salt=DOWNLOAD_SALT, compress=False)
        url = f"{settings.PUBLIC_BASE_URL}/adminplus/api/export/file/?token={token}"
    expires_at = timezone.now() + timedelta(seconds=ttl)
    return {"download_url": url, "expires_at": expires_at.isoformat(), "expires_in": ttl}


def export_get(*, job_id: Any) -> Job:
    """A finished export (any administrator's); 404 when there is none with this id, 409 when it is
    not ready (yet, or any more)."""
    job = Job.objects.filter(pk=job_id, kind=EXPORT_JOB).first()
    if job is None:
        raise NotFound("No export has this id.", code="export_not_found")
    if job.status != Job.Status.SUCCEEDED or not (job.result or {}).get("file"):
        raise ApiError("This export has no archive (yet).", code="export_not_ready", status_code=409)
    return job


def export_resolve(*, token: str) -> tuple[Job, str]:
    """The export a signed URL names, and its storage key; tampered or expired → 403."""
    try:
        data = signing.loads(token, salt=DOWNLOAD_SALT, max_age=int(settings.SIGNED_URL_TTL_SECONDS))
    except signing.SignatureExpired:
        raise ApiError("This download link has expired.", code="link_expired", status_code=403) from None
    except signing.BadSignature:
        raise ApiError("This download link is not valid.", code="bad_signature", status_code=403) from None
    job_id = data.get("j") if isinstance(data, dict) else None
    try:
        job_uuid = UUID(str(job_id))
    except ValueError:
        raise ApiError("This download link is not valid.", code="bad_signature", status_code=403) from None
    job = Job.objects.filter(pk=job_uuid, kind=EXPORT_JOB, status=Job.Status.SUCCEEDED).first()
    key = str((job.result or {}).get("file") or "") if job is not None else ""
    if job is None or not key.startswith(EXPORT_PREFIX):
        raise NotFound("The export is not available.", code="export_not_found")
    return job, key


def exports_cleanup(*, now: datetime | None = None) -> int:
    """Delete the archives of exports older than ``ADMINPLUS_EXPORT_KEEP_HOURS``."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=int(settings.ADMINPLUS_EXPORT_KEEP_HOURS))
    storage = storages["default"]
    removed = 0
    old = Job.objects.filter(kind=EXPORT_JOB, status=Job.Status.SUCCEEDED, finished_at__lt=cutoff)
    for job in old.exclude(result__file__isnull=True).exclude(result__file=""):
        key = str(job.result.get("file") or "")
        if key.startswith(EXPORT_PREFIX):
            try:
                storage.delete(key)
            except Exception:  # noqa: BLE001 - tried again at the next run
                logger.warning("export archive %s could not be deleted", key)
                continue
        Job.objects.filter(pk=job.pk).update(result={**job.result, "file": "", "removed_at": now.isoformat()})
        removed += 1
    return removed
