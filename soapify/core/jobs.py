"""Jobs: every long operation is a ``Job`` row, run by one Celery task through a handler per kind.

    @job_handler("stt.transcribe_chunk", queue="stt")
    def transcribe_chunk(job: Job) -> dict: ...

    job = job_start(kind="stt.transcribe_chunk", owner=user, target=chunk, params={...})

Handlers live in each app's ``tasks.py`` (imported at start-up by ``CoreConfig.ready``). A job is
sent to the queue its handler names unless the deployment routes its kind elsewhere
(``settings.JOB_QUEUES``, see :func:`job_queue`); it keeps that queue for its retries. A handler
raising ``EngineError(transient=True)`` is retried with exponential backoff up to ``max_attempts``;
any other exception fails the job with a clear ``{code, message}``.

The row, not the broker, is the truth:

* Each send of a job is one message whose Celery task id is ``Job.celery_task_id``. A worker runs
  the job only if it *claims* it: one conditional UPDATE from ``queued`` with that very task id to
  ``running``. A late or duplicate message (broker redelivery, a copy re-sent by the reaper) finds
  the job claimed, finished or sent again under another id, and does nothing.
* While a handler runs, a thread bumps ``heartbeat_at`` every ``JOB_HEARTBEAT_SECONDS`` (progress
  updates bump it too). Every later write of the attempt (result, failure, retry) is fenced by the
  task id, so an attempt that was given up for dead can never overwrite the one that replaced it.
* ``jobs_reap`` (Celery beat, every ``JOB_REAP_SECONDS``) finds the jobs whose worker died: a
  ``running`` job without a heartbeat for ``JOB_STALE_SECONDS`` is queued again as a new attempt
  (or fails with ``worker_lost`` when it has none left); a ``queued`` job not picked up
  ``JOB_QUEUED_STALE_SECONDS`` after it was sent is sent again (same message, no attempt counted).
* ``job_find_active`` ("reuse the job under way") applies the same rule to the job it finds, so
  a request never gets back a job nobody is running.

A job may wait for another (``Job.waits_for``): a handler registered with ``prerequisite`` names
the unfinished job its job must wait for (a draft: the encounter's transcription; a finalization:
the draft being generated). ``job_start`` then creates the job ``queued`` without sending it; when
the job it waits for ends (``job_finished``), the waiting job is sent (or, if its handler now names
another unfinished job, waits for that one), or fails with ``prerequisite_failed`` if the job it
waited for failed or was cancelled (unless its handler ``tolerates`` that kind: then it goes on). The reaper leaves waiting jobs alone and releases those whose
prerequisite ended without them being told (a process killed between the two).

The modules never import each other in a cycle: jobs are sent by task name, and ``core.tasks``
(the thin Celery tasks) imports this module.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app, current_task
from django.conf import settings
from django.db import DatabaseError, OperationalError, connections, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from soapify.core.engines import EngineError
from soapify.core.errors import ApiError, Conflict
from soapify.core.models import Job
from soapify.core.signals import job_finished

logger = logging.getLogger("soapify.jobs")

#: The one Celery task that runs every job (defined in ``core.tasks``; sent by name).
RUN_JOB_TASK = "soapify.core.tasks.run_job"


@dataclass(frozen=True)
class JobHandler:
    kind: str
    fn: Callable[[Job], dict | None]
    queue: str
    max_attempts: int
    #: called once when the job fails for good (not on an attempt that will be retried), with the
    #: error code and message recorded on the job; e.g. to show the failure on the job's target
    on_failure: Callable[[Job, str, str], None] | None = None
    #: the unfinished job this job must wait for, if any (asked when the job is started and again
    #: each time the job it waited for succeeds)
    prerequisite: Callable[[Job], Job | None] | None = None
    #: kinds of prerequisite this job waits for but does not depend on: when such a job fails or is
    #: cancelled, this one goes on (a finalization waits for a checklist under way, and freezes
    #: whatever checklist there is if that evaluation fails)
    tolerates: frozenset[str] = frozenset()


_HANDLERS: dict[str, JobHandler] = {}


def job_handler(
    kind: str,
    *,
    queue: str = "default",
    max_attempts: int = 3,
    on_failure: Callable[[Job, str, str], None] | None = None,
    prerequisite: Callable[[Job], Job | None] | None = None,
    tolerates: tuple[str, ...] = (),
):
    def register(fn: Callable[[Job], dict | None]):
        _HANDLERS[kind] = JobHandler(
            kind=kind,
            fn=fn,
            queue=queue,
            max_attempts=max_attempts,
            on_failure=on_failure,
            prerequisite=prerequisite,
            tolerates=frozenset(tolerates),
        )
        return fn

    return register


def get_handler(kind: str) -> JobHandler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"No job handler registered for kind {kind!r}") from None


def job_queue(kind: str) -> str:
    """The queue a new job of ``kind`` is sent to: the deployment's routing (``settings.JOB_QUEUES``,
    ``{kind: queue}``, e.g. work nobody waits for on a queue served by a worker of its own) or
    else the queue its handler names."""
    routes = getattr(settings, "JOB_QUEUES", None) or {}
    return str(routes.get(kind) or get_handler(kind).queue)


def _target_ref(target: Any) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return str(target._meta.model_name), str(target.pk)
    kind, pk = target
    return str(kind), str(pk)


def _new_task_id() -> str:
    return str(uuid.uuid4())


# --- starting and sending ---------------------------------------------------------------------------


def job_start(
    *,
    kind: str,
    owner,
    target: Any = None,
    params: dict | None = None,
    idempotency_key: str = "",
) -> Job:
    """Create a queued job and send it to its queue once the surrounding transaction commits — or,
    when its handler names an unfinished job it must wait for, hold it (``waits_for``) until that
    job ends."""
    handler = get_handler(kind)
    target_type, target_id = _target_ref(target)
    job = Job.objects.create(
        kind=kind,
        owner=owner,
        target_type=target_type,
        target_id=target_id,
        params=params or {},
        queue=job_queue(kind),
        max_attempts=handler.max_attempts,
        idempotency_key=idempotency_key,
        celery_task_id=_new_task_id(),
        heartbeat_at=timezone.now(),
    )
    prerequisite = handler.prerequisite(job) if handler.prerequisite is not None else None
    if prerequisite is not None and prerequisite.pk != job.pk and not prerequisite.is_finished:
        Job.objects.filter(pk=job.pk).update(waits_for=prerequisite)
        job.waits_for = prerequisite
        # The job waited for may end before this transaction commits (its worker would not see
        # this row yet): look again once committed.
        transaction.on_commit(lambda: job_release(str(job.pk)))
        logger.info("job %s (%s) waits for job %s (%s)", job.id, kind, prerequisite.id, prerequisite.kind)
        return job
    job_dispatch(job)
    return job


def job_dispatch(job: Job, *, countdown: float | None = None) -> None:
    """Send the job's current message (task id ``job.celery_task_id``) once the surrounding
    transaction commits (at once outside a transaction), so a worker always finds the committed
    row. The task is looked up by name in the Celery app (this module never imports
    ``core.tasks``); with Celery's own ``task_always_eager`` the send runs it in this process."""
    job_id, task_id, queue = str(job.id), job.celery_task_id, job.queue

    def send() -> None:
        current_app.tasks[RUN_JOB_TASK].apply_async(
            args=[job_id], queue=queue, task_id=task_id, countdown=countdown
        )

    transaction.on_commit(send)


