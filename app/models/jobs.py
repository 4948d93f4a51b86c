"""Background jobs with a state anyone can read, and their per-item outcomes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, pg_enum
from app.models.enums import JobItemState, JobState


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        Index(None, "state", "created_at"),
        Index(None, "kind", "created_at"),
        # The reaper's question: which running jobs' leases have lapsed?
        Index(
            "ix_job_running_lease", "lease_expires_at", postgresql_where=text("state = 'running'")
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    state: Mapped[JobState] = mapped_column(
        pg_enum(JobState, "job_state"), server_default=JobState.QUEUED.value
    )
    params: Mapped[dict[str, object]] = mapped_column(JSONB, server_default="{}")
    progress_done: Mapped[int] = mapped_column(BigInteger, server_default="0")
    progress_total: Mapped[int | None] = mapped_column(BigInteger)
    progress_stage: Mapped[str | None] = mapped_column(Text)  # what the counters count now
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    celery_task_id: Mapped[str | None] = mapped_column(Text)
    # The lease of the attempt running the job (app.jobs.lease): who holds it, until
    # when unless renewed, and the last renewal. Null owner: nobody runs it now.
    lease_owner: Mapped[str | None] = mapped_column(Text)
    lease_expires_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    # Who asked: the API key's name (``key:<name>``, ``config:<fingerprint>``) or the
    # process that did (``cli``, ``beat``); never a secret.
    requested_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class JobItem(Base):
    """One unit of a job's work (a payload, a file chunk) and how it went."""

    __tablename__ = "job_item"
    __table_args__ = (UniqueConstraint("job_id", "key"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)
    state: Mapped[JobItemState] = mapped_column(pg_enum(JobItemState, "job_item_state"))
    error: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, object]] = mapped_column(JSONB, server_default="{}")
    raw_metadata_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("raw_metadata.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
