"""Jobs as Celery tasks: one task per job kind, retried with backoff.

:func:`job_task` turns a job body (``JobContext -> result``) into the Celery task named
after its kind; every body runs through :func:`run_with_retries`, so leases, retries,
final failures, redelivery and clean-up behave the same for every feature. ``JOB_TASKS`` is the
kind -> task registry the worker fills as it loads the features' ``tasks.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Task, shared_task

from app.jobs import kinds, service
from app.jobs.lease import new_owner
from app.models.enums import JobState

log = logging.getLogger(__name__)

RETRY_DELAYS = (5, 30, 120)
# Seconds before the next try for an error the task knows better (a rate limit's own
# wait); None: the default backoff.
Countdown = Callable[[Exception, int], float | None]

# What to do once a job of a kind is final, given its params (e.g. delete an upload).
Finisher = Callable[[dict[str, object]], None]

JOB_TASKS: dict[str, Task[Any, Any]] = {}
FINISHERS: dict[str, Finisher] = {}


def _countdown(exc: Exception, retries: int, countdown: Countdown | None) -> float:
    """Seconds before the next try: what the task's own rule says, else our backoff."""
    told = countdown(exc, retries) if countdown is not None else None
    if told is not None:
        return told
    return RETRY_DELAYS[min(retries, len(RETRY_DELAYS) - 1)]


def run_with_retries(
    task: Task[Any, Any],
    job_id: int,
    body: service.JobBody,
    countdown: Countdown | None = None,
) -> str:
    """Run a job under a lease; transient errors are retried with backoff, then the
    job fails. A copy of a job another attempt holds exits at once ("duplicate")."""
    owner = new_owner()
    try:
        outcome = service.run(job_id, body, owner=owner)
    except service.PermanentJobError as exc:
        service.fail(job_id, str(exc))
        outcome = JobState.FAILED
    except Exception as exc:
        retries = task.request.retries
        if retries >= len(RETRY_DELAYS):
            service.fail(job_id, f"gave up after {retries + 1} attempts: {exc}")
            outcome = JobState.FAILED
        else:
            wait = _countdown(exc, retries, countdown)
            service.release_for_retry(job_id, owner, wait)
            raise task.retry(exc=exc, countdown=wait) from exc
    if isinstance(outcome, JobState) and outcome.is_final:
        run_finishers(task.name, service.params_of(job_id))
    return str(outcome)


def run_finishers(kind: str, params: dict[str, object] | None) -> None:
    """The clean-up of ``kind`` (e.g. deleting an uploaded file), once its job is final.

    Runs after every final outcome, a redelivered copy of a finished job included, so
    finishers must be idempotent; a failing one is logged, never fails the task."""
    finisher = FINISHERS.get(kind)
    if finisher is None or params is None:
        return
    try:
        finisher(params)
    except Exception:
        log.warning("clean-up of a %s job failed", kind, exc_info=True)


def job_task(
    kind: str, *, countdown: Countdown | None = None, on_final: Finisher | None = None
) -> Callable[[service.JobBody], Task[Any, Any]]:
    """The Celery task, named ``kind``, that runs jobs of that kind with ``body``;
    ``on_final(params)`` runs once the job is final (succeeded, failed, cancelled)."""
    if kind not in kinds.ALL:
        raise ValueError(f"unknown job kind {kind!r} (declare it in app.jobs.kinds)")
    if kind in JOB_TASKS:
        raise ValueError(f"job kind {kind!r} has two tasks")

    def register(body: service.JobBody) -> Task[Any, Any]:
        def run(self: Task[Any, Any], job_id: int) -> str:
            return run_with_retries(self, job_id, body, countdown)

        run.__name__ = run.__qualname__ = body.__name__
        run.__doc__ = body.__doc__
        task: Task[Any, Any] = shared_task(bind=True, name=kind)(run)
        JOB_TASKS[kind] = task
        if on_final is not None:
            FINISHERS[kind] = on_final
        return task

    return register
