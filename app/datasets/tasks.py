"""Dataset tasks: a build is a job (thin over :mod:`app.datasets.builder`), and so is
bringing builds' withdrawals up to date (:mod:`app.datasets.withdrawals`)."""

from __future__ import annotations

from app.datasets.builder import build_body
from app.datasets.withdrawals import withdrawals_body
from app.jobs import kinds
from app.jobs.runner import job_task
from app.jobs.service import JobContext


@job_task(kinds.DATASETS_BUILD)
def build(context: JobContext) -> dict[str, object]:
    """Evaluate a revision's selection once and freeze it as a manifest partition."""
    return build_body(context)


@job_task(kinds.DATASETS_WITHDRAWALS)
def withdrawals(context: JobContext) -> dict[str, object]:
    """Bring every finished build's withdrawals up to the registry's current version
    and announce the new ones (queued when an opt-out takes effect)."""
    return withdrawals_body(context)
