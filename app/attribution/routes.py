"""``/v1/attribution``: which archived files a snippet resembles, and the backfill."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.attribution import service
from app.attribution.schemas import AttributionIn, AttributionOut
from app.jobs import kinds
from app.jobs import service as jobs
from app.jobs.schemas import JobOut
from app.keys.auth import Submitter
from app.kit.api import UoW, problems

router = APIRouter(prefix="/v1/attribution", tags=["attribution"])


@router.post("", response_model=AttributionOut, responses=problems(404, 409))
def attribute(uow: UoW, body: AttributionIn) -> AttributionOut:
    """Archived files that contain the same or similar code as the snippet, best
    first: matched line ranges on both sides, coverage and similarity, where each file
    occurs, its licenses and what they ask, its authors' names, its first visit, and
    (with `dataset` and `dataset_build`) whether that build holds it. 404: no such
    dataset or build; 409: the build has not finished."""
    return service.attribute(uow.session, body)


@router.post("/backfill", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def start_backfill(uow: UoW, key: Submitter) -> JobOut:
    """Fingerprint, in the background, the contents the index lacks (or holds from an
    older fingerprinter): from the content store's bytes, then, for what it lacks, the
    origins scanned from a path of this machine (read again); then recompute the
    stop-list. Sources elsewhere: `codecommons attribution backfill`."""
    return JobOut.of(jobs.submit(uow, kinds.ATTRIBUTION_BACKFILL, {}, requested_by=key.name), {})
