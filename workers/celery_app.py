"""The Celery application and its settings.

Settings follow what production Celery deployments (Onyx among them) learned the hard
way: acknowledge late and reject on worker loss so a killed worker's task is
redelivered rather than lost; prefetch one task at a time so long jobs don't hoard
work; JSON only; UTC; results expire. Tasks take ids and are idempotent, which is
what makes redelivery safe.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from celery import Celery

from app.config import get_settings
from app.jobs.kinds import REAP_TASK, REFRESH_STALE_TASK, RESOLVE_PAPERS_TASK

TASK_MODULES = [
    "workers.tasks.jobs",
    "workers.tasks.forges",
    "workers.tasks.archive",
    "app.datasets.tasks",
]


@lru_cache(maxsize=1)
def get_celery() -> Celery:
    settings = get_settings()
    celery = Celery("codecommons", include=TASK_MODULES)
    celery.conf.update(
        broker_url=settings.broker_url,
        result_backend=settings.broker_url,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_track_started=True,
        worker_prefetch_multiplier=1,
        worker_concurrency=settings.worker_concurrency,
        worker_max_tasks_per_child=200,
        worker_hijack_root_logger=False,
        result_expires=timedelta(days=1),
        # Long scans must not be redelivered to a second worker while still running.
        broker_transport_options={"visibility_timeout": 6 * 3600},
        beat_schedule={
            "reap-stale-jobs": {"task": REAP_TASK, "schedule": timedelta(minutes=5)},
            "resolve-papers": {
                "task": RESOLVE_PAPERS_TASK,
                "schedule": timedelta(seconds=settings.beat_refresh_seconds),
            },
            "refresh-stale-origins": {
                "task": REFRESH_STALE_TASK,
                "schedule": timedelta(seconds=settings.beat_refresh_seconds),
            },
        },
    )
    return celery
