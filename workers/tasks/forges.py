"""Forge metadata tasks: thin wrappers over app.forges job bodies."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from app.forges.jobs import import_dump_body, rederive_body
from app.jobs.kinds import FORGE_IMPORT, FORGE_REDERIVE, TASK_FOR_KIND
from workers.tasks.jobs import run_with_retries


@shared_task(bind=True, name=TASK_FOR_KIND[FORGE_IMPORT])
def import_dump(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, import_dump_body)


@shared_task(bind=True, name=TASK_FOR_KIND[FORGE_REDERIVE])
def rederive(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, rederive_body)
