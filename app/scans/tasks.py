"""Archive tasks: thin wrappers over app.enrichment job bodies."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from app.jobs import service
from app.jobs.kinds import NEAR_DUP, PAPERS_RESOLVE, RESOLVE_PAPERS_TASK, SCAN, TASK_FOR_KIND
from app.jobs.tasks import run_with_retries
from app.kit.db import unit_of_work
from app.papers.jobs import pending_resolution, resolve_body
from app.scans.jobs import recluster_body, scan_body


@shared_task(bind=True, name=TASK_FOR_KIND[SCAN])
def scan(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, scan_body)


@shared_task(bind=True, name=TASK_FOR_KIND[NEAR_DUP])
def recluster(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, recluster_body)


@shared_task(bind=True, name=TASK_FOR_KIND[PAPERS_RESOLVE])
def resolve_papers(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, resolve_body)


@shared_task(name=RESOLVE_PAPERS_TASK)
def resolve_pending() -> int | None:
    """Beat: queue a resolution job when papers wait and none is queued or running."""
    with unit_of_work() as uow:
        if not pending_resolution(uow.session):
            return None
        return service.submit(uow, PAPERS_RESOLVE, {}).id
