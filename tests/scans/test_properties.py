"""What must always hold for scans (issue 10, property tests): a scan run twice adds
nothing. Whatever the tree (nested folders, duplicates, empty files, a license text,
secrets), the second scan of the same source leaves the row count of every table
unchanged, except the one new visit it records (a visit is an event: it happened)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.demo.loader import CORPUS
from app.scans.service import run_scan

# Tables a scan may legitimately grow on every run: the visit it records, and the
# jobs (none here) that a scan job would queue.
EVENTS = {"visit", "job", "alembic_version"}
TEXTS = [
    b"",
    b"print('hello')\n",
    b"def f(x):\n    return x * 2\n" * 30,
    b"password = hunter2hunter2\nemail = someone@example.org\n",
    b"# SPDX-License-Identifier: Apache-2.0\nx = 1\n",
    (CORPUS / "projects" / "six" / "LICENSE").read_bytes(),
    b"\x00\x01binary\xff",
]
NAMES = st.sampled_from(["a", "b", "src", "LICENSE", "README.md", "x.py", "y.go", "z.txt"])
TREES = st.dictionaries(
    st.lists(NAMES, min_size=1, max_size=3).map(tuple),
    st.sampled_from(range(len(TEXTS))),
    min_size=1,
    max_size=8,
)


def counts(db: Session) -> dict[str, int]:
    tables = db.scalars(
        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    ).all()
    return {
        t: int(db.scalar(text(f'SELECT count(*) FROM "{t}"')) or 0)
        for t in tables
        if t not in EVENTS
    }


def write_tree(root: Path, tree: dict[tuple[str, ...], int]) -> int:
    """The files of ``tree`` under ``root`` (a path that is a file's folder elsewhere is
    skipped); how many were written."""
    written = 0
    for parts, which in sorted(tree.items()):
        path = root.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                continue
            path.write_bytes(TEXTS[which])
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            continue
        written += 1
    return written


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=TREES)
def test_a_scan_run_twice_adds_nothing(
    db: Session, session_factory: sessionmaker[Session], tree: dict[tuple[str, ...], int]
) -> None:
    savepoint = db.begin_nested()
    try:
        with tempfile.TemporaryDirectory() as where:
            root = Path(where) / "tree"
            root.mkdir()
            if not write_tree(root, tree):
                return
            url = "https://example.org/property-tree"
            first = run_scan(str(root), origin_url=url, factory=session_factory)
            db.expire_all()
            before = counts(db)
            visits = db.scalar(text("SELECT count(*) FROM visit"))
            second = run_scan(str(root), origin_url=url, factory=session_factory)
            db.expire_all()
            after = counts(db)
            assert second.summary.snapshot_id == first.summary.snapshot_id
            assert second.summary.stats.contents_new == 0
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert changed == {}, changed
            assert db.scalar(text("SELECT count(*) FROM visit")) == (visits or 0) + 1
    finally:
        savepoint.rollback()
