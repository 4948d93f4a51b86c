"""The worker's Celery app finds every feature's tasks on disk: each job kind has its
task (of the same name) and beat's schedule names tasks that exist."""

from __future__ import annotations

from app.config import Settings
from app.jobs import kinds
from app.jobs.runner import JOB_TASKS
from workers.celery_app import task_modules, worker_celery


def test_task_modules_are_found_in_the_feature_folders() -> None:
    assert task_modules() == [
        "app.attribution.tasks",
        "app.datasets.tasks",
        "app.forges.tasks",
        "app.jobs.tasks",
        "app.neardups.tasks",
        "app.optouts.tasks",
        "app.papers.tasks",
        "app.scans.tasks",
        "app.signals.tasks",
    ]


def test_every_job_kind_runs_as_the_task_of_its_name(settings: Settings) -> None:
    celery = worker_celery()
    assert set(JOB_TASKS) == kinds.ALL
    for kind in kinds.ALL:
        assert celery.tasks[kind].name == JOB_TASKS[kind].name == kind


def test_beat_sends_tasks_that_exist(settings: Settings) -> None:
    celery = worker_celery()
    schedule = celery.conf.beat_schedule
    assert set(schedule) == {
        "jobs.reap_stale",
        "forges.refresh_stale",
        "papers.resolve_pending",
        "signals.refresh_pending",
    }
    for name, entry in schedule.items():
        assert entry["task"] == name
        assert name in celery.tasks
    every = schedule["forges.refresh_stale"]["schedule"].total_seconds()
    assert every == settings.beat_refresh_seconds
