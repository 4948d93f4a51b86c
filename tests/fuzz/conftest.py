"""The app under fuzzing: real PostgreSQL (schema from the migrations) holding the demo
corpus and a few more rows, inside one transaction that is rolled back at the end, so
whatever the fuzzer writes through the API disappears with it.

``FUZZ_EXAMPLES`` sets how many generated cases each operation gets in the fuzzing
phase (default: the bounded CI run); ``FUZZ_REPORT`` names a JSON file to write the
per-operation counts to.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.codemeta.readers import loader_for
from app.codemeta.recording import record_snapshot_metadata
from app.config import Settings
from app.demo.loader import CORPUS, load_demo_corpus
from app.kit.db import UnitOfWork
from app.kit.swhid import ObjectType, format_swhid
from app.main import create_app
from app.models import Content, Directory, Origin, Revision, Snapshot, Visit
from app.models.enums import JobState
from tests import factories
from tests.conftest import TEST_API_KEY

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
# Identifiers of the seeded archive objects, by the path parameter that takes them,
# for the fuzzers to draw now and then (random text almost never names a row).
KNOWN: dict[str, list[str]] = {"key": [], "swhid": [], "dir": [], "snp": []}


class Tally:
    """Cases sent, per suite and operation, the statuses they got and the server
    errors among them (a 5xx; in GraphQL also an ``internal-error``), for the report."""

    def __init__(self) -> None:
        self.statuses: dict[str, dict[str, Counter[int]]] = {}
        self.server_errors: Counter[str] = Counter()

    def add(self, suite: str, operation: str, status: int, server_error: bool = False) -> None:
        self.statuses.setdefault(suite, {}).setdefault(operation, Counter())[status] += 1
        if server_error or status >= 500:
            self.server_errors[suite] += 1

    def summary(self) -> dict[str, Any]:
        suites = {
            suite: {
                "cases": sum(sum(c.values()) for c in operations.values()),
                "operations": len(operations),
                "server_errors": self.server_errors[suite],
                "per_operation": {
                    op: {"cases": sum(c.values()), "statuses": dict(sorted(c.items()))}
                    for op, c in sorted(operations.items())
                },
            }
            for suite, operations in sorted(self.statuses.items())
        }
        return {
            "fuzz_examples": FUZZ_EXAMPLES,
            "cases": sum(s["cases"] for s in suites.values()),
            "server_errors": sum(self.server_errors.values()),
            "suites": suites,
        }


TALLY = Tally()


@pytest.fixture(scope="session")
def fuzz_tally() -> Tally:
    return TALLY


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line after the run (and the JSON report when ``FUZZ_REPORT`` is set)."""
    if not TALLY.statuses:
        return
    summary = TALLY.summary()
    parts = ", ".join(
        f"{name} {suite['cases']} cases / {suite['operations']} operations"
        for name, suite in summary["suites"].items()
    )
    terminalreporter.write_line(
        f"fuzz (FUZZ_EXAMPLES={FUZZ_EXAMPLES}): {summary['cases']} cases, "
        f"{summary['server_errors']} server errors; {parts}"
    )
    if path := os.environ.get("FUZZ_REPORT"):
        Path(path).write_text(json.dumps(summary, indent=2) + "\n")


@pytest.fixture(scope="package")
def fuzz_settings(database_url: str, redis_url: str) -> Iterator[Settings]:
    """The test settings (see ``tests/conftest.py``), for the whole fuzz package."""
    from app.config import get_settings
    from app.kit.celery import get_celery

    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as data_dir:
        patch.setenv("DATABASE_URL", database_url)
        patch.setenv("REDIS_URL", redis_url)
        patch.setenv("API_KEYS", TEST_API_KEY)
        patch.setenv("LOAD_DEMO", "false")
        patch.setenv("RATE_LIMIT_ENABLED", "false")
        patch.setenv("DATA_DIR", data_dir)  # uploads of POST /v1/imports land here
        get_settings.cache_clear()
        get_celery.cache_clear()
        yield get_settings()
        get_settings.cache_clear()
        get_celery.cache_clear()


@pytest.fixture(scope="package")
def fuzz_app(engine: Engine, fuzz_settings: Settings) -> Iterator[FastAPI]:
    """The app over one connection whose transaction is rolled back afterwards; each
    request's unit of work is a savepoint inside it (as in the ``client`` fixture)."""
    with engine.connect() as connection:
        outer = connection.begin()
        factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        _seed(factory)
        yield create_app(fuzz_settings, engine=engine, session_factory=factory)
        outer.rollback()


def _project_metadata(session: Session) -> None:
    """CodeMeta records for the scanned demo projects, from their manifests, through
    the same service the enrichment job calls (so /metadata, /codemeta.json,
    /citation.bib and /CITATION.cff have something to answer)."""
    projects = json.loads((CORPUS / "projects.json").read_text())
    for folder, url in projects.items():
        origin = session.scalars(select(Origin).where(Origin.url == url)).one()
        visit = session.scalars(select(Visit).where(Visit.origin_id == origin.id)).first()
        assert visit is not None
        assert visit.snapshot_id is not None
        files = {
            path.name: path.read_text()
            for path in sorted((CORPUS / "projects" / folder).iterdir())
            if path.is_file() and loader_for(path.name) is not None
        }
        record_snapshot_metadata(
            session,
            origin_id=origin.id,
            snapshot_id=visit.snapshot_id,
            files=files,
            content_ids={},
            swhids={},
        )


def _seed(factory: sessionmaker[Session]) -> None:
    """Rows for the generated ids to find (ids start at 1 in a fresh database, and the
    fuzzer favours small integers): the demo corpus, scanned, plus papers and jobs."""
    with factory() as session:
        load_demo_corpus(UnitOfWork(session))
        factories.bind(session)
        content = session.scalars(select(Content).order_by(Content.id)).first()
        assert content is not None
        for origin in session.scalars(select(Origin).order_by(Origin.id)).all()[:3]:
            paper = factories.PaperFactory()
            factories.PaperLinkFactory(
                paper_id=paper.id, origin_id=origin.id, evidence_content_id=content.id
            )
        for state in (JobState.QUEUED, JobState.SUCCEEDED, JobState.FAILED):
            factories.JobFactory(state=state)
        _project_metadata(session)
        session.commit()
        contents = session.scalars(select(Content).order_by(Content.id).limit(5)).all()
        KNOWN["key"][:] = [f"sha1:{c.sha1.hex()}" for c in contents] + [
            f"swh:1:cnt:{c.sha1_git.hex()}" for c in contents
        ]
        KNOWN["dir"][:] = [
            format_swhid(ObjectType.DIRECTORY, d.sha1_git)
            for d in session.scalars(select(Directory).order_by(Directory.id).limit(5))
        ]
        KNOWN["snp"][:] = [s.swhid for s in session.scalars(select(Snapshot).order_by(Snapshot.id))]
        revisions = [r.swhid for r in session.scalars(select(Revision).order_by(Revision.id))]
        KNOWN["swhid"][:] = KNOWN["key"][5:] + KNOWN["dir"] + KNOWN["snp"] + revisions
