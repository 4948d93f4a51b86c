"""The advisory import job on a real worker: it imports, then matches again only the
origins the written advisories concern, a batch per transaction with its progress,
and the matches are those of a whole-table match."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.jobs import kinds
from app.jobs import service as jobs
from app.kit.db import unit_of_work
from app.main import create_app
from app.models import Origin, OriginAdvisory
from app.signals.vulnerabilities import repository as advisories
from app.signals.vulnerabilities.matching import match_all
from tests.jobs.test_worker import wait_for
from tests.signals.conftest import _osv_lines, github_repo, ingest_github, ingest_pypi


def _matches(db: Session) -> list[tuple[Any, ...]]:
    db.expire_all()
    return sorted(
        db.execute(
            select(
                OriginAdvisory.origin_id,
                OriginAdvisory.advisory_id,
                OriginAdvisory.is_current,
                OriginAdvisory.affects_latest,
                OriginAdvisory.latest_version,
                OriginAdvisory.fixed_versions,
                OriginAdvisory.purls,
            )
        ).all()
    )


@pytest.mark.usefixtures("celery_worker")
def test_import_rematches_the_concerned_origins_in_batches(
    settings: Settings, engine: Any, committed_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with committed_factory() as db:
        repo = github_repo(
            "astropy/astropy",
            native_id=2081289,
            topics=[],
            stars=4000,
            forks=1600,
            license_spdx="BSD-3-Clause",
            pushed_at="2022-12-01T10:00:00Z",
        )
        ids = {"gh:astropy": ingest_github(db, repo)}
        ids |= {name: ingest_pypi(db, name) for name in ("astropy", "utm", "gwpy", "pyvo")}
        db.commit()
        every = sorted(db.scalars(select(Origin.id)))
    with unit_of_work(committed_factory) as uow:
        job_id = jobs.submit(
            uow, kinds.SIGNALS_IMPORT, {"path": str(_osv_lines(tmp_path)), "batch_size": 1}
        ).id
    api = TestClient(create_app(settings, engine=engine, session_factory=committed_factory))
    job = wait_for(api, job_id, timeout=120)
    assert job["state"] == "succeeded", job
    matched = job["result"]["matched"]
    with committed_factory() as db:
        concerned = advisories.origins_concerned(
            db, advisories.advisories_changed_since(db, _created(db, job_id))
        )
        astropy = db.get(Origin, ids["astropy"])
        assert astropy is not None
        # astropy's package and the repository it declares; not utm, gwpy or pyvo
        assert ids["astropy"] in concerned
        assert astropy.repository_origin_id == ids["gh:astropy"]
        assert ids["gh:astropy"] in concerned
        assert not {ids["utm"], ids["gwpy"], ids["pyvo"]} & set(concerned)
        assert len(concerned) < len(every)
        assert matched == {
            "advisories": 3,
            "origins": len(concerned),
            "batches": len(concerned),  # one origin per batch, each its own transaction
            "current": 2,  # astropy 5.2rc1 < 5.3.3: the package and its repository
        }
        assert job["progress"]["stage"] == "matching"
        assert job["progress"]["done"] == job["progress"]["total"] == len(concerned)
        batched = _matches(db)
        assert {row[0] for row in batched} == {ids["astropy"], astropy.repository_origin_id}
        match_all(db)  # the whole table at once gives the same rows
        db.flush()
        assert _matches(db) == batched
        db.rollback()


def _created(db: Session, job_id: int) -> Any:
    from app.jobs.repository import get

    job = get(db, job_id)
    assert job is not None
    return job.created_at
