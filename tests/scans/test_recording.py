"""Recording a scan writes exactly Software Heritage's objects, once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from swh.model.from_disk import Directory as SWHDirectory

from app.models import Content, Directory, DirectoryEntry, PathOccurrence, Visit
from app.models.enums import VisitStatus
from app.scans.reading import SourceKind, scan_source
from app.scans.recording import record_scan
from tests.factories import OriginFactory

SIX = Path(__file__).resolve().parents[2] / "app" / "demo" / "corpus" / "projects" / "six"


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_directory_scan_matches_swh_model_and_is_idempotent(db: Session) -> None:
    origin = OriginFactory()
    reference = SWHDirectory.from_disk(path=bytes(SIX), max_content_length=None)
    with scan_source(SIX, kind=SourceKind.DIRECTORY) as scan:
        summary = record_scan(db, origin, scan, batch_size=3)
    assert summary.root_directory == reference.hash
    files = {p: obj for p, obj in reference.items() if obj.object_type == "content"}
    rows = db.execute(
        select(PathOccurrence.path, Content.sha1_git)
        .join(Content)
        .where(PathOccurrence.origin_id == origin.id)
    ).all()
    stored = {bytes(path): bytes(sha) for path, sha in rows}
    assert stored == {p: obj.hash for p, obj in files.items()}
    root = db.scalars(select(Directory).where(Directory.sha1_git == reference.hash)).one()
    assert {e.name for e in root.entries} == {name for name in reference}
    visit = db.get(Visit, summary.visit_id)
    assert visit is not None
    assert visit.status is VisitStatus.FULL
    assert summary.stats.contents_new == len({o.hash for o in files.values()})

    before = {m: count(db, m) for m in (Content, Directory, DirectoryEntry, PathOccurrence)}
    with scan_source(SIX, kind=SourceKind.DIRECTORY) as scan:
        again = record_scan(db, origin, scan)
    assert again.stats.contents_new == 0
    assert again.stats.contents_known == summary.stats.contents_new
    assert {m: count(db, m) for m in before} == before  # a second visit adds no duplicates
    assert count(db, Visit) == 2


def test_new_contents_are_reported_once_per_batch(db: Session) -> None:
    origin = OriginFactory()
    seen: list[tuple[bytes, bool]] = []
    with scan_source(SIX, kind=SourceKind.DIRECTORY) as scan:
        record_scan(
            db, origin, scan, on_batch=lambda b: seen.extend((f.entry.path, f.is_new) for f in b)
        )
    assert all(is_new for _, is_new in seen)
    assert len(seen) == len(list(SIX.iterdir()))
