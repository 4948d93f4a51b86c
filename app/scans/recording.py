"""Record one scan of an origin: a visit, its snapshot, revisions, releases,
directories, contents and occurrences, in dependency order.

This is the database half of scanning (the reading half is ``app.scans.reading``).
The CLI, the Celery scan task and the demo loader all call :func:`record_scan`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.models import Origin
from app.models.enums import EntryType, VisitStatus
from app.scans.reading import DirectoryRecord, ScanResult
from app.scans.writing import ArchiveWriter, StoredFile, WriteStats
from app.storage.store import ContentStore

BatchHook = Callable[[list[StoredFile]], None]
TotalHook = Callable[[int], None]
VisitHook = Callable[[int], None]


class FileCounter:
    """Counts the files of the tree from its distinct directories, as they stream by:
    a subtree that occurs at several paths counts at each, like the file pass."""

    def __init__(self) -> None:
        self.files: dict[bytes, int] = {}
        self.subdirs: dict[bytes, list[bytes]] = {}

    def see(self, records: Iterable[DirectoryRecord]) -> Iterator[DirectoryRecord]:
        for record in records:
            self.files[record.sha1_git] = sum(e.type is EntryType.FILE for e in record.entries)
            self.subdirs[record.sha1_git] = [
                e.target for e in record.entries if e.type is EntryType.DIR
            ]
            yield record

    def total(self, root: bytes | None) -> int:
        memo: dict[bytes, int] = {}

        def count(directory: bytes) -> int:
            if directory not in memo:
                memo[directory] = self.files.get(directory, 0) + sum(
                    count(sub) for sub in self.subdirs.get(directory, ())
                )
            return memo[directory]

        return count(root) if root is not None else 0


@dataclass(frozen=True)
class ScanSummary:
    visit_id: int
    snapshot_id: int
    snapshot_swhid: str
    head_revision_swhid: str | None
    root_directory: bytes | None
    stats: WriteStats


def record_scan(
    session: Session,
    origin: Origin,
    scan: ScanResult,
    *,
    on_batch: BatchHook | None = None,
    on_total: TotalHook | None = None,
    on_visit: VisitHook | None = None,
    batch_size: int = 5000,
    store: ContentStore | None = None,
) -> ScanSummary:
    """Write everything ``scan`` holds; ``on_batch`` sees each batch of stored files
    (e.g. to analyse the new contents) inside the same unit of work; ``on_visit`` the
    id of the visit this scan records, as soon as it exists. With a ``store``, the
    contents' bytes go to it as they are recorded (up to its size cap)."""
    writer = ArchiveWriter(session, batch_size=batch_size, store=store)
    visit = writer.begin_visit(origin.id, scan.kind.value)
    if on_visit is not None:
        on_visit(visit.id)
    counter = FileCounter()
    writer.write_directories(counter.see(scan.iter_directories()))
    if on_total is not None:
        on_total(counter.total(scan.root_directory))
    revision_ids = writer.write_revisions(scan.revisions)
    writer.write_releases(scan.releases)
    snapshot_id = writer.write_snapshot(scan.snapshot)
    head = scan.head_revision
    head_id = revision_ids.get(head.sha1_git) if head is not None else None
    for batch in writer.write_files(
        scan.iter_files(), origin_id=origin.id, snapshot_id=snapshot_id, revision_id=head_id
    ):
        if on_batch is not None:
            on_batch(batch)
    writer.finish_visit(visit, VisitStatus.FULL, snapshot_id)
    origin.last_scanned_at = datetime.now(UTC)
    session.flush()
    return ScanSummary(
        visit_id=visit.id,
        snapshot_id=snapshot_id,
        snapshot_swhid=scan.snapshot.swhid,
        head_revision_swhid=head.swhid if head is not None else None,
        root_directory=scan.root_directory,
        stats=writer.stats,
    )
