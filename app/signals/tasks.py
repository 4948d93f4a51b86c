"""Signal tasks: import OSV advisories, refresh the derived signals (thin wrappers over
:mod:`app.signals.service`)."""

from __future__ import annotations

from datetime import timedelta

from app.jobs import kinds
from app.jobs import service as jobs
from app.jobs.runner import job_task
from app.jobs.service import JobContext
from app.kit.celery import periodic_task
from app.kit.db import unit_of_work
from app.signals.service import (
    import_advisories_body,
    pending_refresh,
    rederive_advisories_body,
    refresh_body,
)


@job_task(kinds.SIGNALS_IMPORT)
def import_advisories(context: JobContext) -> dict[str, object]:
    return import_advisories_body(context)


@job_task(kinds.SIGNALS_REDERIVE)
def rederive_advisories(context: JobContext) -> dict[str, object]:
    return rederive_advisories_body(context)


@job_task(kinds.SIGNALS_REFRESH)
def refresh(context: JobContext) -> dict[str, object]:
    return refresh_body(context)


@periodic_task(
    "signals.refresh_pending",
    every=lambda settings: timedelta(seconds=settings.beat_refresh_seconds),
)
def refresh_pending() -> int | None:
    """Beat: queue a refresh of the stale origins (their papers changed) when some
    wait and no refresh is queued or running."""
    with unit_of_work() as uow:
        if not pending_refresh(uow.session):
            return None
        return jobs.submit(uow, kinds.SIGNALS_REFRESH, {"pending": True}).id