def job_set_progress(job: Job, progress: float) -> None:
    """Record the running attempt's progress (0..1); counts as a heartbeat too. A checkpoint: raises
    ``JobCancelled`` when the attempt is no longer the job's running one (cancelled, or replaced)."""
    job.progress = max(0.0, min(1.0, float(progress)))
    if not _attempt(job).update(progress=job.progress, heartbeat_at=timezone.now()):
        raise JobCancelled()


# --- running one attempt ----------------------------------------------------------------------------


def _backoff(attempt: int) -> float:
    return float(min(300, 2 ** max(0, attempt - 1) * 2))


@dataclass(frozen=True)
class RunOutcome:
    status: str
    retry_in: float | None = None


def _attempt(job: Job) -> models.QuerySet[Job]:
    """The job's row as long as it is still running under this attempt's message: the fence of
    every write an attempt makes after its claim."""
    return Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, celery_task_id=job.celery_task_id)


@contextmanager
def _heartbeat(job: Job) -> Iterator[None]:
    """Bump the running attempt's ``heartbeat_at`` every ``JOB_HEARTBEAT_SECONDS`` from a thread
    (with its own database connection) while the block runs."""
    stop = threading.Event()
    interval = float(settings.JOB_HEARTBEAT_SECONDS)

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    alive = _attempt(job).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:  # try again at the next beat
                    logger.warning("job %s: heartbeat not recorded: %s", job.id, exc)
                    continue
                if not alive:
                    logger.warning(
                        "job %s: no longer running under this attempt (cancelled or reaped)", job.id
                    )
                    return
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=beat, name=f"job-heartbeat-{job.id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval)


