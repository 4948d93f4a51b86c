"""Transactional enqueue: a task is sent only after the transaction that asked for it
has committed, so a worker never looks for rows that are not visible yet.

A send that fails (broker down) is logged, not raised: the job row is committed in
state ``queued`` and the beat reaper re-sends queued jobs that no worker picked up.
"""

from __future__ import annotations

import logging
from typing import Any

from app.kit.db import UnitOfWork

log = logging.getLogger(__name__)


def send_now(task_name: str, *args: Any) -> str | None:
    # Late: Celery is large (23,000 more live objects in the API process, whose first
    # request then pays a longer garbage collection) and the API process rarely sends.
    from app.kit.celery import get_celery

    try:
        result = get_celery().send_task(task_name, args=list(args))
    except Exception:  # broker unreachable: the reaper will retry the job later
        log.warning(
            "could not send %s%r; the reaper will re-send it", task_name, args, exc_info=True
        )
        return None
    return str(result.id)


def enqueue(uow: UnitOfWork, task_name: str, *args: Any) -> None:
    def send() -> None:
        send_now(task_name, *args)

    uow.after_commit(send)
