"""The jobs feature's own tasks: the demo job and the reaper of stale jobs."""

from __future__ import annotations

from datetime import timedelta

from app.jobs import kinds, service
from app.jobs.runner import job_task
from app.kit.celery import periodic_task

demo = job_task(kinds.DEMO)(service.demo_body)


@periodic_task("jobs.reap_stale", every=lambda _: timedelta(minutes=5))
def reap_stale() -> dict[str, list[int]]:
    return service.reap_stale()
