"""Near-duplicate clusters are computed over everything scanned so far."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Content, ContentFact, PathOccurrence
from app.neardups.service import recluster
from app.scans.service import run_scan

SIX = Path(__file__).resolve().parents[2] / "app" / "demo" / "corpus" / "projects" / "six"


def cluster_of(db: Session, path: bytes) -> int | None:
    return db.scalar(
        select(ContentFact.near_dup_cluster)
        .join(Content, Content.id == ContentFact.content_id)
        .join(PathOccurrence, PathOccurrence.content_id == Content.id)
        .where(PathOccurrence.path == path)
    )


def test_edited_copy_clusters_with_its_original(
    tmp_path: Path, db: Session, session_factory: sessionmaker[Session]
) -> None:
    original = (SIX / "six.py").read_text()
    edited = original.replace("Utilities for writing code", "Helpers for writing code", 1)
    edited = edited.replace("def _add_doc(func, doc):", "def _add_doc(function, doc):", 1)
    assert edited != original
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "six.py").write_text(original)
    (tmp_path / "a" / "fork.py").write_text(edited)
    (tmp_path / "a" / "other.py").write_text((SIX / "setup.py").read_text())
    run_scan(str(tmp_path / "a"), factory=session_factory)
    report = recluster(session_factory)
    assert report.signatures == 3
    assert report.clusters == 1
    assert cluster_of(db, b"six.py") == cluster_of(db, b"fork.py") is not None
    assert cluster_of(db, b"other.py") is None
