"""The signal refresh job runs in batches of origins, on a real worker, and gives the
same signals as one whole-database pass (each batch reads the origins linked to it:
a package and its repository share domains, importance inputs and advisories)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.jobs import kinds
from app.jobs import service as jobs
from app.kit.db import unit_of_work
from app.main import create_app
from app.models import (
    ImportanceSignal,
    Origin,
    OriginAdvisory,
    OriginDomain,
    OriginImportance,
    PackageDependency,
)
from app.models.enums import OriginKind
from tests.jobs.test_worker import wait_for
from tests.signals.conftest import load_corpus


def signal_rows(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every derived signal row, without the times it was computed at."""
    return {
        "advisories": sorted(
            session.execute(
                select(
                    OriginAdvisory.origin_id,
                    OriginAdvisory.advisory_id,
                    OriginAdvisory.is_current,
                    OriginAdvisory.affects_latest,
                    OriginAdvisory.latest_version,
                    OriginAdvisory.fixed_versions,
                )
            ).all()
        ),
        "domains": sorted(
            (r.origin_id, r.domain, r.confidence, str(r.evidence))
            for r in session.scalars(select(OriginDomain))
        ),
        "dependencies": sorted(
            session.execute(select(PackageDependency.origin_id, PackageDependency.purl)).all()
        ),
        "signals": sorted(
            session.execute(
                select(
                    ImportanceSignal.origin_id,
                    ImportanceSignal.name,
                    ImportanceSignal.value,
                    ImportanceSignal.source,
                )
            ).all()
        ),
        "scores": sorted(
            (r.origin_id, r.score, str(r.inputs)) for r in session.scalars(select(OriginImportance))
        ),
    }


@pytest.mark.usefixtures("celery_worker")
def test_batched_refresh_on_a_worker_equals_one_pass(
    settings: Settings, engine: Any, committed_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with committed_factory() as db:
        load_corpus(db, committed_factory, tmp_path)  # signals computed in one pass
        whole = signal_rows(db)
        assert whole["advisories"]
        assert whole["domains"]
        assert whole["dependencies"]
        packages = len(db.scalars(select(Origin.id).where(Origin.kind == OriginKind.PACKAGE)).all())
        origins = len(db.scalars(select(Origin.id)).all())
        for table in (OriginAdvisory, OriginDomain, PackageDependency, ImportanceSignal):
            db.execute(delete(table))
        db.execute(delete(OriginImportance))
        db.commit()
    with unit_of_work(committed_factory) as uow:
        job_id = jobs.submit(uow, kinds.SIGNALS_REFRESH, {"batch_size": 2}).id
    client = TestClient(create_app(settings, engine=engine, session_factory=committed_factory))
    job = wait_for(client, job_id, timeout=120)
    assert job["state"] == "succeeded", job
    assert job["result"]["batches"] == math.ceil(packages / 2) + math.ceil(origins / 2)
    assert job["progress"]["done"] == job["progress"]["total"] == packages + origins
    with committed_factory() as db:
        assert signal_rows(db) == whole


@pytest.mark.usefixtures("celery_worker")
def test_a_bad_batch_size_fails_the_job_for_good(
    settings: Settings, engine: Any, committed_factory: sessionmaker[Session]
) -> None:
    with unit_of_work(committed_factory) as uow:
        job_id = jobs.submit(uow, kinds.SIGNALS_REFRESH, {"batch_size": 0}).id
    client = TestClient(create_app(settings, engine=engine, session_factory=committed_factory))
    job = wait_for(client, job_id, timeout=60)
    assert job["state"] == "failed"
    assert "batch_size" in job["error"]
    assert job["attempts"] == 1
