"""The Celery application and its settings, shared by every process that sends or
runs tasks (the API enqueues, workers run, beat schedules).

Settings follow what production Celery deployments (Onyx among them) learned the hard
way: acknowledge late and reject on worker loss so a killed worker's task is
redelivered rather than lost; prefetch one task at a time so long jobs don't hoard
work; JSON only; UTC; results expire. Tasks take ids and are idempotent, which is
what makes redelivery safe.

Tasks are declared beside the code they run, in ``app/<feature>/tasks.py``; periodic
ones with :func:`periodic_task`, which records their schedule here so that the beat
process (``workers.celery_app``) finds it with the task, not in a second list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import Any, TypeVar

from celery import Celery, Task, shared_task

from app.config import Settings, get_settings

F = TypeVar("F", bound=Callable[..., Any])
Every = Callable[[Settings], timedelta]

# Periodic task name -> how often beat sends it (read from the settings at start).
PERIODIC: dict[str, Every] = {}


@lru_cache(maxsize=1)
def get_celery() -> Celery:
    settings = get_settings()
    celery = Celery("codecommons")
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
        # Opt-out verifications and webhook deliveries can run on a queue of their own
        # (the default queue unless OPTOUTS_QUEUE says otherwise).
        task_routes={"optouts.*": {"queue": settings.optouts_queue}},
    )
    return celery


def periodic_task(name: str, every: Every) -> Callable[[F], Task[Any, Any]]:
    """A Celery task named ``name`` that beat sends every ``every(settings)``."""

    def register(fn: F) -> Task[Any, Any]:
        if name in PERIODIC:
            raise ValueError(f"periodic task {name!r} is declared twice")
        PERIODIC[name] = every
        task: Task[Any, Any] = shared_task(name=name)(fn)
        return task

    return register