def job_run(job_id: str, *, task_id: str | None = None) -> RunOutcome:
    """Run one attempt of a job for the message ``task_id`` (default: the job's current message).

    Nothing happens unless the job is ``queued`` under that message: a duplicate or outdated
    message returns the job's status and leaves it alone."""
    now = timezone.now()
    claim = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED)
    if task_id is not None:
        claim = claim.filter(celery_task_id=task_id)
    claimed = claim.update(
        status=Job.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=Coalesce("started_at", now),
        heartbeat_at=now,
        error={},
    )
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return RunOutcome("missing")
    if not claimed:
        logger.info("job %s: message %s is not the job's to run (%s); ignored", job_id, task_id, job.status)
        return RunOutcome(job.status)

    try:
        handler = get_handler(job.kind)
        with _heartbeat(job):
            result = handler.fn(job) or {}
    except EngineError as exc:
        if exc.transient and job.attempts < job.max_attempts:
            return _retry_later(job, exc)
        return _fail(job, exc.code, exc.message)
    except ApiError as exc:
        return _fail(job, exc.code, exc.message)
    except Exception as exc:  # noqa: BLE001 - a job must always end in a recorded state
        name = type(exc).__name__
        if name == "SoftTimeLimitExceeded":
            return _fail(job, "timeout", "The operation took longer than its time limit.")
        logger.exception("job %s (%s) failed", job.id, job.kind)
        return _fail(job, "internal_error", f"The operation failed unexpectedly ({name}).")

    done = _attempt(job).update(
        status=Job.Status.SUCCEEDED, result=result, progress=1.0, finished_at=timezone.now()
    )
    if done:
        _finished(job)
        return RunOutcome(Job.Status.SUCCEEDED)
    return _superseded(job)


def _finished(job: Job) -> None:
    """Tell the listeners (webhooks, analytics) that ``job`` ended; a listener's failure is logged,
    never the job's."""
    job.refresh_from_db()
    for receiver, response in job_finished.send_robust(sender=job.kind, job=job, status=job.status):
        if isinstance(response, Exception):
            logger.error("job %s: job_finished receiver %r failed: %r", job.id, receiver, response)


def job_execute(job_id: str, *, task_id: str | None = None) -> RunOutcome:
    """What the Celery task does with one message: run the attempt, then send the retry if the
    attempt asked for one."""
    outcome = job_run(job_id, task_id=task_id)
    if outcome.retry_in is not None:
        job = Job.objects.get(pk=job_id)
        job_dispatch(job, countdown=outcome.retry_in)
    return outcome


def _retry_later(job: Job, exc: EngineError) -> RunOutcome:
    delay = max(_backoff(job.attempts), min(300.0, exc.retry_after or 0.0))  # the provider's Retry-After
    retry_id = _new_task_id()
    queued = _attempt(job).update(
        status=Job.Status.QUEUED,
        celery_task_id=retry_id,
        heartbeat_at=timezone.now() + timedelta(seconds=delay),  # due then, not stale before
        error={"code": exc.code, "message": exc.message, "retry_in": delay},
    )
    if not queued:
        return _superseded(job)
    logger.warning("job %s transient failure, retry in %ss: %s", job.id, delay, exc.message)
    return RunOutcome(Job.Status.QUEUED, retry_in=delay)


