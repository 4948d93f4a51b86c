"""The set-based writes of a refresh (``app.signals.repository.replace_rows``): over
rows already there, a batched recompute gives exactly the rows of a fresh one-pass
refresh: stale rows go, changed rows are updated in place, unchanged rows keep
their ids."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.models import ImportanceSignal, Origin, OriginAdvisory, OriginDomain, OriginImportance
from app.signals.repository import WRITE_CHUNK, replace_rows
from app.signals.service import recompute_origins
from tests import factories
from tests.signals.conftest import load_corpus
from tests.signals.test_refresh_jobs import signal_rows


def test_a_batched_recompute_over_stale_rows_equals_the_one_pass_refresh(
    db: Session, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    ids = load_corpus(db, session_factory, tmp_path)
    whole = signal_rows(db)
    domain_ids = dict(((r.origin_id, r.domain), r.id) for r in db.scalars(select(OriginDomain)))
    # Damage every kind of row: a stale domain, a changed signal, score and match.
    astropy = ids["gh:astropy/astropy"]
    db.add(
        OriginDomain(
            origin_id=astropy, domain="religion", confidence=0.9, evidence=[],
            assigner_version="old",
        )
    )  # fmt: skip
    db.execute(update(ImportanceSignal).values(value=ImportanceSignal.value + 1))
    db.execute(update(OriginImportance).values(score=99.0))
    db.execute(update(OriginAdvisory).values(is_current=~OriginAdvisory.is_current))
    db.flush()
    assert signal_rows(db) != whole

    origins = sorted(db.scalars(select(Origin.id)))
    totals: dict[str, int] = defaultdict(int)
    for start in range(0, len(origins), 3):
        recompute_origins(db, origins[start : start + 3], totals)
    db.expire_all()
    assert signal_rows(db) == whole
    after = {(r.origin_id, r.domain): r.id for r in db.scalars(select(OriginDomain))}
    assert after == domain_ids  # updated in place: same rows, same ids


def test_replace_rows_writes_in_chunks_and_deletes_only_its_origins(db: Session) -> None:
    origin_ids = [o.id for o in _origins(db, 2)]
    rows = [
        {"origin_id": origin_ids[0], "name": f"s{i}", "value": float(i), "source": "t",
         "computed_by": "t"}
        for i in range(WRITE_CHUNK + 5)
    ]  # fmt: skip
    other = {"origin_id": origin_ids[1], "name": "stars", "value": 1.0, "source": "t",
             "computed_by": "t"}  # fmt: skip
    replace_rows(db, ImportanceSignal, ("origin_id", "name"), [origin_ids[1]], [other])
    assert replace_rows(db, ImportanceSignal, ("origin_id", "name"), origin_ids[:1], rows) == (
        WRITE_CHUNK + 5
    )
    replace_rows(db, ImportanceSignal, ("origin_id", "name"), origin_ids[:1], rows[:2])
    names = db.execute(
        select(ImportanceSignal.origin_id, ImportanceSignal.name).order_by(
            ImportanceSignal.origin_id, ImportanceSignal.name
        )
    ).all()
    assert names == [(origin_ids[0], "s0"), (origin_ids[0], "s1"), (origin_ids[1], "stars")]


def _origins(db: Session, n: int) -> list[Origin]:
    origins = [factories.OriginFactory() for _ in range(n)]
    db.flush()
    return origins
