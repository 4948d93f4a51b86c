"""Load the demo corpus: real forge records and real released files.

``corpus/forge.jsonl`` goes through the same import path as any dump, and each
project folder under ``corpus/projects/`` is scanned like any source and recorded as
a visit of its repository origin (``corpus/projects.json`` says which). Loading is
idempotent: payloads already stored and objects already archived are not added again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.attribution.indexing import FileToIndex, index_files
from app.forges.imports import ImportReport, ingest_line
from app.forges.repository import origin_by_url_or_alias
from app.kit.db import UnitOfWork
from app.models import Origin, Visit
from app.scans.reading import SourceKind, scan_source
from app.scans.recording import record_scan
from app.scans.writing import StoredFile

CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass
class DemoReport:
    forge: ImportReport
    scanned: dict[str, str] = field(default_factory=dict)  # origin URL -> snapshot SWHID

    def summary(self) -> str:
        scans = ", ".join(f"{url} ({swhid})" for url, swhid in self.scanned.items())
        return f"demo corpus: {self.forge.summary()}\n  scanned: {scans or 'nothing new'}"


def demo_needed(session: Session) -> bool:
    """True on a fresh database (no origin yet)."""
    return not session.scalar(select(func.count()).select_from(Origin))


def load_demo_corpus(uow: UnitOfWork, corpus: Path = CORPUS) -> DemoReport:
    session = uow.session
    report = ImportReport()
    with (corpus / "forge.jsonl").open("rb") as lines:
        for line_no, line in enumerate(lines, start=1):
            with session.begin_nested():
                report.add(line_no, ingest_line(session, line))
    demo = DemoReport(forge=report)
    projects: dict[str, str] = json.loads((corpus / "projects.json").read_text())
    for folder, url in projects.items():
        origin = origin_by_url_or_alias(session, url)
        if origin is None:
            raise RuntimeError(f"demo corpus: no forge record for {url}")
        already = session.scalar(
            select(func.count()).select_from(Visit).where(Visit.origin_id == origin.id)
        )
        if already:
            continue
        with scan_source(corpus / "projects" / folder, kind=SourceKind.DIRECTORY) as scan:
            demo.scanned[url] = record_scan(
                session, origin, scan, on_batch=lambda batch: _fingerprint(session, batch)
            ).snapshot_swhid
    return demo


def _fingerprint(session: Session, batch: list[StoredFile]) -> None:
    """The attribution index for the demo's files (cheap, unlike the other analyzers
    the demo skips), so a snippet of any demo file is attributed on a fresh start."""
    index_files(
        session,
        (
            FileToIndex(s.content_id, s.entry.path.decode("utf-8", "replace"), s.entry.data)
            for s in batch
            if s.is_new and not s.entry.is_symlink
        ),
    )