def _superseded(job: Job) -> RunOutcome:
    status = Job.objects.filter(pk=job.pk).values_list("status", flat=True).first() or "missing"
    logger.warning(
        "job %s: attempt %s ended after the job moved on (%s); its outcome is dropped",
        job.id,
        job.attempts,
        status,
    )
    return RunOutcome(status)


def _fail(job: Job, code: str, message: str) -> RunOutcome:
    if _fail_for_good(job, _attempt(job), code, message):
        return RunOutcome(Job.Status.FAILED)
    return _superseded(job)


def _fail_for_good(job: Job, row: models.QuerySet[Job], code: str, message: str) -> bool:
    """Fail the job if ``row`` (the fence) still matches, then call the handler's ``on_failure``
    once. Returns whether the job failed here."""
    failed = row.update(
        status=Job.Status.FAILED, error={"code": code, "message": message}, finished_at=timezone.now()
    )
    if not failed:
        return False
    logger.info("job %s (%s) failed: %s %s", job.id, job.kind, code, message)
    _finished(job)
    handler = _HANDLERS.get(job.kind)
    if handler is not None and handler.on_failure is not None:
        try:
            handler.on_failure(job, code, message)
        except Exception:  # noqa: BLE001 - the job's own failure is recorded either way
            logger.exception("job %s (%s): on_failure failed", job.id, job.kind)
    return True


# --- jobs that wait for another -----------------------------------------------------------------------


def _waiting(job_id: str, prerequisite_id: Any) -> models.QuerySet[Job]:
    """The job's row as long as it is still held behind ``prerequisite_id``: the fence of every
    release, so a job is sent or failed once whoever releases it (signal, commit, reaper)."""
    return Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, waits_for_id=prerequisite_id)


def job_release(job_id: str) -> str:
    """Act on a job held behind another once that one may have ended: ``"held"`` (still waiting),
    ``"waits"`` (now waits for another job its handler named), ``"sent"``, ``"failed"``
    (``prerequisite_failed``) or ``"unchanged"`` (not held, or released meanwhile)."""
    job = Job.objects.select_related("waits_for").filter(pk=job_id, status=Job.Status.QUEUED).first()
    if job is None or job.waits_for_id is None:
        return "unchanged"
    before = job.waits_for  # (deleting it sets waits_for to NULL: the job is then an ordinary queued one)
    if before is None or not before.is_finished:
        return "held"
    row = _waiting(job_id, before.pk)
    handler = _HANDLERS.get(job.kind)
    if before.status != Job.Status.SUCCEEDED and not (
        handler is not None and before.kind in handler.tolerates
    ):
        code = (before.error or {}).get("code") or before.status
        message = (
            f"The job this one waited for ({before.kind} {before.id}) ended {before.status}"
            f"{f' ({code})' if code != before.status else ''}; this job did not run."
        )
        return "failed" if _fail_for_good(job, row, "prerequisite_failed", message) else "unchanged"
    following = handler.prerequisite(job) if handler is not None and handler.prerequisite else None
    if following is not None and following.pk not in (job.pk, before.pk) and not following.is_finished:
        if not row.update(waits_for=following):
            return "unchanged"
        logger.info("job %s (%s) now waits for job %s (%s)", job.id, job.kind, following.id, following.kind)
        # ``following`` may have ended meanwhile, before it was recorded as this job's prerequisite.
        return (
            job_release(job_id)
            if Job.objects.filter(pk=following.pk, status__in=Job.FINISHED).exists()
            else "waits"
        )
    return _release_send(job, row)


def _release_send(job: Job, row: models.QuerySet[Job]) -> str:
    # sent: an ordinary queued job from now on (the stale-queued rule covers a lost message); with
    # ``waits_for`` kept, the reaper and job_find_active would find it "missed" and send it again
    if not row.update(heartbeat_at=timezone.now(), waits_for=None):
        return "unchanged"
    logger.info("job %s (%s): the job it waited for ended; sent", job.id, job.kind)
    job_dispatch(job)
    return "sent"


