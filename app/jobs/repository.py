"""SQL for jobs and job items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.models import Job, JobItem
from app.models.enums import JobItemState, JobState


def create(
    session: Session, kind: str, params: dict[str, object], requested_by: str | None = None
) -> Job:
    job = Job(kind=kind, params=params, state=JobState.QUEUED, requested_by=requested_by)
    session.add(job)
    session.flush()
    session.refresh(job)
    return job


def get(session: Session, job_id: int, *, lock: bool = False) -> Job | None:
    stmt = select(Job).where(Job.id == job_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def jobs_query(state: JobState | None, kind: str | None) -> Select[Job]:
    stmt = select(Job)
    if state is not None:
        stmt = stmt.where(Job.state == state)
    if kind is not None:
        stmt = stmt.where(Job.kind == kind)
    return stmt


def list_jobs(
    session: Session,
    *,
    state: JobState | None,
    kind: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[Job]:
    stmt = jobs_query(state, kind).order_by(Job.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(Job.id < before_id)
    return session.scalars(stmt).all()


def set_progress(
    session: Session, job_id: int, done: int, total: int | None, stage: str | None = None
) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(progress_done=done, progress_total=total, progress_stage=stage)
    )


def record_item(
    session: Session,
    job_id: int,
    key: str,
    state: JobItemState,
    error: str | None = None,
    detail: dict[str, object] | None = None,
    raw_metadata_id: int | None = None,
) -> bool:
    """Record one item's outcome; False when it was already recorded (idempotent)."""
    result = session.execute(
        insert(JobItem)
        .values(
            job_id=job_id,
            key=key,
            state=state,
            error=error,
            detail=detail or {},
            raw_metadata_id=raw_metadata_id,
        )
        .on_conflict_do_nothing(index_elements=["job_id", "key"])
        .returning(JobItem.id)
    )
    return result.first() is not None


def items(
    session: Session,
    job_id: int,
    *,
    state: JobItemState | None,
    after_id: int | None,
    limit: int,
) -> Sequence[JobItem]:
    stmt = select(JobItem).where(JobItem.job_id == job_id).order_by(JobItem.id).limit(limit)
    if state is not None:
        stmt = stmt.where(JobItem.state == state)
    if after_id is not None:
        stmt = stmt.where(JobItem.id > after_id)
    return session.scalars(stmt).all()


def item_counts(session: Session, job_id: int) -> dict[str, int]:
    rows = session.execute(
        select(JobItem.state, func.count()).where(JobItem.job_id == job_id).group_by(JobItem.state)
    ).all()
    return {str(state.value if hasattr(state, "value") else state): int(n) for state, n in rows}


def db_now(session: Session) -> datetime:
    """The database's clock: leases are compared on one clock whatever host asks."""
    now: datetime = session.execute(select(func.now())).scalar_one()
    return now


def lapsed(session: Session, *, now: datetime, queued_before: datetime) -> Sequence[Job]:
    """Jobs nobody works on: running ones whose lease has expired (or that never had
    one), queued ones untouched since ``queued_before``. Locked, skipping rows another
    reaper holds."""
    running_lapsed = and_(
        Job.state == JobState.RUNNING,
        or_(Job.lease_expires_at.is_(None), Job.lease_expires_at < now),
    )
    queued_stale = and_(Job.state == JobState.QUEUED, Job.updated_at < queued_before)
    return session.scalars(
        select(Job)
        .where(or_(running_lapsed, queued_stale))
        .order_by(Job.id)
        .with_for_update(skip_locked=True)
    ).all()


def has_active(session: Session, kind: str) -> bool:
    """A job of ``kind`` is queued or running."""
    found = session.scalar(
        select(Job.id)
        .where(Job.kind == kind, Job.state.in_([JobState.QUEUED, JobState.RUNNING]))
        .limit(1)
    )
    return found is not None
