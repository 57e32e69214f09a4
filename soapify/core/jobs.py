"""Jobs: every long operation is a ``Job`` row, run by one Celery task through a handler per kind.

    @job_handler("stt.transcribe_chunk", queue="stt")
    def transcribe_chunk(job: Job) -> dict: ...

    job = job_start(kind="stt.transcribe_chunk", owner=user, target=chunk, params={...})

Handlers live in each app's ``tasks.py`` (imported at start-up by ``CoreConfig.ready``). A handler
raising ``EngineError(transient=True)`` is retried with exponential backoff up to ``max_attempts``;
any other exception fails the job with a clear ``{code, message}``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from soapify.core.engines import EngineError
from soapify.core.errors import ApiError
from soapify.core.models import Job

logger = logging.getLogger("soapify.jobs")


@dataclass(frozen=True)
class JobHandler:
    kind: str
    fn: Callable[[Job], dict | None]
    queue: str
    max_attempts: int
    #: called once when the job fails for good (not on an attempt that will be retried), with the
    #: error code and message recorded on the job; e.g. to show the failure on the job's target
    on_failure: Callable[[Job, str, str], None] | None = None


_HANDLERS: dict[str, JobHandler] = {}


def job_handler(
    kind: str,
    *,
    queue: str = "default",
    max_attempts: int = 3,
    on_failure: Callable[[Job, str, str], None] | None = None,
):
    def register(fn: Callable[[Job], dict | None]):
        _HANDLERS[kind] = JobHandler(
            kind=kind, fn=fn, queue=queue, max_attempts=max_attempts, on_failure=on_failure
        )
        return fn

    return register


def get_handler(kind: str) -> JobHandler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"No job handler registered for kind {kind!r}") from None


def _target_ref(target: Any) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.model_name, str(target.pk)
    kind, pk = target
    return str(kind), str(pk)


def job_start(
    *,
    kind: str,
    owner,
    target: Any = None,
    params: dict | None = None,
    idempotency_key: str = "",
) -> Job:
    """Create a queued job and send it to its queue once the surrounding transaction commits."""
    handler = get_handler(kind)
    target_type, target_id = _target_ref(target)
    job = Job.objects.create(
        kind=kind,
        owner=owner,
        target_type=target_type,
        target_id=target_id,
        params=params or {},
        queue=handler.queue,
        max_attempts=handler.max_attempts,
        idempotency_key=idempotency_key,
        celery_task_id=str(uuid.uuid4()),
    )
    job_dispatch(job)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        job.refresh_from_db()
    return job


def job_dispatch(job: Job, *, countdown: float | None = None) -> None:
    from soapify.core.tasks import run_job

    def send() -> None:
        run_job.apply_async(
            args=[str(job.id)], queue=job.queue, task_id=job.celery_task_id, countdown=countdown
        )

    if settings.CELERY_TASK_ALWAYS_EAGER:
        send()
    else:
        transaction.on_commit(send)


def job_set_progress(job: Job, progress: float) -> None:
    job.progress = max(0.0, min(1.0, float(progress)))
    Job.objects.filter(pk=job.pk).update(progress=job.progress)


def _backoff(attempt: int) -> float:
    return float(min(300, 2 ** max(0, attempt - 1) * 2))


@dataclass(frozen=True)
class RunOutcome:
    status: str
    retry_in: float | None = None


def job_run(job_id: str) -> RunOutcome:
    """Run one attempt of a job (called by the Celery task). Safe to call again after a crash."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return RunOutcome("missing")
        if job.is_finished:
            return RunOutcome(job.status)
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.error = {}
        job.save(update_fields=["status", "attempts", "started_at", "error"])

    try:
        handler = get_handler(job.kind)
        result = handler.fn(job) or {}
    except EngineError as exc:
        if exc.transient and job.attempts < job.max_attempts:
            delay = _backoff(job.attempts)
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.QUEUED, error={"code": exc.code, "message": exc.message, "retry_in": delay}
            )
            logger.warning("job %s transient failure, retry in %ss: %s", job.id, delay, exc.message)
            return RunOutcome(Job.Status.QUEUED, retry_in=delay)
        return _fail(job, exc.code, exc.message)
    except ApiError as exc:
        return _fail(job, exc.code, exc.message)
    except Exception as exc:  # noqa: BLE001 - a job must always end in a recorded state
        name = type(exc).__name__
        if name == "SoftTimeLimitExceeded":
            return _fail(job, "timeout", "The operation took longer than its time limit.")
        logger.exception("job %s (%s) failed", job.id, job.kind)
        return _fail(job, "internal_error", f"The operation failed unexpectedly ({name}).")

    updated = (
        Job.objects.filter(pk=job.pk)
        .exclude(status=Job.Status.CANCELLED)
        .update(status=Job.Status.SUCCEEDED, result=result, progress=1.0, finished_at=timezone.now())
    )
    return RunOutcome(Job.Status.SUCCEEDED if updated else Job.Status.CANCELLED)


def _fail(job: Job, code: str, message: str) -> RunOutcome:
    Job.objects.filter(pk=job.pk).exclude(status=Job.Status.CANCELLED).update(
        status=Job.Status.FAILED, error={"code": code, "message": message}, finished_at=timezone.now()
    )
    logger.info("job %s (%s) failed: %s %s", job.id, job.kind, code, message)
    handler = _HANDLERS.get(job.kind)
    if handler is not None and handler.on_failure is not None:
        try:
            handler.on_failure(job, code, message)
        except Exception:  # noqa: BLE001 - the job's own failure is recorded either way
            logger.exception("job %s (%s): on_failure failed", job.id, job.kind)
    return RunOutcome(Job.Status.FAILED)


def job_cancel(*, job: Job) -> Job:
    if job.is_finished:
        raise ApiError("Only a queued or running job can be cancelled.", code="job_finished", status_code=409)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.CANCELLED, finished_at=timezone.now())
    if job.celery_task_id and not settings.CELERY_TASK_ALWAYS_EAGER:
        from soapify.celery import app

        app.control.revoke(job.celery_task_id)
    job.refresh_from_db()
    return job


def job_retry(*, job: Job) -> Job:
    if job.status not in (Job.Status.FAILED, Job.Status.CANCELLED):
        raise ApiError(
            "Only a failed or cancelled job can be retried.", code="job_not_retryable", status_code=409
        )
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.QUEUED, error={}, finished_at=None, attempts=0, celery_task_id=str(uuid.uuid4())
    )
    job.refresh_from_db()
    job_dispatch(job)
    job.refresh_from_db()
    return job


def job_find_active(*, kind: str, target: Any) -> Job | None:
    target_type, target_id = _target_ref(target)
    return (
        Job.objects.filter(kind=kind, target_type=target_type, target_id=target_id)
        .exclude(status__in=Job.FINISHED)
        .order_by("-created_at")
        .first()
    )
