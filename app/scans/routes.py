"""``POST /v1/scans``: scan a repository, directory or archive in the background."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.jobs import kinds, service
from app.jobs.schemas import JobOut
from app.keys.auth import Submitter
from app.kit.api import UoW
from app.scans.schemas import ScanIn

router = APIRouter(prefix="/v1", tags=["archive"])


@router.post("/scans", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def start_scan(uow: UoW, _key: Submitter, body: ScanIn) -> JobOut:
    """Queue a scan; follow it at ``/v1/jobs/{id}`` (progress in files)."""
    job = service.submit(uow, kinds.SCAN, body.model_dump())
    return JobOut.of(job, {})
