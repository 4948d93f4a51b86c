"""Write scan results into the archive tables, in bulk and idempotently.

Everything goes through PostgreSQL ``COPY`` (:mod:`app.kit.copy`) into a temporary
table and one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per batch: DESIGN.md
measured COPY at roughly 20x per-row inserts, and the conflict clause makes a re-run
(a redelivered job, a resumed scan) add nothing twice. Objects are immutable once hashed, so a
directory or snapshot that already exists already has its entries or branches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, select, text, tuple_
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.orm import Session

from app.kit.copy import copy_rows, temp_table
from app.kit.swhid import ObjectType
from app.models import Release, Revision, Snapshot, SnapshotBranch, Visit
from app.models.enums import VisitStatus
from app.scans.reading import (
    DirectoryRecord,
    FileEntry,
    GitDate,
    ReleaseRecord,
    RevisionRecord,
    SnapshotRecord,
)
from app.storage.store import ContentStore

T = TypeVar("T")
DEFAULT_BATCH = 5000
# Columns added by migration 0005 so that rows rebuild their objects exactly.
_REVISION_EXACT = ("author_offset_bytes", "committer_offset_bytes", "extra_headers", "raw_manifest")
_RELEASE_EXACT = ("date_offset_bytes", "raw_manifest")


def _completing(
    stmt: Insert, model: type[Revision] | type[Release], columns: tuple[str, ...]
) -> Insert:
    """Insert, or fill in the exact-rebuild columns of a row written before them (the
    same object, so the values are the same whenever both are known)."""
    table = model.__table__
    return stmt.on_conflict_do_update(
        index_elements=["sha1_git"],
        set_={c: stmt.excluded[c] for c in columns},
        where=tuple_(*(table.c[c] for c in columns)).is_distinct_from(
            tuple_(*(stmt.excluded[c] for c in columns))
        ),
    )


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file as written: its content row id and whether the content was new."""

    entry: FileEntry
    content_id: int
    is_new: bool


@dataclass
class WriteStats:
    contents_new: int = 0
    contents_known: int = 0
    contents_stored: int = 0  # bytes written to the object storage by this scan
    directories_new: int = 0
    occurrences: int = 0
    revisions: int = 0
    releases: int = 0
    seconds_by_stage: dict[str, float] = field(default_factory=dict)


