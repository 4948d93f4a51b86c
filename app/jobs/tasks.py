"""The jobs feature's own tasks: the demo job and the reaper of lapsed jobs."""

from __future__ import annotations

from datetime import timedelta

from app.jobs import kinds, service
from app.jobs.runner import job_task, run_finishers
from app.kit.celery import periodic_task

demo = job_task(kinds.DEMO)(service.demo_body)


@periodic_task("jobs.reap_stale", every=lambda s: timedelta(seconds=s.job_reaper_seconds))
def reap_stale() -> dict[str, list[int]]:
    """Beat: re-send jobs whose lease lapsed or whose send was lost; give up on those
    out of attempts (their kind's clean-up runs, as after any final failure)."""
    reaped = service.reap_stale()
    for kind, _job_id, params in reaped.failed:
        run_finishers(kind, params)
    return reaped.as_dict()
