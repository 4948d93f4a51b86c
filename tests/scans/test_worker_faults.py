"""``kill -9`` of a worker in the middle of a scan (issue 10, faults with real
processes): the job's lease lapses, the reaper sends it again, a second worker
completes it once, and the archive holds every file exactly once."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.jobs import kinds, service
from app.kit.db import unit_of_work
from app.models import Content, ContentFact, Job, PathOccurrence, Visit
from app.models.enums import JobState, VisitStatus
from tests.processes import EnvFor, holder, job_when, start_workers, wait_until
from tests.scans.reading.conftest import git

pytestmark = [pytest.mark.faults, pytest.mark.committed]
FILES = 1200


@pytest.fixture
def big_repo(tmp_path: Path) -> Path:
    """FILES distinct small files in 40 folders, one commit."""
    root = tmp_path / "big"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for n in range(FILES):
        folder = root / f"pkg{n % 40:02d}"
        folder.mkdir(exist_ok=True)
        (folder / f"mod{n}.py").write_text(
            f'"""Module {n}."""\n\n\ndef f{n}(x: int) -> int:\n    return x * {n} + {n % 7}\n'
        )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "many files")
    return root


def job_row(factory: sessionmaker[Session], job_id: int) -> Job:
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_a_scan_killed_mid_way_completes_once_with_every_file_once(
    big_repo: Path,
    fault_env: EnvFor,
    committed_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    env = fault_env(JOB_LEASE_SECONDS="2", SCAN_BATCH_FILES="25", SCAN_LOCAL_ROOTS=str(tmp_path))
    workers = start_workers(env, [tmp_path / "a.log", tmp_path / "b.log"])
    try:
        with unit_of_work(committed_factory) as uow:
            job_id = service.submit(uow, kinds.SCAN, {"location": str(big_repo)}).id
        cut = job_when(
            committed_factory,
            job_id,
            lambda job: job.progress_done >= 100,
            timeout=50,
            every=0.05,
            what="the scan to be under way",
        )
        assert cut.progress_done < FILES, "it ended before the kill: make it longer"
        victim = holder(workers, cut)
        victim.kill_group()
        killed_at = time.monotonic()
        assert job_row(committed_factory, job_id).state is JobState.RUNNING

        def reaped_and_done() -> Job | None:
            service.reap_stale(committed_factory, timedelta(minutes=10))
            job = job_row(committed_factory, job_id)
            return job if job.state.is_final else None

        done = wait_until(reaped_and_done, timeout=50, every=0.5, what="the scan to finish")
        recovered_in = time.monotonic() - killed_at
    finally:
        for worker in workers:
            worker.stop()
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.attempts == 2
    assert done.result is not None
    assert done.result["file_count"] == FILES
    with committed_factory() as session:
        contents = session.scalar(select(func.count()).select_from(Content))
        facts = session.scalar(select(func.count()).select_from(ContentFact))
        assert contents == FILES  # none missing, none twice (all files are distinct)
        assert facts == FILES  # each analysed once
        duplicates = session.execute(
            select(PathOccurrence.snapshot_id, PathOccurrence.path)
            .group_by(PathOccurrence.snapshot_id, PathOccurrence.path)
            .having(func.count() > 1)
        ).all()
        assert duplicates == []
        visits = session.execute(select(Visit.id, Visit.status).order_by(Visit.id)).all()
        snapshot_paths = session.scalar(
            select(func.count())
            .select_from(PathOccurrence)
            .join(Visit, Visit.snapshot_id == PathOccurrence.snapshot_id)
            .where(Visit.status == VisitStatus.FULL)
        )
    # The killed attempt's visit stays as it was left (not full); the second is.
    assert [status for _, status in visits] == [VisitStatus.ONGOING, VisitStatus.FULL]
    assert snapshot_paths == FILES
    print(
        f"scan killed at {cut.progress_done}/{FILES} files; "
        f"completed {recovered_in:.1f}s after the kill, attempts={done.attempts}"
    )