class ArchiveWriter:
    """Bulk writer bound to one session (the caller's unit of work commits)."""

    def __init__(
        self,
        session: Session,
        batch_size: int = DEFAULT_BATCH,
        store: ContentStore | None = None,
    ) -> None:
        self.session = session
        self.batch_size = batch_size
        self.stats = WriteStats()
        self.store = store

    # --- visits -------------------------------------------------------------------

    def begin_visit(self, origin_id: int, visit_type: str) -> Visit:
        visit = Visit(
            origin_id=origin_id,
            visit_type=visit_type,
            status=VisitStatus.ONGOING,
            date=datetime.now(UTC),
        )
        self.session.add(visit)
        self.session.flush()
        return visit

    def finish_visit(self, visit: Visit, status: VisitStatus, snapshot_id: int | None) -> None:
        visit.status = status
        visit.snapshot_id = snapshot_id
        self.session.flush()

    # --- small objects: snapshot, revisions, releases --------------------------------

    def write_snapshot(self, record: SnapshotRecord) -> int:
        new_id = self.session.scalar(
            insert(Snapshot)
            .values(sha1_git=record.sha1_git)
            .on_conflict_do_nothing(index_elements=["sha1_git"])
            .returning(Snapshot.id)
        )
        if new_id is None:
            existing = self.session.scalar(
                select(Snapshot.id).where(Snapshot.sha1_git == record.sha1_git)
            )
            assert existing is not None
            return int(existing)
        if record.branches:
            self.session.execute(
                insert(SnapshotBranch),
                [
                    {
                        "snapshot_id": new_id,
                        "name": b.name,
                        "target_type": b.target_type,
                        "target": b.target,
                    }
                    for b in record.branches
                ],
            )
        return int(new_id)

    def write_revisions(self, records: Iterable[RevisionRecord]) -> dict[bytes, int]:
        """Revisions with every byte their id depends on (offsets as written, extra
        headers, the raw manifest when needed), so each row rebuilds its object. A row
        written before those columns existed (migration 0005) is completed; objects
        are immutable, so nothing else ever changes."""
        rows = [
            {
                "sha1_git": r.sha1_git,
                "directory": r.directory,
                "parents": list(r.parents),
                "author": r.author,
                "committer": r.committer,
                "message": r.message,
                "author_date": r.author_date.to_datetime() if r.author_date else None,
                "author_offset_minutes": r.author_date.offset_minutes if r.author_date else None,
                "author_offset_bytes": r.author_date.offset_bytes if r.author_date else None,
                "committer_date": r.committer_date.to_datetime() if r.committer_date else None,
                "committer_offset_minutes": r.committer_date.offset_minutes
                if r.committer_date
                else None,
                "committer_offset_bytes": r.committer_date.offset_bytes
                if r.committer_date
                else None,
                "extra_headers": [[key, value] for key, value in r.extra_headers],
                "raw_manifest": r.raw_manifest,
            }
            for r in records
        ]
        if not rows:
            return {}
        self.session.execute(_completing(insert(Revision), Revision, _REVISION_EXACT), rows)
        self.stats.revisions += len(rows)
        found = self.session.execute(
            select(Revision.sha1_git, Revision.id).where(
                Revision.sha1_git.in_([r["sha1_git"] for r in rows])
            )
        )
        return {bytes(sha): rid for sha, rid in found}

    def write_releases(self, records: Iterable[ReleaseRecord]) -> None:
        rows = [
            {
                "sha1_git": r.sha1_git,
                "name": r.name,
                "target_type": r.target_type.value,
                "target": r.target,
                "author": r.author,
                "message": r.message,
                "date": r.date.to_datetime() if r.date else None,
                "date_offset_bytes": r.date.offset_bytes if r.date else None,
                "raw_manifest": r.raw_manifest,
            }
            for r in records
        ]
        if rows:
            self.session.execute(_completing(insert(Release), Release, _RELEASE_EXACT), rows)
            self.stats.releases += len(rows)

    # --- directories ----------------------------------------------------------------

    def write_directories(self, records: Iterable[DirectoryRecord]) -> None:
        for batch in batched(records, self.batch_size):
            unique = {r.sha1_git: r for r in batch}
            new_ids: dict[bytes, int] = dict(
                self.session.execute(
                    text(
                        "INSERT INTO directory (sha1_git) SELECT unnest(:ids) "
                        "ON CONFLICT (sha1_git) DO NOTHING RETURNING sha1_git, id"
                    ),
                    {"ids": list(unique)},
                ).all()
            )
            self.stats.directories_new += len(new_ids)
            copy_rows(
                self.session,
                "directory_entry",
                # enum binary I/O is its label, so it travels as text
                [
                    ("directory_id", "int8"),
                    ("name", "bytea"),
                    ("type", "text"),
                    ("perms", "int4"),
                    ("target", "bytea"),
                ],
                (
                    (new_ids[sha], e.name, e.type.value, e.perms, e.target)
                    for sha, rec in unique.items()
                    if sha in new_ids
                    for e in rec.entries
                ),
            )

    # --- files: contents and their occurrences -----------------------------------------

    def write_files(
        self,
        files: Iterable[FileEntry],
        *,
        origin_id: int,
        snapshot_id: int,
        revision_id: int | None,
    ) -> Iterator[list[StoredFile]]:
        """Write contents and occurrences batch by batch, yielding each written batch
        (with which contents are new, so only those get analysed)."""
        for batch in batched(files, self.batch_size):
            temp_table(
                self.session,
                "tmp_file",
                "sha1_git bytea, sha1 bytea, sha256 bytea, length int8, path bytea",
            )
            copy_rows(
                self.session,
                "tmp_file",
                [
                    ("sha1_git", "bytea"),
                    ("sha1", "bytea"),
                    ("sha256", "bytea"),
                    ("length", "int8"),
                    ("path", "bytea"),
                ],
                ((f.sha1_git, f.sha1, f.sha256, f.length, f.path) for f in batch),
            )
            new = {
                bytes(sha)
                for sha in self.session.execute(
                    text(
                        "INSERT INTO content (sha1_git, sha1, sha256, length) "
                        "SELECT DISTINCT ON (sha1_git) sha1_git, sha1, sha256, length "
                        "FROM tmp_file "
                        "ON CONFLICT (sha1_git) DO NOTHING RETURNING sha1_git"
                    )
                ).scalars()
            }
            ids: dict[bytes, int] = {}
            unstored: set[bytes] = set()
            for sha, cid, in_storage in self.session.execute(
                text(
                    "SELECT c.sha1_git, c.id, c.in_storage FROM content c "
                    "WHERE c.sha1_git IN (SELECT sha1_git FROM tmp_file)"
                )
            ):
                ids[bytes(sha)] = cid
                if not in_storage:
                    unstored.add(bytes(sha))
            self._store_bytes(batch, unstored, ids)
            written = cast(
                CursorResult[Any],
                self.session.execute(
                    text(
                        "INSERT INTO path_occurrence "
                        "(content_id, origin_id, snapshot_id, revision_id, path) "
                        "SELECT c.id, :origin, :snapshot, :revision, t.path FROM tmp_file t "
                        "JOIN content c USING (sha1_git) "
                        "ON CONFLICT (origin_id, snapshot_id, path) DO NOTHING"
                    ),
                    {"origin": origin_id, "snapshot": snapshot_id, "revision": revision_id},
                ),
            )
            self.stats.occurrences += written.rowcount or 0
            self.stats.contents_new += len(new)
            self.stats.contents_known += len({f.sha1_git for f in batch} - new)
            seen_new: set[bytes] = set()
            stored = []
            for f in batch:
                is_new = f.sha1_git in new and f.sha1_git not in seen_new
                if is_new:
                    seen_new.add(f.sha1_git)
                stored.append(StoredFile(entry=f, content_id=ids[f.sha1_git], is_new=is_new))
            yield stored

    def _store_bytes(
        self, batch: list[FileEntry], unstored: set[bytes], ids: dict[bytes, int]
    ) -> None:
        """Write the bytes of the batch's contents the store does not hold yet (new
        ones, and known ones archived before storage or under another size cap), then
        flag them: the flag is set after the write, so it never names missing bytes
        (bytes written for a batch that then rolls back are harmless: the store is
        content-addressed)."""
        if self.store is None or not unstored:
            return
        written: list[int] = []
        items: list[tuple[bytes, bytes, bytes, bytes]] = []
        for f in batch:
            if f.sha1_git not in unstored or f.data is None or not self.store.keeps(f.length):
                continue
            unstored.discard(f.sha1_git)  # a content at several paths is written once
            items.append((f.data, f.sha1, f.sha1_git, f.sha256))
            written.append(ids[f.sha1_git])
        self.store.put_many(items)
        if written:
            self.session.execute(
                text("UPDATE content SET in_storage = true WHERE id = ANY(:ids)"),
                {"ids": written},
            )
            self.stats.contents_stored += len(written)


