"""Re-deriving advisories from stored OSV records goes batch by batch, each its own
transaction: a failure keeps the batches committed before it, and a re-run (resumed
from the progress reported, or from the start) completes without changing more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.forges.ingest import IngestOutcome
from app.jobs import kinds
from app.jobs.service import JobContext
from app.models import Advisory, AdvisoryPackage, RawMetadata
from app.signals.service import rederive_advisories_body
from app.signals.vulnerabilities import imports
from app.signals.vulnerabilities import repository as advisories
from app.signals.vulnerabilities.imports import import_items, read_items, rederive_advisories
from tests.factories import JobFactory
from tests.signals.conftest import FIXTURES

NAMES = ("GHSA-h2x6-5jx5-46hf", "PYSEC-2021-63", "GHSA-jvf4-g24p-2qgw", "GHSA-838r-hvwh-24h8")


def _stored(db: Session, session_factory: sessionmaker[Session], tmp_path: Path) -> list[int]:
    """The four recorded OSV records imported; the ids of their raw rows, in order."""
    path = tmp_path / "advisories.jsonl"
    records = [json.loads((FIXTURES / "osv" / f"{name}.json").read_text()) for name in NAMES]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    report = import_items(read_items(path), session_factory)
    assert report.applied == len(NAMES), report.failures
    return list(db.scalars(select(RawMetadata.id).order_by(RawMetadata.id)))


def _state(db: Session) -> dict[int, tuple[Any, ...]]:
    """Per raw record: its advisory's summary and its packages' (name, fixed)."""
    db.expire_all()
    out: dict[int, tuple[Any, ...]] = {}
    for advisory in db.scalars(select(Advisory)):
        packages = db.execute(
            select(AdvisoryPackage.name, AdvisoryPackage.fixed)
            .where(AdvisoryPackage.advisory_id == advisory.id)
            .order_by(AdvisoryPackage.id)
        ).all()
        out[advisory.raw_metadata_id or 0] = (advisory.summary, [tuple(p) for p in packages])
    return out


def _spoil(db: Session) -> None:
    """What an older mapper would have written: a wrong summary and no packages."""
    db.execute(delete(AdvisoryPackage))
    for advisory in db.scalars(select(Advisory)):
        advisory.summary = "old mapper"
    db.flush()


def test_a_failed_batch_keeps_the_earlier_ones_and_a_rerun_completes(
    db: Session,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raws = _stored(db, session_factory, tmp_path)
    expected = _state(db)
    assert all(packages for _, packages in expected.values())
    _spoil(db)

    # The third record's batch fails (a crash while applying it): batches of two.
    apply = imports.apply_record

    def failing(session: Session, raw: RawMetadata, record: Any) -> str:
        if raw.id == raws[2]:
            raise RuntimeError("worker lost")
        return apply(session, raw, record)

    monkeypatch.setattr(imports, "apply_record", failing)
    progress: list[tuple[int, int]] = []
    with pytest.raises(RuntimeError):
        rederive_advisories(
            session_factory, batch_size=2, progress=lambda d, t: progress.append((d, t))
        )
    assert progress == [(2, 4)]  # the first batch committed, and said so
    state = _state(db)
    assert [state[r] for r in raws[:2]] == [expected[r] for r in raws[:2]]  # kept
    assert [state[r][0] for r in raws[2:]] == ["old mapper", "old mapper"]  # not reached

    # Resumed from the progress reported: only the rest is done, and it completes.
    monkeypatch.setattr(imports, "apply_record", apply)
    seen: list[IngestOutcome] = []
    report = rederive_advisories(
        session_factory,
        batch_size=2,
        resume_from=progress[-1][0],
        on_item=lambda n, o: seen.append(o),
    )
    assert (report.lines, report.applied, report.failed) == (2, 2, 0)
    assert [o.raw_metadata_id for o in seen] == raws[2:]
    assert _state(db) == expected

    # A re-run from the start is idempotent: every record again, the same rows.
    again = rederive_advisories(session_factory, batch_size=3)
    assert (again.lines, again.failed) == (4, 0)
    assert _state(db) == expected


def test_batches_are_bounded_and_progress_counts_each(
    db: Session, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _stored(db, session_factory, tmp_path)
    _spoil(db)
    sizes: list[int] = []
    fetch = advisories.stored_records_after

    def counting(session: Session, fmt: str, after_id: int, limit: int) -> Any:
        rows = fetch(session, fmt, after_id, limit)
        sizes.append(len(rows))
        return rows

    progress: list[tuple[int, int]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(advisories, "stored_records_after", counting)
        report = rederive_advisories(
            session_factory, batch_size=1, progress=lambda d, t: progress.append((d, t))
        )
    assert report.lines == 4
    assert max(sizes) == 1  # one record per transaction, never the table
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert "old mapper" not in {summary for summary, _ in _state(db).values()}


def test_the_job_resumes_after_the_records_an_earlier_attempt_committed(
    db: Session, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    raws = _stored(db, session_factory, tmp_path)
    expected = _state(db)
    _spoil(db)
    job = JobFactory(kind=kinds.SIGNALS_REDERIVE, params={"batch_size": 2})
    db.flush()
    # An earlier attempt committed the first batch (its progress says 2), then died.
    rederive_advisories(session_factory, batch_size=2, progress=lambda d, t: None)
    _spoil(db)
    context = JobContext(job.id, {"batch_size": 2}, session_factory, resumed_from=2)
    result = rederive_advisories_body(context)
    assert (result["lines"], result["resumed_after_record"]) == (2, 2)
    state = _state(db)
    assert [state[r][0] for r in raws[:2]] == ["old mapper", "old mapper"]  # skipped
    assert [state[r] for r in raws[2:]] == [expected[r] for r in raws[2:]]
