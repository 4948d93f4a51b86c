"""Leases with real worker processes (issue 10, defect 2).

The reaper used to re-send any running job quiet for a while, so a long job ran twice
and, after three sends, was marked failed while still working. Now a running job
holds a lease its heartbeat renews: these tests run real Celery workers on a broker
of their own, run the reaper against them, and kill workers with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.jobs import kinds, service
from app.kit.db import unit_of_work
from app.kit.queue import send_now
from app.models import Job, JobItem
from app.models.enums import JobState
from tests.processes import EnvFor, holder, job_when, start_worker, start_workers, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.committed]


def job_row(factory: sessionmaker[Session], job_id: int) -> Job:
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def item_keys(factory: sessionmaker[Session], job_id: int) -> list[str]:
    with factory() as session:
        return list(
            session.scalars(select(JobItem.key).where(JobItem.job_id == job_id).order_by("key"))
        )


def submit_demo(factory: sessionmaker[Session], steps: int, delay: float) -> int:
    with unit_of_work(factory) as uow:
        return service.submit(uow, kinds.DEMO, {"steps": steps, "delay": delay}).id


def test_a_heartbeating_job_is_never_resent_nor_failed(
    fault_env: EnvFor, committed_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """A job quiet for far longer than its lease and the reaper's threshold (4 s
    between reports, lease 2 s, reaper every 0.3 s with a 1 s threshold for queued
    jobs) runs once, untouched: its heartbeat keeps the lease."""
    env = fault_env(JOB_LEASE_SECONDS="2")
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        job_id = submit_demo(committed_factory, steps=2, delay=4.0)
        wait_until(
            lambda: job_row(committed_factory, job_id).state is JobState.RUNNING,
            timeout=30,
            what="the job to start",
        )
        resent: list[int] = []
        failed: list[int] = []
        passes = 0
        deadline = time.monotonic() + 45
        while not job_row(committed_factory, job_id).state.is_final:
            assert time.monotonic() < deadline, worker.log[-3000:]
            reaped = service.reap_stale(committed_factory, timedelta(seconds=1)).as_dict()
            resent += reaped["resent"]
            failed += reaped["failed"]
            passes += 1
            time.sleep(0.3)
        done = job_row(committed_factory, job_id)
    finally:
        worker.stop()
    assert passes > 15  # the reaper really ran all along
    assert job_id not in resent
    assert job_id not in failed
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.attempts == 1
    assert item_keys(committed_factory, job_id) == ["step-0", "step-1"]
    assert worker.log.count("lease lost") == 0


def test_a_job_whose_worker_was_killed_is_resent_and_completes_once(
    fault_env: EnvFor, committed_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """``kill -9`` of a whole worker (main process and pool) mid-job: the lease lapses,
    the reaper (the real ``jobs.reap_stale`` task, run by the other worker) sends the
    job again, and the other worker completes it once, resuming after the last step
    the dead one committed, with every item once."""
    env = fault_env(JOB_LEASE_SECONDS="2")
    workers = start_workers(env, [tmp_path / "a.log", tmp_path / "b.log"])
    try:
        job_id = submit_demo(committed_factory, steps=12, delay=0.5)
        running = job_when(
            committed_factory,
            job_id,
            lambda job: job.progress_done >= 3,
            timeout=30,
            what="the job to be under way",
        )
        victim = holder(workers, running)
        victim.kill_group()
        killed_at = time.monotonic()
        (survivor,) = [w for w in workers if w is not victim]

        def reaped_and_done() -> Job | None:
            send_now("jobs.reap_stale")
            job = job_row(committed_factory, job_id)
            return job if job.state.is_final else None

        done = wait_until(reaped_and_done, timeout=45, every=0.5, what="the job to finish")
        recovered_in = time.monotonic() - killed_at
    finally:
        for worker in workers:
            worker.stop()
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.attempts == 2
    assert item_keys(committed_factory, job_id) == sorted(f"step-{n}" for n in range(12))
    assert done.progress_done == done.progress_total == 12
    assert survivor.log.count("'succeeded'") == 1  # the re-sent task ran it, once
    print(f"killed worker: job {job_id} completed {recovered_in:.1f}s after the kill")


def test_a_redelivered_copy_of_a_running_job_exits_without_side_effects(
    fault_env: EnvFor, committed_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """``kill -9`` of the pool process running a job: Celery redelivers the message at
    once (acks late, reject on worker lost) while the dead attempt's lease is still
    live; that copy stands aside, the reaper re-sends the job when the lease lapses,
    and it completes once."""
    # A lease long enough that the redelivered copy arrives before it lapses, even on
    # a loaded machine where Celery takes seconds to notice its lost pool process.
    env = fault_env(JOB_LEASE_SECONDS="20")
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        job_id = submit_demo(committed_factory, steps=6, delay=0.5)
        running = job_when(
            committed_factory,
            job_id,
            lambda job: job.progress_done >= 2,
            timeout=30,
            what="the job to be half-way",
        )
        assert running.lease_owner is not None
        pid = int(running.lease_owner.split(":")[1])
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: "'duplicate'" in worker.log, timeout=18, what="the redelivered copy")
        during = job_row(committed_factory, job_id)
        assert during.attempts == 1  # the copy changed nothing
        assert during.lease_owner == running.lease_owner
        resent: list[int] = []

        def lapsed_resent_and_done() -> Job | None:
            resent.extend(service.reap_stale(committed_factory).as_dict()["resent"])
            job = job_row(committed_factory, job_id)
            return job if job.state.is_final else None

        done = wait_until(lapsed_resent_and_done, timeout=60, every=0.5, what="completion")
    finally:
        worker.stop()
    assert resent == [job_id]
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.attempts == 2
    assert item_keys(committed_factory, job_id) == [f"step-{n}" for n in range(6)]
    with committed_factory() as session:
        assert session.scalar(select(func.count()).select_from(JobItem)) == 6
