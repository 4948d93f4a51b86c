"""What must always hold for forge ingest, checked with hypothesis (issue 10):

* importing the same set of payloads in any order, in any batching, through the
  per-record path or the bulk COPY path, gives the same origins, owners, URL and login
  histories, issues and states;
* re-importing, refreshing or re-deriving any payload never removes what a scan
  derived for the origin (effective license, language breakdown).

The payloads are the real recordings and the edited real recordings of
``fixtures/history`` (a transfer, a reused URL, a renamed account, a reused login,
an endpoint that forgot merges, 2012 shapes, old GitLab URLs). Examples are
derandomized and bounded so the suite stays reproducible and quick.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.demo.loader import CORPUS
from app.forges.bulk import ingest_batch
from app.forges.clients import ClientConfig, ForgeClient
from app.forges.envelope import Envelope
from app.forges.fetch import refresh_origin
from app.forges.ingest import ingest
from app.forges.rederive import rederive
from app.models import Origin, ScanSummary
from app.origins.search import OriginFilters, search
from app.scans.service import run_scan
from tests.forges.test_bulk import TABLES, envelope, fixture, on, snapshot
from tests.forges.test_identities import (
    gitflow_2012,
    gitflow_renamed_account,
    new_repository_on_freed_url,
    pygithub_2012,
    pygithub_2025,
)

PROPERTY = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def history_set() -> list[Envelope]:
    """One set of payloads where order used to matter."""
    itsdangerous = "https://api.github.com/repos/pallets/itsdangerous/issues"
    gitlab = on("gitlab.com", "https://gitlab.com/gitea/test_repo")
    return [
        pygithub_2012(),
        pygithub_2025(),
        new_repository_on_freed_url(),
        gitflow_2012(),
        gitflow_renamed_account(),
        envelope(fixture("github/repo_pallets_itsdangerous.json")),
        envelope(
            fixture("github/issues_pallets_itsdangerous_page1.json"),
            kind="issues",
            url=f"{itsdangerous}?page=1",
            fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        envelope(
            fixture("history/issues_pallets_itsdangerous_372_without_merged_at.json"),
            kind="issues",
            url=f"{itsdangerous}/372",
            fetched_at=datetime(2026, 2, 1, tzinfo=UTC),
        ),
        envelope(
            fixture("pypi/itsdangerous.json"),
            authority="pypi.org",
            fmt="pypi-project-json",
            kind="package",
        ),
        gitlab(fixture("gitlab/project_gitea_test_repo.json"), fmt="gitlab-project-json"),
        envelope(
            fixture("history/gitlab_issues_old_form_page1.json"),
            authority="gitlab.com",
            fmt="gitlab-issues-json",
            kind="issues",
            url="https://gitlab.com/api/v4/projects/15578026/issues?page=1",
        ),
        # the same repository twice at the same time, different bytes: the payload
        # order (not the arrival) picks the fields
        envelope(fixture("github/repo_benjaminp_six.json")),
        envelope({**fixture("github/repo_benjaminp_six.json"), "stargazers_count": 1}),
    ]


def _applied(db: Session, batches: Sequence[Sequence[Envelope]], *, bulk: bool) -> dict[str, Any]:
    savepoint = db.begin_nested()
    try:
        for batch in batches:
            if bulk:
                ingest_batch(db, batch)
            else:
                for env in batch:
                    ingest(db, env)
        db.flush()
        return snapshot(db)
    finally:
        savepoint.rollback()


@pytest.fixture
def reference(db: Session) -> dict[str, Any]:
    return _applied(db, [history_set()], bulk=False)


@PROPERTY
@given(order=st.permutations(range(len(history_set()))), size=st.integers(1, 13))
def test_any_order_any_batching_same_rows(
    db: Session, reference: dict[str, Any], order: list[int], size: int
) -> None:
    envs = history_set()
    shuffled = [envs[i] for i in order]
    batches = [shuffled[n : n + size] for n in range(0, len(shuffled), size)]
    for bulk in (False, True):
        tables = _applied(db, batches, bulk=bulk)
        for table in TABLES:
            assert tables[table] == reference[table], (table, bulk, order, size)


def test_the_reference_is_the_story_told(reference: dict[str, Any]) -> None:
    """The set exercises what it is meant to: two owners share a login over time, one
    URL was held by two origins, the merged pull request stayed merged."""
    logins = [row for row in reference["owner_login"] if "'login': 'jacquev6'" in row[0]]
    assert len(logins) == 2
    jacquev6 = [row for row in reference["origin_alias"] if "jacquev6/pygithub'" in row[0]]
    assert len(jacquev6) == 2
    (pull,) = [row for row in reference["issue"] if "'number': 372" in row[0]]
    assert "'state': 'merged'" in pull[0]
    assert len([row for row in reference["origin"] if "benjaminp/six'" in row[0]]) == 1


# --- scan-derived facts survive everything forge ingest does ----------------------------

SIX_LINE = (CORPUS / "forge.jsonl").read_bytes().splitlines()[0]
SIX = json.loads(SIX_LINE)
SIX_URL = "https://github.com/benjaminp/six"


def _served(payload: dict[str, Any]) -> ForgeClient:
    """A GitHub client whose network answers with ``payload`` (a recorded response)."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/repos/benjaminp/six":
            return httpx.Response(200, json=payload, headers={"ETag": f'"{len(str(payload))}"'})
        return httpx.Response(404, json={"message": "Not Found"})

    return ForgeClient(ClientConfig(), http=httpx.Client(transport=httpx.MockTransport(handle)))


