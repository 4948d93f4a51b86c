"""Tasks that run jobs. Thin: they call app.jobs.service, which the API uses too."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from app.jobs import service
from app.jobs.kinds import DEMO, REAP_TASK, TASK_FOR_KIND

RETRY_DELAYS = (5, 30, 120)


def _countdown(exc: Exception, retries: int) -> float:
    """Seconds before the next try: what a rate limit asks for, else our backoff."""
    from app.forges.clients import RateLimited, TransientFetchError, retry_countdown

    if isinstance(exc, RateLimited | TransientFetchError):
        return retry_countdown(exc, retries)
    return RETRY_DELAYS[min(retries, len(RETRY_DELAYS) - 1)]


def run_with_retries(task: Task[Any, Any], job_id: int, body: service.JobBody) -> str:
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
        raise task.retry(exc=exc, countdown=_countdown(exc, retries)) from exc


@shared_task(bind=True, name=TASK_FOR_KIND[DEMO])
def demo(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, service.demo_body)


@shared_task(name=REAP_TASK)
def reap_stale() -> dict[str, list[int]]:
    return service.reap_stale()
