"""Re-derive normalized rows from stored payloads after a mapper changed.

Nothing is fetched again: every stored payload is mapped anew, oldest first, so the
newest payload of each origin decides its fields, exactly as if the payloads had been
imported again with today's mappers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from app.forges.errors import UnmappablePayload
from app.forges.ingest import apply_mapped
from app.forges.mappers import map_envelope
from app.kit.db import unit_of_work
from app.models import RawMetadata

# Payloads other domains map (OSV advisories: app.signals.vulnerabilities.imports).
OTHER_KINDS = ("advisory",)
Progress = Callable[[int, int | None], None]


@dataclass
class RederiveReport:
    payloads: int = 0
    applied: int = 0
    stale: int = 0
    failed: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "payloads": self.payloads,
            "applied": self.applied,
            "stale": self.stale,
            "failed": self.failed,
            "failures": [{"raw_metadata_id": i, "reason": r} for i, r in self.failures],
        }

    def summary(self) -> str:
        return (
            f"{self.payloads} stored payloads mapped again: {self.applied} applied, "
            f"{self.stale} superseded by newer payloads, {self.failed} failed"
        )


def _map_raw(session: Session, raw: RawMetadata) -> tuple[str, str | None]:
    try:
        payload = json.loads(raw.payload)
        mapped = map_envelope(
            raw.authority, raw.format, raw.kind, payload, source_url=raw.source_url
        )
    except (UnmappablePayload, ValueError) as exc:
        return "failed", str(exc)
    outcome = apply_mapped(session, raw, mapped)
    return outcome.status, outcome.error


def rederive(
    factory: sessionmaker[Session] | None = None,
    *,
    mapper: str | None = None,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> RederiveReport:
    """Map every stored payload again (``mapper``: only payloads whose format's
    authority matches, e.g. ``github.com``)."""
    report = RederiveReport()
    with unit_of_work(factory) as uow:
        count = (
            select(func.count())
            .select_from(RawMetadata)
            .where(RawMetadata.kind.not_in(OTHER_KINDS))
        )
        if mapper:
            count = count.where(RawMetadata.authority == mapper)
        total = int(uow.session.scalar(count) or 0)
    last_key: tuple[object, int] | None = None
    while True:
        with unit_of_work(factory) as uow:
            stmt = (
                select(RawMetadata)
                .where(RawMetadata.kind.not_in(OTHER_KINDS))
                .order_by(RawMetadata.fetched_at, RawMetadata.id)
            )
            if mapper:
                stmt = stmt.where(RawMetadata.authority == mapper)
            if last_key is not None:
                stmt = stmt.where(
                    tuple_(RawMetadata.fetched_at, RawMetadata.id) > tuple_(*last_key)
                )
            rows = uow.session.scalars(stmt.limit(batch_size)).all()
            for raw in rows:
                status, error = _map_raw(uow.session, raw)
                report.payloads += 1
                if status == "failed":
                    report.failed += 1
                    if len(report.failures) < 100:
                        report.failures.append((raw.id, error or "failed"))
                elif status == "stale":
                    report.stale += 1
                else:
                    report.applied += 1
            if rows:
                last_key = (rows[-1].fetched_at, rows[-1].id)
        if progress is not None:
            progress(report.payloads, total)
        if len(rows) < batch_size:
            return report
