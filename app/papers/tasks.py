"""Paper resolution: the job, and beat's check that queues it when papers wait."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.jobs import kinds
from app.jobs import service as jobs
from app.jobs.runner import job_task
from app.jobs.service import JobContext
from app.kit.celery import periodic_task
from app.kit.db import unit_of_work
from app.papers import service


@job_task(kinds.PAPERS_RESOLVE)
def resolve(context: JobContext) -> dict[str, object]:
    with httpx.Client(timeout=20.0, follow_redirects=True) as client:
        return dict(
            service.resolve_papers(
                service.default_resolvers(client), context.factory, progress=context.progress
            )
        )


@periodic_task(
    "papers.resolve_pending",
    every=lambda settings: timedelta(seconds=settings.beat_refresh_seconds),
)
def resolve_pending() -> int | None:
    """Beat: queue a resolution job when papers wait and none is queued or running."""
    with unit_of_work() as uow:
        if not service.pending_resolution(uow.session):
            return None
        return jobs.submit(uow, kinds.PAPERS_RESOLVE, {}).id
