"""The scan job: one job per origin visit, progress in files, resumable."""

from __future__ import annotations

from app.config import get_settings
from app.jobs import kinds
from app.jobs.runner import job_task
from app.jobs.service import JobContext, PermanentJobError
from app.scans.reading import UnreadableSource
from app.scans.service import scan_pipeline
from app.scans.sources import SourceRefused, check_source

#: Unmapped licenses and clusters listed in a job's result (all are counted).
JOB_REPORT_LIMIT = 100


@job_task(kinds.SCAN)
def scan(context: JobContext) -> dict[str, object]:
    location = context.params.get("location")
    if not isinstance(location, str) or not location:
        raise PermanentJobError("params.location must be a path or URL")
    origin_url = context.params.get("origin_url")
    try:
        # Again here, on the worker, right before reading: a job row may come from
        # anywhere, and a host's DNS answer may have changed since it was submitted.
        location = check_source(location, get_settings())
    except SourceRefused as exc:
        raise PermanentJobError(f"refused: {exc}") from exc
    try:
        _, result = scan_pipeline(
            location,
            origin_url=str(origin_url) if origin_url else None,
            factory=context.factory,
            progress=context.progress,
            batch_size=get_settings().scan_batch_files,
            report_limit=JOB_REPORT_LIMIT,
        )
    except UnreadableSource as exc:
        raise PermanentJobError(f"cannot read {location}: {exc.reason}") from exc
    return result
