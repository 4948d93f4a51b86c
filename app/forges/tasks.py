"""Forge metadata tasks: thin wrappers over app.forges job bodies."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from app.config import get_settings
from app.forges.fetch import stalest_origins
from app.forges.jobs import import_dump_body, issues_body, rederive_body, refresh_body
from app.jobs import service
from app.jobs.kinds import (
    FORGE_IMPORT,
    FORGE_ISSUES,
    FORGE_REDERIVE,
    FORGE_REFRESH,
    REFRESH_STALE_TASK,
    TASK_FOR_KIND,
)
from app.jobs.tasks import run_with_retries
from app.kit.db import unit_of_work


@shared_task(bind=True, name=TASK_FOR_KIND[FORGE_IMPORT])
def import_dump(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, import_dump_body)


@shared_task(bind=True, name=TASK_FOR_KIND[FORGE_REDERIVE])
def rederive(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, rederive_body)


@shared_task(bind=True, name=TASK_FOR_KIND[FORGE_REFRESH])
def refresh_origin(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, refresh_body)


@shared_task(bind=True, name=TASK_FOR_KIND[FORGE_ISSUES])
def crawl_issues(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, issues_body)


@shared_task(name=REFRESH_STALE_TASK)
def refresh_stale() -> int:
    """Beat: send refresh jobs for the origins whose data is oldest."""
    with unit_of_work() as uow:
        ids = stalest_origins(uow.session, get_settings().refresh_batch)
        for origin_id in ids:
            service.submit(uow, FORGE_REFRESH, {"origin_id": origin_id})
    return len(ids)
