"""The backfill job: fingerprints for contents archived before the index."""

from __future__ import annotations

from app.attribution import service
from app.jobs import kinds
from app.jobs.runner import job_task
from app.jobs.service import JobContext


@job_task(kinds.ATTRIBUTION_BACKFILL)
def backfill(context: JobContext) -> dict[str, object]:
    sources = context.params.get("sources") or []
    assert isinstance(sources, list)
    return service.backfill(context.factory, [str(s) for s in sources], context.progress)
