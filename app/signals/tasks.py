"""Signal tasks: thin wrappers over app.signals.service job bodies."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from app.jobs.kinds import SIGNALS_IMPORT, SIGNALS_REFRESH, TASK_FOR_KIND
from app.signals.service import import_advisories_body, refresh_body
from workers.tasks.jobs import run_with_retries


@shared_task(bind=True, name=TASK_FOR_KIND[SIGNALS_IMPORT])
def import_advisories(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, import_advisories_body)


@shared_task(bind=True, name=TASK_FOR_KIND[SIGNALS_REFRESH])
def refresh(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, refresh_body)
