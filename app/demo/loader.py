"""Load the demo corpus: real forge records and real released files.

``corpus/forge.jsonl`` goes through the same import path as any dump, and each
project folder under ``corpus/projects/`` goes through the same scan pipeline as any
source (:func:`app.scans.service.scan_into`: archive rows, bytes into the content
storage, file facts, licenses, metadata and papers, opt-out signals), recorded as a
visit of its repository origin (``corpus/projects.json`` says which). So a new user
sees facts, licenses and contents from the first start. Loading is idempotent:
payloads already stored and objects already archived are not added again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.forges.imports import ImportReport, ingest_line
from app.forges.repository import origin_by_url_or_alias
from app.kit.db import UnitOfWork
from app.models import Origin, Visit
from app.scans.reading import SourceKind
from app.scans.service import scan_into
from app.storage.store import content_store

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
        outcome = scan_into(
            session,
            origin,
            corpus / "projects" / folder,
            kind=SourceKind.DIRECTORY,
            store=content_store(),
        )
        demo.scanned[url] = outcome.summary.snapshot_swhid
    return demo
