"""Jobs as Celery tasks: one task per job kind, retried with backoff.

:func:`job_task` turns a job body (``JobContext -> result``) into the Celery task named
after its kind; every body runs through :func:`run_with_retries`, so retries, final
failures and redelivery behave the same for every feature. ``JOB_TASKS`` is the
kind -> task registry the worker fills as it loads the features' ``tasks.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Task, shared_task

from app.jobs import kinds, service

RETRY_DELAYS = (5, 30, 120)
# Seconds before the next try for an error the task knows better (a rate limit's own
# wait); None: the default backoff.
Countdown = Callable[[Exception, int], float | None]

JOB_TASKS: dict[str, Task[Any, Any]] = {}


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
    """Run a job; transient errors are retried with backoff, then the job fails."""
    try:
        return service.run(job_id, body).value
    except service.PermanentJobError as exc:
        service.fail(job_id, str(exc))
        return "failed"
    except Exception as exc:
        retries = task.request.retries
        if retries >= len(RETRY_DELAYS):
            service.fail(job_id, f"gave up after {retries + 1} attempts: {exc}")
            return "failed"
        raise task.retry(exc=exc, countdown=_countdown(exc, retries, countdown)) from exc


def job_task(
    kind: str, *, countdown: Countdown | None = None
) -> Callable[[service.JobBody], Task[Any, Any]]:
    """The Celery task, named ``kind``, that runs jobs of that kind with ``body``."""
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
        return task

    return register
