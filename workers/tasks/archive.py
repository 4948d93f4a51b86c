"""Archive tasks: thin wrappers over app.enrichment job bodies."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from app.enrichment.jobs import recluster_body, scan_body
from app.jobs.kinds import NEAR_DUP, PAPERS_RESOLVE, SCAN, TASK_FOR_KIND
from app.papers.jobs import resolve_body
from workers.tasks.jobs import run_with_retries


@shared_task(bind=True, name=TASK_FOR_KIND[SCAN])
def scan(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, scan_body)


@shared_task(bind=True, name=TASK_FOR_KIND[NEAR_DUP])
def recluster(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, recluster_body)


@shared_task(bind=True, name=TASK_FOR_KIND[PAPERS_RESOLVE])
def resolve_papers(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, resolve_body)
