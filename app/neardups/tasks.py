"""The reclustering job, queued by scans that found new contents."""

from __future__ import annotations

from app.jobs import kinds
from app.jobs.runner import job_task
from app.jobs.service import JobContext
from app.neardups import service


@job_task(kinds.NEARDUPS_RECLUSTER)
def recluster(context: JobContext) -> dict[str, object]:
    return service.recluster(context.factory, progress=context.progress).as_dict()
