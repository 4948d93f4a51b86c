"""``POST /v1/scans``: scan a repository, directory or archive in the background."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import Field

from app.jobs import kinds, service
from app.jobs.schemas import JobOut
from app.kit.api import ApiKey, UoW
from app.kit.boundary import RequestModel

router = APIRouter(prefix="/v1", tags=["archive"])


class ScanIn(RequestModel):
    location: str = Field(
        min_length=1,
        max_length=4096,
        description=(
            "A git clone URL, or a path on the workers' machine to a git repository, a "
            "directory, a tarball or a zip."
        ),
    )
    origin_url: str | None = Field(
        default=None,
        max_length=2048,
        description=("The origin this is a visit of (default: the clone URL, or file:// + path)."),
    )


@router.post("/scans", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def start_scan(uow: UoW, _key: ApiKey, body: ScanIn) -> JobOut:
    """Queue a scan; follow it at ``/v1/jobs/{id}`` (progress in files)."""
    job = service.submit(uow, kinds.SCAN, body.model_dump())
    return JobOut.of(job, {})
