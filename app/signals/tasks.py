"""Signal tasks: import OSV advisories, refresh the derived signals (thin wrappers over
:mod:`app.signals.service`)."""

from __future__ import annotations

from app.jobs import kinds
from app.jobs.runner import job_task
from app.jobs.service import JobContext
from app.signals.service import import_advisories_body, refresh_body


@job_task(kinds.SIGNALS_IMPORT)
def import_advisories(context: JobContext) -> dict[str, object]:
    return import_advisories_body(context)


@job_task(kinds.SIGNALS_REFRESH)
def refresh(context: JobContext) -> dict[str, object]:
    return refresh_body(context)
