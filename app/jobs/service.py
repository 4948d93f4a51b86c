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

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.jobs import kinds, repository
from app.kit.db import UnitOfWork, unit_of_work
from app.kit.queue import enqueue, send_now
from app.models import Content, Job
from app.models.enums import JobItemState, JobState

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


class PermanentJobError(Exception):
    """The job cannot succeed (bad input); retrying would not help."""


def submit(uow: UnitOfWork, kind: str, params: dict[str, object], *, send: bool = True) -> Job:
    """Create a job and enqueue its task once the transaction commits (``send=False``:
    the caller runs it in process with :func:`run`, as the first start does for the
    demo dataset before any worker is up)."""
    if kind not in kinds.ALL:
        raise ValueError(f"unknown job kind {kind!r}")
    job = repository.create(uow.session, kind, params)
    if send:
        enqueue(uow, kind, job.id)  # the task is named after the kind
    return job


@dataclass
class JobContext:
    """What a running job body gets: its job, and ways to report as it goes."""

    job_id: int
    params: dict[str, object]
    factory: sessionmaker[Session] | None
    resumed_from: int = 0  # progress an earlier attempt committed (0 on a first run)

    def progress(self, done: int, total: int | None, stage: str | None = None) -> None:
        """Report progress (committed at once, whatever the job's own transaction);
        ``stage`` names what the counters count now, for jobs that go through stages."""
        with unit_of_work(self.factory) as uow:
            repository.set_progress(uow.session, self.job_id, done, total, stage)

    def item(
        self,
        key: str,
        state: JobItemState,
        error: str | None = None,
        detail: dict[str, object] | None = None,
    ) -> bool:
        with unit_of_work(self.factory) as uow:
            return repository.record_item(uow.session, self.job_id, key, state, error, detail)


JobBody = Callable[[JobContext], dict[str, object]]


def run(job_id: int, body: JobBody, factory: sessionmaker[Session] | None = None) -> JobState:
    """Run ``body`` for the job; returns the final state (or the existing one if final).

    Exceptions other than :class:`PermanentJobError` propagate after the attempt is
    recorded, so the Celery task can retry them; the job stays ``running`` meanwhile.
    """
    with unit_of_work(factory) as uow:
        job = repository.get(uow.session, job_id, lock=True)
        if job is None:
            raise PermanentJobError(f"job {job_id} does not exist")
        if job.state.is_final:
            log.info("job %s is already %s; nothing to do", job_id, job.state.value)
            return job.state
        job.state = JobState.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or datetime.now(UTC)
        job.error = None
        params = dict(job.params)
        resumed_from = job.progress_done
    context = JobContext(job_id=job_id, params=params, factory=factory, resumed_from=resumed_from)
    try:
        result = body(context)
    except PermanentJobError as exc:
        _finish(factory, job_id, JobState.FAILED, error=str(exc))
        return JobState.FAILED
    except Exception as exc:
        with unit_of_work(factory) as uow:
            job = repository.get(uow.session, job_id, lock=True)
            if job is not None:
                job.error = f"attempt {job.attempts} failed: {exc}"
        raise
    _finish(factory, job_id, JobState.SUCCEEDED, result=result)
    return JobState.SUCCEEDED


def fail(job_id: int, error: str, factory: sessionmaker[Session] | None = None) -> None:
    """Mark a job failed for good (retries exhausted, or a permanent error)."""
    _finish(factory, job_id, JobState.FAILED, error=error)


def _finish(
    factory: sessionmaker[Session] | None,
    job_id: int,
    state: JobState,
    *,
    error: str | None = None,
    result: dict[str, object] | None = None,
) -> None:
    with unit_of_work(factory) as uow:
        job = repository.get(uow.session, job_id, lock=True)
        if job is None or job.state.is_final:
            return
        job.state = state
        job.error = error
        job.result = result
        job.finished_at = datetime.now(UTC)


def cancel(uow: UnitOfWork, job_id: int) -> Job | None:
    job = repository.get(uow.session, job_id, lock=True)
    if job is not None and not job.state.is_final:
        job.state = JobState.CANCELLED
        job.finished_at = datetime.now(UTC)
    return job


def reap_stale(
    factory: sessionmaker[Session] | None = None, stale_after: timedelta = timedelta(minutes=10)
) -> dict[str, list[int]]:
    """Re-send jobs nobody is working on (never sent, or their worker died); fail those
    that used up their attempts. Safe to run concurrently (SKIP LOCKED)."""
    resend: list[tuple[str, int]] = []
    failed: list[int] = []
    with unit_of_work(factory) as uow:
        now = datetime.now(UTC)
        for job in repository.stale(
            uow.session, older_than=now - stale_after, states=[JobState.QUEUED, JobState.RUNNING]
        ):
            if job.attempts >= MAX_ATTEMPTS:
                job.state = JobState.FAILED
                job.error = (job.error or "") + f" (gave up after {job.attempts} attempts)"
                job.finished_at = now
                failed.append(job.id)
            elif job.kind in kinds.ALL:
                job.updated_at = now  # not stale again before the re-sent task runs
                resend.append((job.kind, job.id))
    for task_name, job_id in resend:  # after commit, like every enqueue
        send_now(task_name, job_id)
    return {"resent": [job_id for _, job_id in resend], "failed": failed}


def demo_body(context: JobContext) -> dict[str, object]:
    """The demo job: records one item per step and reports progress as it goes.

    It exists to prove the whole path (API → broker → worker → database → API) on a
    fresh install; ``codecommons jobs demo`` and ``POST /v1/jobs/demo`` start it.
    """
    steps = int(context.params.get("steps", 5))  # type: ignore[call-overload]
    delay = float(context.params.get("delay", 0.0))  # type: ignore[arg-type]
    if steps < 0:
        raise PermanentJobError("steps must be >= 0")
    for step in range(steps):
        context.item(f"step-{step}", JobItemState.SUCCEEDED, detail={"step": step})
        context.progress(step + 1, steps)
        if delay:
            time.sleep(delay)
    with unit_of_work(context.factory) as uow:
        contents = uow.session.scalar(select(func.count()).select_from(Content)) or 0
    return {"steps": steps, "contents_in_archive": int(contents)}