def _release_waiting(sender: str, job: Job, status: str, **kwargs: Any) -> None:
    """``job_finished`` receiver: release the jobs that waited for ``job``."""
    for waiting_id in Job.objects.filter(waits_for=job, status=Job.Status.QUEUED).values_list(
        "pk", flat=True
    ):
        job_release(str(waiting_id))


job_finished.connect(_release_waiting, dispatch_uid="soapify.core.jobs.release_waiting")


def job_is_held(job: Job) -> bool:
    """Whether the job is queued behind an unfinished job (not sent, and not stale for that)."""
    return (
        job.status == Job.Status.QUEUED
        and job.waits_for_id is not None
        and Job.objects.filter(pk=job.waits_for_id).exclude(status__in=Job.FINISHED).exists()
    )


# --- jobs whose worker died ---------------------------------------------------------------------------


def _stale_before(status: str, now) -> Any:
    seconds = (
        settings.JOB_STALE_SECONDS if status == Job.Status.RUNNING else settings.JOB_QUEUED_STALE_SECONDS
    )
    return now - timedelta(seconds=float(seconds))


def _is_stale(job: Job, now) -> bool:
    """A running job without a recent heartbeat, or a queued job sent long ago and not picked up
    (a job waiting for another is not sent until that one ends, so it is never stale)."""
    if job.is_finished or job.heartbeat_at >= _stale_before(job.status, now):
        return False
    return job.status == Job.Status.RUNNING or job.waits_for_id is None


def _revive(job: Job, now) -> str:
    """Act on one stale job (as read); a conditional UPDATE each, so concurrent reapers and a
    heartbeat that arrives meanwhile are safe. Returns what was done."""
    cutoff = _stale_before(job.status, now)
    row = Job.objects.filter(
        pk=job.pk, status=job.status, celery_task_id=job.celery_task_id, heartbeat_at__lt=cutoff
    )
    if job.status == Job.Status.QUEUED:
        row = row.filter(waits_for__isnull=True)
        # Never picked up: the message was lost (a worker died holding it, a broker without acks)
        # or never sent. Send the same message again; if the first copy turns up, whichever
        # arrives second finds the job claimed.
        if not row.update(heartbeat_at=now):
            return "unchanged"
        job_dispatch(job)
        logger.warning("job %s (%s) was not picked up; sent again", job.id, job.kind)
        return "resent"
    if job.attempts >= job.max_attempts:
        message = (
            f"The worker running this job stopped responding during attempt {job.attempts} of "
            f"{job.max_attempts}; no attempt is left."
        )
        return "failed" if _fail_for_good(job, row, "worker_lost", message) else "unchanged"
    retry_id = _new_task_id()
    requeued = row.update(
        status=Job.Status.QUEUED,
        celery_task_id=retry_id,
        heartbeat_at=now,
        error={
            "code": "worker_lost",
            "message": f"The worker running attempt {job.attempts} stopped responding; queued again.",
        },
    )
    if not requeued:
        return "unchanged"
    job.status, job.celery_task_id, job.heartbeat_at = Job.Status.QUEUED, retry_id, now
    job_dispatch(job)
    logger.warning("job %s (%s): worker lost during attempt %s; queued again", job.id, job.kind, job.attempts)
    return "requeued"


def jobs_reap(*, limit: int = 500) -> dict[str, int]:
    """Queue again the running jobs whose worker stopped heartbeating (a new attempt, or
    ``failed``/``worker_lost`` when none is left) and send again the queued jobs nobody picked up.
    Jobs waiting for an unfinished job are left alone; those whose prerequisite ended without them
    being released are released. Run periodically by Celery beat; returns how many jobs got which
    treatment."""
    now = timezone.now()
    stale = Job.objects.filter(
        Q(status=Job.Status.RUNNING, heartbeat_at__lt=_stale_before(Job.Status.RUNNING, now))
        | Q(
            status=Job.Status.QUEUED,
            waits_for__isnull=True,
            heartbeat_at__lt=_stale_before(Job.Status.QUEUED, now),
        )
    ).order_by("heartbeat_at")[:limit]
    counts = Counter(_revive(job, now) for job in stale)
    missed = Job.objects.filter(status=Job.Status.QUEUED, waits_for__status__in=Job.FINISHED).values_list(
        "pk", flat=True
    )[:limit]
    counts.update(job_release(str(pk)) for pk in missed)
    counts.pop("held", None)
    counts.pop("waits", None)
    counts.pop("unchanged", None)
    return dict(counts)


