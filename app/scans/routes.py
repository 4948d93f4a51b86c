"""``POST /v1/scans``: scan a repository, directory or archive in the background."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.jobs import kinds, service
from app.jobs.schemas import JobOut
from app.keys.auth import Submitter
from app.kit.api import SettingsDep, UoW
from app.kit.problems import Problem
from app.kit.redaction import strip_credentials
from app.scans.schemas import ScanIn
from app.scans.sources import SourceRefused, check_source

router = APIRouter(prefix="/v1", tags=["archive"])


class RefusedSource(Problem):
    status = 422
    slug = "validation-error"


@router.post("/scans", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def start_scan(uow: UoW, _key: Submitter, settings: SettingsDep, body: ScanIn) -> JobOut:
    """Queue a scan; follow it at ``/v1/jobs/{id}`` (progress in files).

    The location is a clone URL of a public host (credentials are removed), or a
    path under one of the folders the operator allows (``SCAN_LOCAL_ROOTS``)."""
    try:
        location = check_source(body.location, settings)
    except SourceRefused as exc:
        error = {"location": "body.location", "message": str(exc)}
        raise RefusedSource(str(exc), errors=[error]) from None
    origin_url = strip_credentials(body.origin_url) if body.origin_url else None
    job = service.submit(uow, kinds.SCAN, {"location": location, "origin_url": origin_url})
    return JobOut.of(job, {})
