"""``kill -9`` of a worker in the middle of a scan (issue 10, faults with real
processes): the job's lease lapses, the reaper sends it again, a second worker
completes it once, and the archive holds every file exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.jobs import kinds, service
from app.kit.db import unit_of_work
from app.models import Content, ContentFact, PathOccurrence, Visit
from app.models.enums import JobState, VisitStatus
from tests.processes import EnvFor, kill_mid_way
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


def test_a_scan_killed_mid_way_completes_once_with_every_file_once(
    big_repo: Path,
    fault_env: EnvFor,
    committed_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    env = fault_env(JOB_LEASE_SECONDS="4", SCAN_BATCH_FILES="25", SCAN_LOCAL_ROOTS=str(tmp_path))

    def submit() -> int:
        with unit_of_work(committed_factory) as uow:
            return service.submit(uow, kinds.SCAN, {"location": str(big_repo)}).id

    seen = kill_mid_way(
        env,
        committed_factory,
        tmp_path,
        submit,
        under_way=lambda job: job.progress_done >= 100,
        what="the scan",
    )
    assert seen.cut.progress_done < FILES, "it ended before the kill: make it longer"
    done = seen.done
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
        f"scan killed at {seen.cut.progress_done}/{FILES} files; "
        f"completed {seen.seconds:.1f}s after the kill, attempts={done.attempts}"
    )
