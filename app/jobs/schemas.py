"""What the job endpoints return."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.kit.boundary import RequestModel
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
    params: dict[str, object]
    progress: ProgressOut
    attempts: int
    error: str | None
    result: dict[str, object] | None
    items: dict[str, int] = Field(description="Item outcomes by state.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, job: Job, item_counts: dict[str, int]) -> JobOut:
        total = job.progress_total
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            params=job.params,
            progress=ProgressOut(
                done=job.progress_done,
                total=total,
                fraction=(job.progress_done / total) if total else None,
                stage=job.progress_stage,
            ),
            attempts=job.attempts,
            error=job.error,
            result=job.result,
            items=item_counts,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            updated_at=job.updated_at,
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
            error=item.error,
            detail=item.detail,
            raw_metadata_id=item.raw_metadata_id,
            created_at=item.created_at,
        )


class DemoJobIn(RequestModel):
    steps: int = Field(default=5, ge=0, le=10_000)
    delay: float = Field(default=0.0, ge=0, le=10)