def job_unfinished(*, kinds: tuple[str, ...], targets: list[Any]) -> Job | None:
    """The newest queued or running job of one of ``kinds`` on one of ``targets`` (a read: nothing
    is revived), e.g. to wait for it or to show it."""
    refs: dict[str, list[str]] = {}
    for target in targets:
        target_type, target_id = _target_ref(target)
        refs.setdefault(target_type, []).append(target_id)
    if not refs:
        return None
    where = Q()
    for target_type, ids in refs.items():
        where |= Q(target_type=target_type, target_id__in=ids)
    return (
        Job.objects.filter(where, kind__in=kinds)
        .exclude(status__in=Job.FINISHED)
        .order_by("-created_at")
        .first()
    )


def job_find_active(*, kind: str, target: Any) -> Job | None:
    """The target's queued or running job of this kind, to reuse instead of starting another —
    only if it is alive: a job whose worker died is queued again first, and when it had no attempt
    left (now ``failed``) the answer is None, so the caller starts a new one."""
    target_type, target_id = _target_ref(target)
    job = (
        Job.objects.filter(kind=kind, target_type=target_type, target_id=target_id)
        .exclude(status__in=Job.FINISHED)
        .order_by("-created_at")
        .first()
    )
    if job is not None and job.waits_for_id is not None and not job_is_held(job):
        job_release(str(job.pk))  # its prerequisite ended and nobody released it
        job.refresh_from_db()
        return None if job.is_finished else job
    now = timezone.now()
    if job is None or not _is_stale(job, now):
        return job
    _revive(job, now)
    job.refresh_from_db()
    return None if job.is_finished else job


# --- cancel and retry (admins and owners) ---------------------------------------------------------------


class JobCancelled(Conflict):
    """Raised where a handler may stop (a checkpoint, the fence of its final write) when its attempt
    may no longer write: the job was cancelled, or this attempt was replaced by another. A
    ``Conflict``, so services that undo their own state on a conflict do so (an STT run puts its
    chunk back as it was); the runner then records nothing, since the attempt's fence no longer
    matches the row."""

    default_code = "job_cancelled"
    default_detail = "The job was cancelled (or this attempt was replaced); it stopped here."


def job_checkpoint(job: Job) -> None:
    """A point where a running handler may stop: a heartbeat, and ``JobCancelled`` when the attempt
    is no longer the job's running one."""
    if not _attempt(job).update(heartbeat_at=timezone.now()):
        raise JobCancelled()


def _current_attempt() -> tuple[str, str] | None:
    """``(job id, message id)`` of the job the current Celery task runs (in a worker); None outside
    ``run_job`` (a web request, the eager mode of tests)."""
    if not current_task or current_task.name != RUN_JOB_TASK:  # a proxy: false outside a task
        return None
    request = current_task.request
    args = list(request.args or [])
    if not args or not request.id:
        return None
    return str(args[0]), str(request.id)


def job_fence() -> None:
    """The fence of a handler's writes, called inside the write's transaction (AdminPlus connects it
    to the signals of the STT, draft and finalization writes: soapify/adminplus/fences.py).

    In a worker, locks the row of the job the current task runs and raises ``JobCancelled`` (which
    rolls the write back) if the job was cancelled or moved on to another message. ``job_cancel``'s
    UPDATE waits for that lock, so a cancel lands either before the write (nothing is written) or
    after it committed (the output is whole; the job still ends ``cancelled``). An attempt that
    already ended on its own (succeeded, failed) is not stopped: its ``job_finished`` receivers may
    write. Outside a worker task it does nothing."""
    current = _current_attempt()
    if current is None:
        return
    job_id, task_id = current
    row = Job.objects.filter(pk=job_id)
    if transaction.get_connection().in_atomic_block:
        row = row.select_for_update()
    state = row.values_list("status", "celery_task_id").first()
    if state is None:
        return
    status, current_task_id = state
    if status == Job.Status.CANCELLED or current_task_id != task_id:
        logger.info("job %s: attempt of message %s stopped at its fence (%s)", job_id, task_id, status)
        raise JobCancelled()


