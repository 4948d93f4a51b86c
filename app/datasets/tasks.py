"""Dataset tasks: thin wrappers over the build body."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from app.datasets.builder import build_body
from app.jobs.kinds import DATASET_BUILD, TASK_FOR_KIND
from workers.tasks.jobs import run_with_retries


@shared_task(bind=True, name=TASK_FOR_KIND[DATASET_BUILD])
def build(self: Task[Any, Any], job_id: int) -> str:
    return run_with_retries(self, job_id, build_body)
