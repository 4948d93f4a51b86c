"""A scan records a visit with SWHIDs equal to SWH's, analyses each new content once,
commits batch by batch, and a scan cut short resumes without duplicates or losses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Content, ContentFact, Origin, PathOccurrence, Visit
from app.models.enums import VisitStatus
from app.scans.analyzers import FactsAnalyzer, StageTimer
from app.scans.reading import UnreadableSource
from app.scans.service import run_scan
from app.scans.writing import StoredFile
from tests.scans.reading.conftest import git, head_tree, populate_tree


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    populate_tree(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    return root


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_git_scan_with_facts(
    repo: Path, db: Session, session_factory: sessionmaker[Session]
) -> None:
    progress: list[tuple[int, int | None]] = []
    outcome = run_scan(
        str(repo),
        factory=session_factory,
        batch_size=4,
        progress=lambda d, t: progress.append((d, t)),
    )
    result = outcome.as_dict()
    # git's tree id is SWH's directory id (tests/archive/scanning checks this against
    # swh.model in depth)
    assert result["root_directory"] == f"swh:1:dir:{head_tree(repo)}"
    assert result["head_revision"] == "swh:1:rev:" + git(repo, "rev-parse", "HEAD").decode().strip()
    assert progress[-1] == (outcome.files, outcome.files)
    # The total is known before the first file is written, from the directories.
    assert progress[0] == (0, outcome.files)
    assert all(total == outcome.files for _, total in progress)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert count(db, ContentFact) == count(db, Content)  # every new content analysed
    assert {"language+facts", "minhash"} <= set(outcome.seconds_by_stage)
    visit = db.get(Visit, outcome.summary.visit_id)
    assert visit is not None
    assert visit.status is VisitStatus.FULL


class Crash(Exception):
    pass


class CrashAfter:
    """Analyzer wrapper that dies after N batches, like a killed worker."""

    name = "crash"

    def __init__(self, inner: FactsAnalyzer, batches: int) -> None:
        self.inner, self.left = inner, batches

    def analyze(self, session: Session, batch: Sequence[StoredFile]) -> None:
        if self.left == 0:
            raise Crash
        self.left -= 1
        self.inner.analyze(session, batch)


def test_a_scan_cut_short_resumes_without_duplicates(
    repo: Path, db: Session, session_factory: sessionmaker[Session]
) -> None:
    with pytest.raises(Crash):
        run_scan(
            str(repo),
            factory=session_factory,
            batch_size=3,
            analyzers=[CrashAfter(FactsAnalyzer(StageTimer()), 2)],
        )
    partial = count(db, Content)
    assert partial > 0
    assert count(db, ContentFact) == partial  # committed batches are whole
    outcome = run_scan(str(repo), factory=session_factory, batch_size=3)
    assert outcome.summary.stats.contents_known >= partial  # not analysed again
    assert count(db, ContentFact) == count(db, Content)
    rows = db.execute(
        select(PathOccurrence.path, func.count())
        .group_by(PathOccurrence.snapshot_id, PathOccurrence.path)
        .having(func.count() > 1)
    ).all()
    assert rows == []


def test_broken_input_is_a_clear_failure(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    bad = tmp_path / "broken.tar.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(UnreadableSource):
        run_scan(str(bad), factory=session_factory)


def test_files_over_the_size_limit_are_hashed_and_flagged(
    repo: Path, db: Session, session_factory: sessionmaker[Session]
) -> None:
    run_scan(str(repo), factory=session_factory, max_file_size=100)
    big = db.execute(
        select(Content.length, ContentFact.is_too_large, ContentFact.line_count)
        .join(ContentFact, ContentFact.content_id == Content.id)
        .where(Content.length > 100)
    ).all()
    assert big
    assert all(too_large and lines is None for _, too_large, lines in big)
    small = db.scalars(
        select(ContentFact.is_too_large)
        .join(Content, Content.id == ContentFact.content_id)
        .where(Content.length <= 100)
    ).all()
    assert small
    assert not any(small)


class BreaksAfter:
    """Analyzer whose source turns unreadable after N batches (a truncated download,
    a repository rewritten under the scan)."""

    name = "breaks"

    def __init__(self, batches: int) -> None:
        self.left = batches

    def analyze(self, session: Session, batch: Sequence[StoredFile]) -> None:
        if self.left == 0:
            raise UnreadableSource("source went away mid-scan")
        self.left -= 1


def test_a_failed_scan_marks_only_its_own_visit_failed(
    repo: Path, db: Session, session_factory: sessionmaker[Session]
) -> None:
    """Issue 10, defect 3: the failure of one scan used to mark every ongoing visit of
    the origin failed, a concurrent scan's included."""
    first = run_scan(str(repo), factory=session_factory)
    concurrent = Visit(
        origin_id=first.origin_id,
        visit_type="git",
        status=VisitStatus.ONGOING,
        date=datetime.now(UTC),
    )
    db.add(concurrent)
    db.flush()
    before = set(db.scalars(select(Visit.id).where(Visit.origin_id == first.origin_id)))
    with pytest.raises(UnreadableSource):
        run_scan(str(repo), factory=session_factory, batch_size=3, analyzers=[BreaksAfter(1)])
    db.expire_all()
    statuses = dict(
        db.execute(select(Visit.id, Visit.status).where(Visit.origin_id == first.origin_id)).all()
    )
    (failed_visit,) = set(statuses) - before  # the failed scan's own visit is recorded
    assert statuses[failed_visit] is VisitStatus.FAILED
    assert statuses[concurrent.id] is VisitStatus.ONGOING
    assert statuses[first.summary.visit_id] is VisitStatus.FULL


def test_origin_urls_lose_their_credentials(
    repo: Path, db: Session, session_factory: sessionmaker[Session]
) -> None:
    """A scan given a credentialed URL (CLI or job) stores its origin without it."""
    outcome = run_scan(
        str(repo),
        origin_url="https://oauth2:glpat-T0ken@git.example.org/g/p.git?private_token=T0ken",
        factory=session_factory,
    )
    assert outcome.origin_url == "https://git.example.org/g/p.git"
    stored = db.scalars(select(Origin.url)).all()
    assert stored
    assert not [url for url in stored if "T0ken" in url]
