"""Celery tasks of the opt-out registry: thin, over ``app.optouts`` services."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from app.config import get_settings
from app.jobs import kinds
from app.jobs.runner import job_task
from app.jobs.service import JobContext
from app.kit.db import unit_of_work
from app.optouts import webhooks
from app.optouts.jobs import verify_body


@job_task(kinds.OPTOUTS_VERIFY)
def verify(context: JobContext) -> dict[str, object]:
    """Check an SSH signature against the forge's keys, or send an e-mail code."""
    return verify_body(context)


@shared_task(bind=True, name=webhooks.DELIVER_TASK, max_retries=None)
def deliver(self: Task[Any, Any], delivery_id: int) -> dict[str, Any]:
    """One attempt per run; a failed one is retried after the backoff, committed
    first so the attempt count survives a lost worker."""
    settings = get_settings()
    with unit_of_work() as uow:
        result = webhooks.attempt(uow.session, settings, delivery_id)
    if result["state"] == "retry":
        raise self.retry(countdown=webhooks.backoff(settings, int(result["attempts"])))
    return result