@pytest.fixture
def scanned_six(
    db: Session, session_factory: sessionmaker[Session], tmp_path: Path
) -> tuple[int, dict[str, Any]]:
    """six imported from the demo corpus, then scanned for real (a LICENSE and code)."""
    ingest(db, _six_envelope(SIX["payload"], datetime(2026, 11, 1, tzinfo=UTC)))
    db.flush()
    tree = tmp_path / "six"
    tree.mkdir()
    shutil.copy(CORPUS / "projects" / "six" / "LICENSE", tree / "LICENSE")
    shutil.copy(CORPUS / "projects" / "six" / "six.py", tree / "six.py")
    outcome = run_scan(str(tree), origin_url=SIX_URL, factory=session_factory)
    facts = _scan_facts(db, outcome.origin_id)
    assert facts["license_expression"] == "MIT"
    assert facts["license_category"] == "permissive"
    assert facts["languages"]
    assert _in_category(db, outcome.origin_id)
    return outcome.origin_id, facts


def _scan_facts(db: Session, origin_id: int) -> dict[str, Any]:
    """Every scan summary of the origin, as stored (what forge ingest must never touch)."""
    db.expire_all()
    rows = db.scalars(
        select(ScanSummary)
        .where(ScanSummary.origin_id == origin_id)
        .order_by(ScanSummary.snapshot_id)
    ).all()
    assert len(rows) == 1
    return {
        c.name: getattr(rows[0], c.key)
        for c in ScanSummary.__table__.columns
        if c.name != "scanned_at"
    } | {"scanned_at": rows[0].scanned_at}


def _in_category(db: Session, origin_id: int) -> bool:
    """Whether the origin matches ``license_category=permissive`` (REST's filter)."""
    found, _ = search(db, OriginFilters(license_category="permissive"), cursor=None, limit=50)
    return origin_id in {o.id for o in found}


def _six_envelope(payload: dict[str, Any], fetched_at: datetime) -> Envelope:
    return replace(
        envelope(payload, url="https://api.github.com/repos/benjaminp/six", fetched_at=fetched_at),
        origin=SIX_URL,
    )


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["reimport", "newer", "older", "refresh", "rederive"]),
        st.integers(0, 10_000),  # stars of the variant
        st.booleans(),  # archived
    ),
    min_size=1,
    max_size=4,
)


@PROPERTY
@given(actions=ACTIONS)
def test_forge_ingest_never_removes_scan_facts(
    db: Session,
    session_factory: sessionmaker[Session],
    scanned_six: tuple[int, dict[str, Any]],
    actions: list[tuple[str, int, bool]],
) -> None:
    origin_id, facts = scanned_six
    savepoint = db.begin_nested()
    try:
        when = datetime(2026, 11, 1, tzinfo=UTC)
        for step, (action, stars, archived) in enumerate(actions, start=1):
            variant = {**SIX["payload"], "stargazers_count": stars, "archived": archived}
            if action == "reimport":
                ingest(db, _six_envelope(SIX["payload"], when))
            elif action == "newer":
                ingest(db, _six_envelope(variant, when + timedelta(days=step)))
            elif action == "older":
                ingest(db, _six_envelope(variant, when - timedelta(days=step)))
            elif action == "refresh":
                db.flush()
                refresh_origin(_served(variant), origin_id, session_factory)
            else:
                db.flush()
                rederive(session_factory)
            db.flush()
            assert _scan_facts(db, origin_id) == facts, (action, step)
            assert _in_category(db, origin_id), (action, step)
    finally:
        savepoint.rollback()


def test_refresh_and_rederive_keep_scan_facts(
    db: Session,
    session_factory: sessionmaker[Session],
    scanned_six: tuple[int, dict[str, Any]],
) -> None:
    """The plain regression (issue 10, item 1): each of the three wiped them before."""
    origin_id, facts = scanned_six
    newer = {**SIX["payload"], "stargazers_count": 1}
    ingest(db, _six_envelope(newer, datetime(2026, 12, 1, tzinfo=UTC)))
    db.flush()
    refresh_origin(_served({**newer, "archived": True}), origin_id, session_factory)
    rederive(session_factory)
    origin = db.scalars(select(Origin).where(Origin.id == origin_id)).one()
    db.refresh(origin)
    assert origin.is_archived
    assert origin.stars == 1  # the forge's own fields did change
    assert _scan_facts(db, origin_id) == facts
    assert _in_category(db, origin_id)
    assert origin.scan_summary is not None
    assert origin.scan_summary.license_expression == "MIT"