# --- the way back: rows to records (what proves the rows keep every identifying bit) ---


def _row_date(
    moment: datetime | None, offset_bytes: bytes | None, minutes: int | None
) -> GitDate | None:
    if moment is None:
        return None
    if offset_bytes is None:  # written before the offset bytes were kept (migration 0005)
        sign = "-" if (minutes or 0) < 0 else "+"
        hours, mins = divmod(abs(minutes or 0), 60)
        offset_bytes = f"{sign}{hours:02d}{mins:02d}".encode()
    return GitDate(seconds=int(moment.timestamp()), offset_bytes=offset_bytes)


def revision_from_row(row: Revision) -> RevisionRecord:
    """The revision a stored row describes: ``.to_model()`` is the ``swh.model`` object,
    whose ``compute_hash()`` is the row's id (the test suite checks every one)."""
    return RevisionRecord(
        sha1_git=bytes(row.sha1_git),
        directory=bytes(row.directory),
        parents=tuple(bytes(p) for p in row.parents),
        author=None if row.author is None else bytes(row.author),
        author_date=_row_date(row.author_date, row.author_offset_bytes, row.author_offset_minutes),
        committer=None if row.committer is None else bytes(row.committer),
        committer_date=_row_date(
            row.committer_date, row.committer_offset_bytes, row.committer_offset_minutes
        ),
        extra_headers=tuple((bytes(key), bytes(value)) for key, value in row.extra_headers),
        message=None if row.message is None else bytes(row.message),
        raw_manifest=None if row.raw_manifest is None else bytes(row.raw_manifest),
    )


def release_from_row(row: Release) -> ReleaseRecord:
    return ReleaseRecord(
        sha1_git=bytes(row.sha1_git),
        name=bytes(row.name),
        target=bytes(row.target),
        target_type=ObjectType(row.target_type),
        author=None if row.author is None else bytes(row.author),
        date=_row_date(row.date, row.date_offset_bytes, 0),
        message=None if row.message is None else bytes(row.message),
        raw_manifest=None if row.raw_manifest is None else bytes(row.raw_manifest),
    )
