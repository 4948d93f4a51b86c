"""The lease rules one by one, in process (the worker-process tests are in
``test_lease.py``): who may run a job, what the reaper touches, and what an attempt
that lost its lease does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.jobs import kinds, repository, service
from app.jobs.lease import Heartbeat
from app.jobs.service import JobContext, Skipped
from app.kit.db import unit_of_work
from app.models import Job, JobItem
from app.models.enums import JobItemState, JobState


def new_job(factory: sessionmaker[Session], **values: object) -> int:
    with unit_of_work(factory) as uow:
        job = repository.create(uow.session, kinds.DEMO, {"steps": 1})
        for key, value in values.items():
            setattr(job, key, value)
        return job.id


def row(factory: sessionmaker[Session], job_id: int) -> Job:
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def soon(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def test_a_copy_stands_aside_while_another_attempt_holds_a_live_lease(
    committed_factory: sessionmaker[Session],
) -> None:
    job_id = new_job(
        committed_factory,
        state=JobState.RUNNING,
        attempts=1,
        lease_owner="elsewhere:1:abc",
        lease_expires_at=soon(60),
    )
    ran: list[int] = []

    def body(context: JobContext) -> dict[str, object]:
        ran.append(context.job_id)
        return {}

    outcome = service.run(job_id, body, committed_factory)
    assert outcome is Skipped.DUPLICATE
    assert ran == []
    job = row(committed_factory, job_id)
    assert (job.state, job.attempts, job.lease_owner) == (JobState.RUNNING, 1, "elsewhere:1:abc")


def test_a_lapsed_lease_is_taken_over(committed_factory: sessionmaker[Session]) -> None:
    job_id = new_job(
        committed_factory,
        state=JobState.RUNNING,
        attempts=1,
        lease_owner="dead:1:abc",
        lease_expires_at=soon(-1),
    )
    assert service.run(job_id, lambda c: {"ok": True}, committed_factory) is JobState.SUCCEEDED
    job = row(committed_factory, job_id)
    assert (job.attempts, job.lease_owner, job.result) == (2, None, {"ok": True})


def test_the_reaper_leaves_live_and_retry_waiting_jobs_alone(
    committed_factory: sessionmaker[Session],
) -> None:
    live = new_job(
        committed_factory,
        state=JobState.RUNNING,
        attempts=3,
        lease_owner="busy:1:abc",
        lease_expires_at=soon(30),
    )
    waiting = new_job(  # a retry is due in a while: nobody owns it meanwhile
        committed_factory, state=JobState.RUNNING, attempts=1, lease_expires_at=soon(30)
    )
    lapsed = new_job(
        committed_factory,
        state=JobState.RUNNING,
        attempts=1,
        lease_owner="dead:1:abc",
        lease_expires_at=soon(-5),
    )
    exhausted = new_job(
        committed_factory, state=JobState.RUNNING, attempts=3, lease_expires_at=soon(-5)
    )
    reaped = service.reap_stale(committed_factory, timedelta(seconds=0), send=False)
    assert reaped.as_dict() == {"resent": [lapsed], "failed": [exhausted]}
    assert row(committed_factory, lapsed).state is JobState.QUEUED  # back in the queue
    assert row(committed_factory, exhausted).state is JobState.FAILED
    assert row(committed_factory, live).state is JobState.RUNNING
    assert row(committed_factory, waiting).state is JobState.RUNNING
    # A re-queued job is not sent again at every pass, only once it is stale again.
    again = service.reap_stale(committed_factory, timedelta(minutes=10), send=False)
    assert again.as_dict() == {"resent": [], "failed": []}


def test_an_attempt_that_lost_its_lease_stops_and_records_nothing(
    committed_factory: sessionmaker[Session],
) -> None:
    job_id = new_job(committed_factory)

    def body(context: JobContext) -> dict[str, object]:
        context.item("first", JobItemState.SUCCEEDED)
        with unit_of_work(committed_factory) as uow:  # another attempt takes over
            taken = repository.get(uow.session, job_id, lock=True)
            assert taken is not None
            taken.lease_owner = "successor:1:abc"
        assert context.heartbeat is not None
        assert not context.heartbeat.beat_once()  # the next renewal finds it gone
        context.item("second", JobItemState.SUCCEEDED)  # raises LeaseLost
        return {"unreachable": True}

    assert service.run(job_id, body, committed_factory) is Skipped.LEASE_LOST
    job = row(committed_factory, job_id)
    assert (job.state, job.result, job.lease_owner) == (
        JobState.RUNNING,
        None,
        "successor:1:abc",
    )
    with committed_factory() as session:
        assert session.scalar(select(func.count()).select_from(JobItem)) == 1


def test_the_heartbeat_pushes_the_lease_forward(committed_factory: sessionmaker[Session]) -> None:
    job_id = new_job(
        committed_factory, state=JobState.RUNNING, lease_owner="me:1:abc", lease_expires_at=soon(1)
    )
    before = row(committed_factory, job_id).lease_expires_at
    assert before is not None
    beat = Heartbeat(job_id, "me:1:abc", timedelta(seconds=120), committed_factory)
    assert beat.beat_once()
    after = row(committed_factory, job_id)
    assert after.lease_expires_at is not None
    assert after.heartbeat_at is not None
    assert after.lease_expires_at > before + timedelta(seconds=100)
    assert not Heartbeat(
        job_id, "someone-else", timedelta(seconds=5), committed_factory
    ).beat_once()
