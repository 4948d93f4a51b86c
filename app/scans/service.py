"""Scan a source into the archive and enrich what is new, batch by batch.

Each batch (contents, occurrences, and the analyzers' rows for its new contents)
commits on its own: progress is visible while the scan runs, and a scan cut short
(worker killed, machine restarted) keeps every committed batch whole. Running it
again records a new visit and, thanks to the writer's conflict rules, adds nothing
twice and analyses only what the first run did not reach.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings
from app.forges.register import register_url
from app.kit.db import unit_of_work
from app.kit.problems import Problem
from app.kit.swhid import origin_swhid_id
from app.models import Origin, Visit
from app.models.enums import OriginKind, VisitStatus
from app.scans.analyzers import (
    Analyzer,
    FactsAnalyzer,
    LicenseAnalyzer,
    MetadataAnalyzer,
    OptoutSignalsAnalyzer,
    StageTimer,
)
from app.scans.reading import SourceKind, UnreadableSource, scan_source
from app.scans.recording import ScanSummary, record_scan
from app.scans.writing import StoredFile
from app.storage.store import ContentStore, content_store

Progress = Callable[[int, int | None], None]
FileHook = Callable[[StoredFile], None]


@dataclass
class ScanOutcome:
    origin_id: int
    origin_url: str
    summary: ScanSummary
    files: int
    seconds_by_stage: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        stats = self.summary.stats
        return {
            "origin": self.origin_url,
            "visit_id": self.summary.visit_id,
            "snapshot": self.summary.snapshot_swhid,
            "head_revision": self.summary.head_revision_swhid,
            "root_directory": f"swh:1:dir:{self.summary.root_directory.hex()}"
            if self.summary.root_directory
            else None,
            "file_count": self.files,
            "contents_new": stats.contents_new,
            "contents_known": stats.contents_known,
            "contents_stored": stats.contents_stored,
            "directories_new": stats.directories_new,
            "seconds_by_stage": {k: round(v, 3) for k, v in self.seconds_by_stage.items()},
        }


def origin_for(session: Session, location: str, origin_url: str | None) -> Origin:
    """The origin a scan is a visit of: the given URL, the clone URL, or the local path."""
    url = origin_url or location
    if "://" in url or url.startswith("git@"):
        try:
            return register_url(session, url)
        except Problem:
            pass  # not a forge we know: an origin by its plain URL
    else:
        url = Path(location).resolve().as_uri()
    found = session.scalars(select(Origin).where(Origin.url == url)).first()
    if found is not None:
        return found
    origin = Origin(
        url=url, swhid_id=origin_swhid_id(url), kind=OriginKind.REPOSITORY, topics=[], extra={}
    )
    session.add(origin)
    session.flush()
    return origin


def default_analyzers(timer: StageTimer) -> list[Analyzer]:
    return [
        FactsAnalyzer(timer),
        LicenseAnalyzer(timer),
        MetadataAnalyzer(timer),
        OptoutSignalsAnalyzer(timer),
    ]


def run_scan(
    location: str,
    *,
    origin_url: str | None = None,
    factory: sessionmaker[Session] | None = None,
    progress: Progress | None = None,
    on_file: FileHook | None = None,
    analyzers: Sequence[Analyzer] | None = None,
    max_file_size: int | None = None,
    batch_size: int = 2000,
    keep_bytes: bool = True,
) -> ScanOutcome:
    """Scan ``location`` (git path or URL, directory, tarball, zip) as a visit of its
    origin. Raises :class:`UnreadableSource` for broken input, after marking the visit
    failed (what was committed before stays consistent)."""
    with unit_of_work(factory) as uow:
        session = uow.session
        origin = origin_for(session, location, origin_url)
        session.commit()
        return scan_into(
            session,
            origin,
            location,
            progress=progress,
            on_file=on_file,
            analyzers=analyzers,
            max_file_size=max_file_size,
            batch_size=batch_size,
            store=content_store() if keep_bytes else None,
        )


def scan_into(
    session: Session,
    origin: Origin,
    location: str | Path,
    *,
    kind: SourceKind | None = None,
    progress: Progress | None = None,
    on_file: FileHook | None = None,
    analyzers: Sequence[Analyzer] | None = None,
    max_file_size: int | None = None,
    batch_size: int = 2000,
    store: ContentStore | None = None,
) -> ScanOutcome:
    """The scan pipeline in ``session`` (committed batch by batch): archive rows,
    bytes into ``store``, then every analyzer (facts, licenses, metadata, opt-out
    signals) on each batch and once the snapshot is whole. Every scan goes through
    here: the API and CLI scans, the scan job and the demo corpus."""
    if max_file_size is None:
        max_file_size = get_settings().scan_max_file_size
    timer = StageTimer()
    chosen = analyzers if analyzers is not None else default_analyzers(timer)
    files = 0
    origin_id, url = origin.id, origin.url
    started = time.perf_counter()

    def on_batch(batch: list[StoredFile]) -> None:
        nonlocal files
        timer.add("read+hash+archive writes", started_batch[0])
        for analyzer in chosen:
            analyzer.analyze(session, batch)
        files += len(batch)
        if on_file is not None:
            for stored in batch:
                on_file(stored)
        session.commit()
        if progress is not None:
            progress(files, total[0])
        started_batch[0] = time.perf_counter()

    started_batch = [started]
    total: list[int | None] = [None]

    def on_total(count: int) -> None:
        total[0] = count
        if progress is not None:
            progress(0, count)

    try:
        with scan_source(location, kind=kind, max_file_size=max_file_size) as scan:
            summary = record_scan(
                session,
                origin,
                scan,
                on_batch=on_batch,
                on_total=on_total,
                batch_size=batch_size,
                store=store,
            )
        for analyzer in chosen:
            finish = getattr(analyzer, "finish", None)
            if finish is not None:  # whole-snapshot work, once every file is seen
                finish(session, origin_id, summary.snapshot_id)
        session.commit()
    except UnreadableSource:
        session.rollback()
        session.execute(
            update(Visit)
            .where(Visit.origin_id == origin_id, Visit.status == VisitStatus.ONGOING)
            .values(status=VisitStatus.FAILED)
        )
        session.commit()
        raise
    if progress is not None:
        progress(files, files)
    return ScanOutcome(
        origin_id=origin_id,
        origin_url=url,
        summary=summary,
        files=files,
        seconds_by_stage=dict(timer.seconds),
    )
