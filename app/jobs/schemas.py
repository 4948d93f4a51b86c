"""What the job endpoints return."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.kit.boundary import RequestModel
from app.kit.redaction import redact_text, scrub
from app.models import Job, JobItem
from app.models.enums import JobItemState, JobState


class ProgressOut(BaseModel):
    done: int
    total: int | None
    fraction: float | None = Field(description="done / total, when the total is known.")
    stage: str | None = Field(
        default=None,
        description="What the job is doing now, for jobs that go through stages (a dataset "
        "build: selecting, indexing, hashing, attaching, done).",
    )


class JobOut(BaseModel):
    id: int
    kind: str
    state: JobState
    params: dict[str, object] = Field(description="What was asked, credentials removed.")
    requested_by: str | None = Field(
        description="Who asked: `key:<name>` for an API key, `config:<fingerprint>` for a "
        "configured key, or the process (`cli`); never a secret."
    )
    progress: ProgressOut
    attempts: int
    error: str | None
    result: dict[str, object] | None
    items: dict[str, int] = Field(description="Item outcomes by state.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    heartbeat_at: datetime | None = Field(
        description="Last renewal of the running attempt's lease (its heartbeat)."
    )
    lease_expires_at: datetime | None = Field(
        description="When the running attempt's lease lapses unless renewed; after "
        "that the reaper sends the job again."
    )

    @classmethod
    def of(cls, job: Job, item_counts: dict[str, int]) -> JobOut:
        total = job.progress_total
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            # Stored params and errors are already clean; masking again on the way
            # out covers rows written before credentials were stripped.
            params=scrub(job.params),
            requested_by=job.requested_by,
            progress=ProgressOut(
                done=job.progress_done,
                total=total,
                fraction=(job.progress_done / total) if total else None,
                stage=job.progress_stage,
            ),
            attempts=job.attempts,
            error=redact_text(job.error) if job.error else None,
            result=scrub(job.result) if job.result is not None else None,
            items=item_counts,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            updated_at=job.updated_at,
            heartbeat_at=job.heartbeat_at,
            lease_expires_at=job.lease_expires_at,
        )


class JobItemOut(BaseModel):
    key: str
    state: JobItemState
    error: str | None
    detail: dict[str, object]
    raw_metadata_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, item: JobItem) -> JobItemOut:
        return cls(
            key=item.key,
            state=item.state,
            error=redact_text(item.error) if item.error else None,
            detail=scrub(item.detail),
            raw_metadata_id=item.raw_metadata_id,
            created_at=item.created_at,
        )


class DemoJobIn(RequestModel):
    steps: int = Field(default=5, ge=0, le=10_000)
    delay: float = Field(default=0.0, ge=0, le=10)
