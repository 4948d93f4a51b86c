"""Bulk import of JSON Lines dumps of raw payloads, streamed.

The file is read line by line (never loaded whole); each line is one payload in the
envelope of :mod:`app.forges.envelope`. Lines are applied in batches, one unit of
work per batch, through the set-based fast path of :mod:`app.forges.bulk` (same rows
as one by one; each payload still applied whole or not at all), so a bad line becomes
a failed item with its reason while the rest of the batch goes on, and a crash loses
at most the uncommitted batch, which a re-run then applies (already stored payloads
are skipped). Should the fast path hit a database error (say a concurrent import
inserting the same origin), the batch is rolled back to a savepoint and redone record
by record, which settles such races the way a single ``ingest`` does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from app.forges.bulk import FAST_PATH_ERRORS, ingest_batch
from app.forges.envelope import Envelope, InvalidEnvelope, parse_envelope
from app.forges.ingest import IngestOutcome, ingest
from app.kit.db import unit_of_work

log = logging.getLogger(__name__)

MAX_FAILURES_KEPT = 100
ItemHook = Callable[[int, IngestOutcome], None]
BatchHook = Callable[[int], None]


@dataclass
class ImportReport:
    lines: int = 0
    applied: int = 0
    unchanged: int = 0
    stale: int = 0
    failed: int = 0
    issues: int = 0
    # The first MAX_FAILURES_KEPT failures (a report stays small however bad the dump);
    # every failure goes to ``on_item`` as it happens (a job item, a CLI line).
    failures: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line_no: int, outcome: IngestOutcome) -> None:
        self.lines += 1
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        self.issues += outcome.issues
        if outcome.status == "failed" and len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append((line_no, outcome.error or "failed"))

    def summary(self, *, failures_listed: str | None = None) -> str:
        """Counts, then the failures kept; ``failures_listed`` says where all of them
        went already (e.g. "above"), and then none is repeated."""
        text = (
            f"{self.lines} lines: {self.applied} applied, {self.unchanged} unchanged, "
            f"{self.stale} older than what we have, {self.failed} failed; "
            f"{self.issues} issues and pull requests"
        )
        if failures_listed is not None:
            return text + (f" (failed lines listed {failures_listed})" if self.failed else "")
        for line_no, reason in self.failures:
            text += f"\n  line {line_no}: {reason}"
        if self.failed > len(self.failures):
            text += (
                f"\n  ... and {self.failed - len(self.failures)} more failed lines, not kept "
                "in this report (a job lists every one as a failed item)"
            )
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "applied": self.applied,
            "unchanged": self.unchanged,
            "stale": self.stale,
            "failed": self.failed,
            "issues": self.issues,
            "failures": [{"line": n, "reason": r} for n, r in self.failures],
            "failures_not_listed": self.failed - len(self.failures),
        }


def ingest_line(session: Session, line: bytes) -> IngestOutcome:
    try:
        envelope = parse_envelope(line)
    except InvalidEnvelope as exc:
        return IngestOutcome("failed", None, error=f"invalid envelope: {exc}")
    return ingest(session, envelope)


def ingest_lines(session: Session, lines: Sequence[bytes]) -> list[IngestOutcome]:
    """Outcomes of ``ingest_line`` on each line, in order, through the batch fast path."""
    parsed: list[Envelope | IngestOutcome] = []
    for line in lines:
        try:
            parsed.append(parse_envelope(line))
        except InvalidEnvelope as exc:
            parsed.append(IngestOutcome("failed", None, error=f"invalid envelope: {exc}"))
    envelopes = [p for p in parsed if isinstance(p, Envelope)]
    try:
        with session.begin_nested():
            done = ingest_batch(session, envelopes)
    except FAST_PATH_ERRORS:
        log.warning("batch fast path failed; applying the batch record by record", exc_info=True)
        done = [ingest(session, envelope) for envelope in envelopes]
    outcomes = iter(done)
    return [next(outcomes) if isinstance(p, Envelope) else p for p in parsed]


def import_lines(
    lines: Iterable[bytes],
    factory: sessionmaker[Session] | None = None,
    *,
    batch_size: int = 500,
    on_item: ItemHook | None = None,
    on_batch: BatchHook | None = None,
    skip: int = 0,
) -> ImportReport:
    """Import a stream of lines; ``skip`` lines are passed over (a resumed import).

    ``on_batch`` is called with the last line number of each committed batch.
    """
    report = ImportReport()
    batch: list[tuple[int, bytes]] = []

    def flush() -> None:
        with unit_of_work(factory) as uow:
            outcomes = ingest_lines(uow.session, [line for _, line in batch])
            for (line_no, _), outcome in zip(batch, outcomes, strict=True):
                report.add(line_no, outcome)
                if on_item is not None:
                    on_item(line_no, outcome)
        if on_batch is not None:
            on_batch(batch[-1][0])
        batch.clear()

    for line_no, line in enumerate(lines, start=1):
        if line_no <= skip or not line.strip():
            continue
        batch.append((line_no, line))
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return report
