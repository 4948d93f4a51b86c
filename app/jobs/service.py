"""The life of a job, shared by the API (which creates jobs) and the workers (which run them).

A job row is the public face of background work: created ``queued`` in the caller's
transaction, its task enqueued only after that commits; the worker moves it to
``running`` and then ``succeeded`` or ``failed``, committing progress in short
transactions of their own so readers see it as it happens. Running a job whose row
is already final does nothing, so a redelivered task is harmless.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings
from app.jobs import kinds, repository
from app.jobs.lease import Heartbeat, LeaseLost, new_owner
from app.kit.db import UnitOfWork, unit_of_work
from app.kit.queue import enqueue, send_now
from app.kit.redaction import redact_text, scrub
from app.models import Content, Job
from app.models.enums import JobItemState, JobState

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


class PermanentJobError(Exception):
    """The job cannot succeed (bad input); retrying would not help."""


def submit(
    uow: UnitOfWork,
    kind: str,
    params: dict[str, object],
    *,
    requested_by: str | None = None,
    send: bool = True,
) -> Job:
    """Create a job and enqueue its task once the transaction commits (``send=False``:
    the caller runs it in process with :func:`run`, as the first start does for the
    demo dataset before any worker is up).

    The params are stored with credentials stripped from every URL they hold: anyone
    may read a job (``GET /v1/jobs/{id}``), and a worker needs none to do its work
    (private sources are out of scope for submitted jobs). ``requested_by`` defaults
    to the unit of work's actor (the API key's name on a request)."""
    if kind not in kinds.ALL:
        raise ValueError(f"unknown job kind {kind!r}")
    job = repository.create(uow.session, kind, scrub(params), requested_by or uow.actor)
    if send:
        enqueue(uow, kind, job.id)  # the task is named after the kind
    return job


@dataclass
class JobContext:
    """What a running job body gets: its job, and ways to report as it goes.

    Every report first checks the attempt still holds the job's lease
    (:class:`app.jobs.lease.LeaseLost` otherwise), so an attempt that was superseded
    stops at its next report instead of racing its successor.
    """

    job_id: int
    params: dict[str, object]
    factory: sessionmaker[Session] | None
    resumed_from: int = 0  # progress an earlier attempt committed (0 on a first run)
    heartbeat: Heartbeat | None = None

    def check_lease(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.check()

    def progress(self, done: int, total: int | None, stage: str | None = None) -> None:
        """Report progress (committed at once, whatever the job's own transaction);
        ``stage`` names what the counters count now, for jobs that go through stages."""
        self.check_lease()
        with unit_of_work(self.factory) as uow:
            repository.set_progress(uow.session, self.job_id, done, total, stage)

    def item(
        self,
        key: str,
        state: JobItemState,
        error: str | None = None,
        detail: dict[str, object] | None = None,
    ) -> bool:
        self.check_lease()
        with unit_of_work(self.factory) as uow:
            clean_error = redact_text(error) if error else error
            return repository.record_item(uow.session, self.job_id, key, state, clean_error, detail)


JobBody = Callable[[JobContext], dict[str, object]]


class Skipped(StrEnum):
    """Why an attempt ended without running or finishing the job."""

    DUPLICATE = "duplicate"  # another attempt holds a live lease on the job
    LEASE_LOST = "lease-lost"  # this attempt's lease lapsed and another took over


RunOutcome = JobState | Skipped


def lease_ttl() -> timedelta:
    return timedelta(seconds=get_settings().job_lease_seconds)


def run(
    job_id: int,
    body: JobBody,
    factory: sessionmaker[Session] | None = None,
    *,
    owner: str | None = None,
    ttl: timedelta | None = None,
) -> RunOutcome:
    """Run ``body`` for the job under a lease; returns the final state (or the
    existing one if final), or why this attempt stood aside.

    Exceptions other than :class:`PermanentJobError` propagate after the attempt is
    recorded, so the Celery task can retry them; the job stays ``running`` meanwhile
    and the caller says until when the lease is kept for the retry
    (:func:`release_for_retry`).
    """
    owner = owner or new_owner()
    ttl = ttl or lease_ttl()
    with unit_of_work(factory) as uow:
        job = repository.get(uow.session, job_id, lock=True)
        if job is None:
            raise PermanentJobError(f"job {job_id} does not exist")
        if job.state.is_final:
            log.info("job %s is already %s; nothing to do", job_id, job.state.value)
            return job.state
        now = repository.db_now(uow.session)
        if (
            job.state is JobState.RUNNING
            and job.lease_owner is not None
            and job.lease_expires_at is not None
            and job.lease_expires_at > now
        ):
            log.info(
                "job %s is running under %s's lease until %s; this copy exits",
                job_id,
                job.lease_owner,
                job.lease_expires_at,
            )
            return Skipped.DUPLICATE
        job.state = JobState.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.error = None
        job.lease_owner = owner
        job.lease_expires_at = now + ttl
        job.heartbeat_at = now
        params = dict(job.params)
        resumed_from = job.progress_done
    heartbeat = Heartbeat(job_id, owner, ttl, factory).start()
    context = JobContext(
        job_id=job_id,
        params=params,
        factory=factory,
        resumed_from=resumed_from,
        heartbeat=heartbeat,
    )
    try:
        result = body(context)
        context.check_lease()
    except LeaseLost:
        log.warning("job %s: attempt %s superseded; it stops here", job_id, owner)
        return Skipped.LEASE_LOST
    except PermanentJobError as exc:
        return _finish(factory, job_id, JobState.FAILED, error=redact_text(str(exc)), owner=owner)
    except Exception as exc:
        with unit_of_work(factory) as uow:
            job = repository.get(uow.session, job_id, lock=True)
            if job is not None and job.lease_owner == owner:
                job.error = redact_text(f"attempt {job.attempts} failed: {exc}")
        raise
    finally:
        heartbeat.stop()
    return _finish(factory, job_id, JobState.SUCCEEDED, result=result, owner=owner)


def release_for_retry(
    job_id: int, owner: str, retry_in: float, factory: sessionmaker[Session] | None = None
) -> None:
    """Hand the lease back while a retry waits: nobody owns the job, and the reaper
    leaves it alone until the retry is due (plus one lease of grace)."""
    with unit_of_work(factory) as uow:
        job = repository.get(uow.session, job_id, lock=True)
        if job is None or job.state.is_final or job.lease_owner != owner:
            return
        job.lease_owner = None
        job.lease_expires_at = (
            repository.db_now(uow.session) + timedelta(seconds=retry_in) + lease_ttl()
        )


def params_of(
    job_id: int, factory: sessionmaker[Session] | None = None
) -> dict[str, object] | None:
    with unit_of_work(factory) as uow:
        job = repository.get(uow.session, job_id)
        return dict(job.params) if job is not None else None


def fail(job_id: int, error: str, factory: sessionmaker[Session] | None = None) -> None:
    """Mark a job failed for good (retries exhausted, or a permanent error)."""
    _finish(factory, job_id, JobState.FAILED, error=redact_text(error))


def _finish(
    factory: sessionmaker[Session] | None,
    job_id: int,
    state: JobState,
    *,
    error: str | None = None,
    result: dict[str, object] | None = None,
    owner: str | None = None,
) -> RunOutcome:
    """Record the job's final state, unless it is final already or (given ``owner``)
    another attempt took the job over meanwhile."""
    with unit_of_work(factory) as uow:
        job = repository.get(uow.session, job_id, lock=True)
        if job is None:
            return state
        if job.state.is_final:
            return job.state
        if owner is not None and job.lease_owner != owner:
            return Skipped.LEASE_LOST
        job.state = state
        job.error = error
        job.result = result
        job.finished_at = datetime.now(UTC)
        job.lease_owner = None
        job.lease_expires_at = None
    return state


def cancel(uow: UnitOfWork, job_id: int) -> Job | None:
    job = repository.get(uow.session, job_id, lock=True)
    if job is not None and not job.state.is_final:
        job.state = JobState.CANCELLED
        job.finished_at = datetime.now(UTC)
        job.lease_owner = None
        job.lease_expires_at = None
    return job


@dataclass
class Reaped:
    """What one pass of the reaper did: jobs sent again, and jobs given up on."""

    resent: list[tuple[str, int]]
    failed: list[tuple[str, int, dict[str, object]]]

    def as_dict(self) -> dict[str, list[int]]:
        return {
            "resent": [job_id for _, job_id in self.resent],
            "failed": [job_id for _, job_id, _ in self.failed],
        }


def reap_stale(
    factory: sessionmaker[Session] | None = None,
    stale_after: timedelta | None = None,
    *,
    send: bool = True,
) -> Reaped:
    """Re-send jobs nobody is working on: running jobs whose lease lapsed (their worker
    died or froze; they go back to ``queued``) and queued jobs nobody picked up for
    ``stale_after`` (their send was lost); fail lapsed jobs that used up their
    attempts. A running job whose
    heartbeat keeps its lease alive is never touched, however long it runs. Safe to
    run concurrently (SKIP LOCKED)."""
    if stale_after is None:
        stale_after = timedelta(seconds=get_settings().job_queued_stale_seconds)
    reaped = Reaped(resent=[], failed=[])
    with unit_of_work(factory) as uow:
        now = repository.db_now(uow.session)
        for job in repository.lapsed(uow.session, now=now, queued_before=now - stale_after):
            if job.state is JobState.RUNNING and job.attempts >= MAX_ATTEMPTS:
                job.state = JobState.FAILED
                job.error = (job.error or "worker lost") + (
                    f" (gave up after {job.attempts} attempts)"
                )
                job.finished_at = now
                job.lease_owner = None
                job.lease_expires_at = None
                reaped.failed.append((job.kind, job.id, dict(job.params)))
            elif job.kind in kinds.ALL:
                # Back in the queue: "running" means someone's heartbeat holds it; a
                # re-sent job waiting behind others is sent again only after
                # ``stale_after``, not at every pass.
                job.state = JobState.QUEUED
                job.lease_owner = None
                job.lease_expires_at = None
                job.updated_at = now
                reaped.resent.append((job.kind, job.id))
    if send:
        for task_name, job_id in reaped.resent:  # after commit, like every enqueue
            send_now(task_name, job_id)
    if reaped.resent or reaped.failed:
        log.info("reaper: %s", reaped.as_dict())
    return reaped


def demo_body(context: JobContext) -> dict[str, object]:
    """The demo job: records one item per step and reports progress as it goes.

    It exists to prove the whole path (API → broker → worker → database → API) on a
    fresh install; ``codecommons jobs demo`` and ``POST /v1/jobs/demo`` start it.
    """
    steps = int(context.params.get("steps", 5))  # type: ignore[call-overload]
    delay = float(context.params.get("delay", 0.0))  # type: ignore[arg-type]
    if steps < 0:
        raise PermanentJobError("steps must be >= 0")
    for step in range(min(context.resumed_from, steps), steps):  # resumes where it was cut
        context.item(f"step-{step}", JobItemState.SUCCEEDED, detail={"step": step})
        context.progress(step + 1, steps)
        if delay:
            time.sleep(delay)
    with unit_of_work(context.factory) as uow:
        contents = uow.session.scalar(select(func.count()).select_from(Content)) or 0
    return {"steps": steps, "contents_in_archive": int(contents)}
