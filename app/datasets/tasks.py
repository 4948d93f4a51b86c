"""Dataset tasks: a build is a job (thin over :mod:`app.datasets.builder`)."""

from __future__ import annotations

from app.datasets.builder import build_body
from app.jobs import kinds
from app.jobs.runner import job_task
from app.jobs.service import JobContext


@job_task(kinds.DATASETS_BUILD)
def build(context: JobContext) -> dict[str, object]:
    """Evaluate a revision's selection once and freeze it as a manifest partition."""
    return build_body(context)
