"""Transactional enqueue: a task is sent only after the transaction that asked for it
has committed, so a worker never looks for rows that are not visible yet.

A send that fails (broker down) is logged, not raised: the job row is committed in
state ``queued`` and the beat reaper re-sends queued jobs that no worker picked up.

A request, though, should not accept work while the broker is known to be down: a
unit of work opened by the API asks :func:`require_broker` before it creates a job,
which answers 503 with ``Retry-After`` (nothing written) when Redis does not answer a
PING. A broker that fails between that PING and the send loses nothing either: the
job is committed and the reaper sends it later.
"""

from __future__ import annotations

import logging
from typing import Any

from app.kit.db import UnitOfWork
from app.kit.problems import Unavailable

log = logging.getLogger(__name__)
# Short: a submission waits at most this long to learn the broker is down.
BROKER_PING_SECONDS = 1.0
BROKER_RETRY_AFTER = 10


def require_broker() -> None:
    """Raise :class:`Unavailable` (503) unless the broker answers a PING."""
    from app.config import get_settings
    from app.kit.redis import make_redis

    client = make_redis(get_settings().broker_url, timeout=BROKER_PING_SECONDS)
    try:
        client.ping()
    except Exception as exc:  # any failure to answer means "not now"
        log.warning("broker unreachable; refusing a job submission: %s", exc)
        raise Unavailable(
            "the job broker cannot be reached for the moment; nothing was submitted",
            retry_after=BROKER_RETRY_AFTER,
        ) from exc
    finally:
        client.close()


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
    if uow.require_broker:
        require_broker()

    def send() -> None:
        send_now(task_name, *args)

    uow.after_commit(send)
