"""``/v1/jobs``: the visible state of background work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.jobs import kinds, repository, service
from app.jobs.schemas import DemoJobIn, JobItemOut, JobOut
from app.keys.auth import Submitter
from app.kit.api import UoW
from app.kit.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_id_cursor,
    id_page,
)
from app.kit.params import Cursor, JobId
from app.kit.problems import Forbidden, NotFound
from app.models.enums import JobItemState, JobState

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("", response_model=Page[JobOut])
def list_jobs(
    uow: UoW,
    request: Request,
    response: Response,
    state: JobState | None = None,
    kind: str | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[JobOut]:
    rows = repository.list_jobs(
        uow.session,
        state=state,
        kind=kind,
        before_id=decode_id_cursor("jobs", cursor),
        limit=limit + 1,
    )
    return id_page(
        rows,
        limit,
        "jobs",
        lambda j: JobOut.of(j, repository.item_counts(uow.session, j.id)),
        request.url,
        response.headers,
    )


@router.get("/{job_id}", response_model=JobOut)
def get_job(uow: UoW, job_id: JobId) -> JobOut:
    job = repository.get(uow.session, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    return JobOut.of(job, repository.item_counts(uow.session, job.id))


@router.get("/{job_id}/items", response_model=Page[JobItemOut])
def list_job_items(
    uow: UoW,
    request: Request,
    response: Response,
    job_id: JobId,
    state: JobItemState | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[JobItemOut]:
    if repository.get(uow.session, job_id) is None:
        raise NotFound(f"no job with id {job_id}")
    rows = repository.items(
        uow.session,
        job_id,
        state=state,
        after_id=decode_id_cursor("job-items", cursor),
        limit=limit + 1,
    )
    return id_page(rows, limit, "job-items", JobItemOut.of, request.url, response.headers)


@router.post("/demo", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def start_demo_job(uow: UoW, _key: Submitter, body: DemoJobIn | None = None) -> JobOut:
    """Start the demo job (proves API → broker → worker → database on a fresh install)."""
    params = (body or DemoJobIn()).model_dump()
    job = service.submit(uow, kinds.DEMO, params)
    return JobOut.of(job, {})


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel_job(uow: UoW, key: Submitter, job_id: JobId) -> JobOut:
    """Cancel a job: one's own (the key that asked for it), or any with the admin scope."""
    found = repository.get(uow.session, job_id)
    if found is None:
        raise NotFound(f"no job with id {job_id}")
    if not key.is_admin and found.requested_by != key.name:
        raise Forbidden("only the key that asked for a job, or an admin key, can cancel it")
    job = service.cancel(uow, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    return JobOut.of(job, repository.item_counts(uow.session, job.id))