def _revoke(task_id: str) -> None:
    """Tell the workers to drop the message (a queued job's, when it arrives). Not on the
    filesystem broker: its broadcast is one more message file, and kombu's filesystem transport
    can read a file before its writer has filled it (a consumer crash); the claim refuses the
    cancelled job's message anyway."""
    if str(current_app.conf.broker_url or "").startswith("filesystem"):
        return
    try:
        current_app.control.revoke(task_id)
    except Exception as exc:  # noqa: BLE001 - the row is the truth; the message finds the job cancelled
        logger.warning("revoke of message %s not sent: %s", task_id, exc)


#: how long a cancel waits for a fenced write under way (the job's row is locked while it commits)
CANCEL_LOCK_WAIT_SECONDS = 2.0


def job_cancel(*, job: Job, reason: str = "") -> Job:
    """Cancel a queued or running job; a finished one is a 409 ``job_finished``.

    The job's row is locked first, waiting at most ``CANCEL_LOCK_WAIT_SECONDS`` for a fenced final
    write under way (``job_fence``): if that write is still committing, the cancel is a 409
    ``job_completing`` (the output will be whole) rather than a request left hanging. Then one
    UPDATE: a queued job never starts (its message finds it cancelled, and is revoked); a running
    one is revoked and its handler stops at its next checkpoint (``job_set_progress``,
    ``job_checkpoint``) or at the fence of its next write, which rolls that write back; whatever it
    returns afterwards is dropped by the runner's own fence. Of two concurrent cancels one wins."""
    try:
        with transaction.atomic():
            with connections[Job.objects.db].cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{int(CANCEL_LOCK_WAIT_SECONDS * 1000)}ms'")
                status = Job.objects.select_for_update().filter(pk=job.pk).values_list("status", flat=True)
                current = status.first()
                cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
            if current is None or current in Job.FINISHED:
                raise ApiError(
                    "Only a queued or running job can be cancelled.", code="job_finished", status_code=409
                )
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.CANCELLED,
                finished_at=timezone.now(),
                error={"code": "cancelled", "message": reason or "The job was cancelled."},
            )
    except OperationalError as exc:
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) != "55P03" and getattr(cause, "pgcode", None) != "55P03":
            raise  # not the lock wait (lock_not_available): a real database error
        raise ApiError(
            "The job is storing its result and can no longer be cancelled.",
            code="job_completing",
            status_code=409,
        ) from None
    job.refresh_from_db()
    if job.celery_task_id:
        task_id = job.celery_task_id
        transaction.on_commit(lambda: _revoke(task_id))
    logger.info("job %s (%s) cancelled", job.id, job.kind)
    _finished(job)
    return job


def job_retry(*, job: Job) -> Job:
    """Run a failed or cancelled job again as a new attempt (a new message, a fresh budget of its
    handler's ``max_attempts`` on top of the attempts made; timings restart). Any other status is a
    409 ``job_not_retryable``; of two concurrent retries one wins."""
    try:
        handler = get_handler(job.kind)
    except LookupError:
        raise ApiError(
            "This kind of job can no longer be run.", code="job_not_retryable", status_code=409
        ) from None
    retried = Job.objects.filter(pk=job.pk, status__in=(Job.Status.FAILED, Job.Status.CANCELLED)).update(
        status=Job.Status.QUEUED,
        error={},
        result={},
        progress=0.0,
        started_at=None,
        finished_at=None,
        max_attempts=F("attempts") + handler.max_attempts,
        celery_task_id=_new_task_id(),
        heartbeat_at=timezone.now(),
        waits_for=None,
    )
    if not retried:
        raise ApiError(
            "Only a failed or cancelled job can be retried.", code="job_not_retryable", status_code=409
        )
    job.refresh_from_db()
    logger.info("job %s (%s) retried as attempt %s", job.id, job.kind, job.attempts + 1)
    job_dispatch(job)
    job.refresh_from_db()
    return job
