"""The lease a running job holds, renewed by a heartbeat thread.

Why a lease: "running and quiet for ten minutes" cannot tell a dead worker from a
busy one (a scan can spend longer than that in one batch), so the reaper used to
send live jobs a second time, and give up on them after three such sends while they
were still working. Now the attempt that runs a job owns it until
``lease_expires_at``; a thread of the running attempt pushes that time forward every
quarter of the lease (``JOB_LEASE_SECONDS``), in its own short transaction, so the
lease lapses only when the process stops beating (killed, frozen, cut off from the
database). The reaper re-sends a running job only then, and a copy of the job that
arrives while another holds a live lease exits without touching anything.

Times are the database's (``now()``): workers on several hosts compare one clock.

Hand-written rather than a library: Celery has no notion of a lease on the *job row*
(its visibility timeout is per broker message and hours long), and the few lines
below are the whole of it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.orm import Session, sessionmaker

from app.kit.db import unit_of_work
from app.models import Job
from app.models.enums import JobState

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """This attempt no longer holds the job's lease (it lapsed and another attempt
    took the job over, or the job was cancelled): stop without recording anything."""


def new_owner() -> str:
    """A name for one attempt: where it runs (for an operator reading the row) and a
    random part (two attempts in one process are still two owners)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def renew(session: Session, job_id: int, owner: str, ttl: timedelta) -> bool:
    """Push the lease forward; False when ``owner`` no longer holds a running job's lease."""
    renewed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.lease_owner == owner, Job.state == JobState.RUNNING)
        .values(heartbeat_at=func.now(), lease_expires_at=func.now() + ttl)
        .returning(Job.id)
    ).first()
    return renewed is not None


class Heartbeat:
    """Renews ``owner``'s lease on ``job_id`` from a daemon thread until stopped.

    A renewal that fails for a passing reason (the database restarting) is retried at
    the next beat; one that finds the lease held by someone else, or the job no longer
    running, sets :attr:`lost`, which the job's context turns into :class:`LeaseLost`
    at its next report, so a superseded attempt stops at a batch boundary.
    """

    def __init__(
        self,
        job_id: int,
        owner: str,
        ttl: timedelta,
        factory: sessionmaker[Session] | None = None,
    ) -> None:
        self.job_id = job_id
        self.owner = owner
        self.ttl = ttl
        self.factory = factory
        self.interval = ttl.total_seconds() / 4
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"job-{job_id}-heartbeat", daemon=True
        )

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 5)

    def beat_once(self) -> bool:
        """One renewal; False when the lease is gone for good."""
        with unit_of_work(self.factory) as uow:
            held = renew(uow.session, self.job_id, self.owner, self.ttl)
        if not held:
            self.lost.set()
        return held

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.beat_once():
                    log.warning("job %s: lease lost by %s", self.job_id, self.owner)
                    return
            except Exception:  # the database may be restarting: try again next beat
                log.warning("job %s: heartbeat failed; retrying", self.job_id, exc_info=True)

    def check(self) -> None:
        """Raise :class:`LeaseLost` once the lease is known to be gone."""
        if self.lost.is_set():
            raise LeaseLost(f"job {self.job_id}: lease of {self.owner} lost")
