"""The scan job: one job per origin visit, progress in files, resumable."""

from __future__ import annotations

from app.config import get_settings
from app.jobs import kinds
from app.jobs.runner import job_task
from app.jobs.service import JobContext, PermanentJobError, submit
from app.kit.db import unit_of_work
from app.scans.reading import UnreadableSource
from app.scans.service import run_scan


@job_task(kinds.SCAN)
def scan(context: JobContext) -> dict[str, object]:
    location = context.params.get("location")
    if not isinstance(location, str) or not location:
        raise PermanentJobError("params.location must be a path or URL")
    origin_url = context.params.get("origin_url")
    try:
        outcome = run_scan(
            location,
            origin_url=str(origin_url) if origin_url else None,
            factory=context.factory,
            progress=context.progress,
            batch_size=get_settings().scan_batch_files,
        )
    except UnreadableSource as exc:
        raise PermanentJobError(f"cannot read {location}: {exc.reason}") from exc
    result = outcome.as_dict()
    if outcome.summary.stats.contents_new:
        # New signatures can join or merge clusters: recompute them in the background.
        with unit_of_work(context.factory) as uow:
            result["near_dup_job"] = submit(uow, kinds.NEARDUPS_RECLUSTER, {}).id
    return result
