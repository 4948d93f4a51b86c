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
from app.jobs import kinds
from app.jobs.service import submit
from app.kit.db import unit_of_work
from app.kit.problems import Problem
from app.kit.redaction import strip_credentials
from app.kit.swhid import origin_swhid_id
from app.models import Origin, Visit
from app.models.enums import OriginKind, VisitStatus
from app.neardups.service import recluster
from app.scans.analyzers import (
    Analyzer,
    AttributionAnalyzer,
    FactsAnalyzer,
    LicenseAnalyzer,
    MetadataAnalyzer,
    OptoutSignalsAnalyzer,
    StageTimer,
)
from app.scans.reading import SourceKind, UnreadableSource, scan_source
from app.scans.recording import ScanSummary, record_scan
from app.scans.report import snapshot_report
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
    url = strip_credentials(origin_url or location)
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
    origin = Origin(url=url, swhid_id=origin_swhid_id(url), kind=OriginKind.REPOSITORY, topics=[])
    session.add(origin)
    session.flush()
    return origin


def default_analyzers(timer: StageTimer) -> list[Analyzer]:
    return [
        FactsAnalyzer(timer),
        LicenseAnalyzer(timer),
        MetadataAnalyzer(timer),
        OptoutSignalsAnalyzer(timer),
        AttributionAnalyzer(timer),
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
    origin. Raises :class:`UnreadableSource` for broken input, after marking this
    scan's visit failed (what was committed before stays consistent; other visits of
    the origin, such as a concurrent scan's, are not touched)."""
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
    signals, attribution) on each batch and once the snapshot is whole. Every scan
    goes through here: the API and CLI scans, the scan job and the demo corpus."""
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

    visit_id: list[int] = []

    def on_visit(new_visit_id: int) -> None:
        # Committed at once: the visit is visible as ongoing while the scan runs,
        # and a failure below has this visit, and only it, to mark failed.
        visit_id.append(new_visit_id)
        session.commit()

    try:
        with scan_source(location, kind=kind, max_file_size=max_file_size) as scan:
            summary = record_scan(
                session,
                origin,
                scan,
                on_batch=on_batch,
                on_total=on_total,
                on_visit=on_visit,
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
        if visit_id:  # this scan's visit only: other scans of the origin go on
            session.execute(
                update(Visit)
                .where(Visit.id == visit_id[0], Visit.status == VisitStatus.ONGOING)
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


def scan_pipeline(
    location: str,
    *,
    origin_url: str | None = None,
    factory: sessionmaker[Session] | None = None,
    progress: Progress | None = None,
    on_file: FileHook | None = None,
    max_file_size: int | None = None,
    cluster_inline: bool = False,
    report_limit: int | None = None,
    batch_size: int = 2000,
) -> tuple[ScanOutcome, dict[str, object]]:
    """The whole scan, the same for the API's job and the CLI: the scan itself, the
    near-duplicate clustering of its new signatures, and the report of everything it
    stored (:func:`app.scans.report.snapshot_report`).

    ``cluster_inline``: recluster now, in this process (the CLI, which may run with
    no worker); otherwise a ``neardups.recluster`` job is queued (the API's worker),
    and the report's clusters are those known before it runs. ``report_limit``: see
    :func:`~app.scans.report.snapshot_report`."""
    outcome = run_scan(
        location,
        origin_url=origin_url,
        factory=factory,
        progress=progress,
        on_file=on_file,
        max_file_size=max_file_size,
        batch_size=batch_size,
    )
    result = outcome.as_dict()
    if outcome.summary.stats.contents_new:
        # New signatures can join or merge clusters.
        if cluster_inline:
            result["near_dups"] = recluster(factory).as_dict()
        else:
            with unit_of_work(factory) as uow:
                result["near_dup_job"] = submit(uow, kinds.NEARDUPS_RECLUSTER, {}).id
    with unit_of_work(factory) as uow:
        result.update(
            snapshot_report(
                uow.session,
                outcome.origin_id,
                outcome.summary.snapshot_id,
                limit=report_limit,
            )
        )
    return outcome, result
