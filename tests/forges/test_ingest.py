"""Payloads are stored verbatim, normalized with provenance, and applied whole or not
at all; renames, forks, packages and issues land where they belong."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.forges.envelope import Envelope
from app.forges.ingest import ingest
from app.models import Issue, LicenseFinding, Origin, OriginAlias, Owner, RawMetadata
from app.models.enums import IssueState, LicenseSource

GITHUB = "application/vnd.github.v3+json"


def envelope(
    payload: Any,
    *,
    kind: str = "repository",
    url: str | None = None,
    authority: str = "github.com",
    fmt: str = GITHUB,
    fetched_at: datetime | None = None,
    origin: str | None = None,
) -> Envelope:
    return Envelope(
        authority=authority,
        format=fmt,
        kind=kind,
        payload=payload,
        payload_bytes=json.dumps(payload, separators=(",", ":")).encode(),
        url=url,
        origin=origin,
        fetched_at=fetched_at or datetime(2026, 11, 1, tzinfo=UTC),
    )


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_repository_with_owner_license_and_provenance(
    db: Session, load_fixture: Callable[[str], Any]
) -> None:
    payload = load_fixture("github/repo_benjaminp_six.json")
    outcome = ingest(db, envelope(payload, url="https://api.github.com/repos/benjaminp/six"))
    assert outcome.status == "applied", outcome.error
    origin = db.get(Origin, outcome.origin_id)
    assert origin is not None
    assert origin.url == "https://github.com/benjaminp/six"
    assert origin.native_id == str(payload["id"])
    assert origin.stars == payload["stargazers_count"]
    assert origin.raw_metadata_id == outcome.raw_metadata_id
    assert origin.mapper_version is not None
    assert origin.mapper_version.startswith("github")
    raw = db.get(RawMetadata, outcome.raw_metadata_id)
    assert raw is not None
    assert json.loads(raw.payload) == payload
    assert raw.origin_id == origin.id
    owner = db.get(Owner, origin.owner_id)
    assert owner is not None
    assert owner.display_login == "benjaminp"
    findings = db.scalars(select(LicenseFinding).where(LicenseFinding.origin_id == origin.id)).all()
    assert [(f.expression, f.source) for f in findings] == [("MIT", LicenseSource.FORGE_DECLARED)]
    assert findings[0].raw_metadata_id == raw.id


def test_same_payload_twice_changes_nothing(
    db: Session, load_fixture: Callable[[str], Any]
) -> None:
    payload = load_fixture("github/repo_benjaminp_six.json")
    ingest(db, envelope(payload))
    before = [count(db, m) for m in (RawMetadata, Origin, LicenseFinding, Owner)]
    assert ingest(db, envelope(payload)).status == "unchanged"
    assert [count(db, m) for m in (RawMetadata, Origin, LicenseFinding, Owner)] == before


def test_rename_keeps_old_url_as_alias(db: Session, load_fixture: Callable[[str], Any]) -> None:
    payload = load_fixture("github/repo_renamed_octokit-fixture-org.json")
    old = copy.deepcopy(payload)
    old["name"] = "rename-repository"
    old["full_name"] = "octokit-fixture-org/rename-repository"
    old["html_url"] = "https://github.com/octokit-fixture-org/rename-repository"
    first = ingest(db, envelope(old, fetched_at=datetime(2026, 1, 1, tzinfo=UTC)))
    second = ingest(
        db,
        envelope(payload, url="https://api.github.com/repos/octokit-fixture-org/rename-repository"),
    )
    assert first.origin_id == second.origin_id  # same forge id: the same origin
    origin = db.get(Origin, second.origin_id)
    assert origin is not None
    assert origin.url == "https://github.com/octokit-fixture-org/rename-repository-newname"
    # every URL the origin was seen at, with when (the current one included)
    periods = db.execute(
        select(OriginAlias.url, OriginAlias.first_seen_at, OriginAlias.last_seen_at)
        .where(OriginAlias.origin_id == origin.id)
        .order_by(OriginAlias.last_seen_at)
    ).all()
    jan, nov = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    assert [tuple(p) for p in periods] == [
        ("https://github.com/octokit-fixture-org/rename-repository", jan, jan),
        ("https://github.com/octokit-fixture-org/rename-repository-newname", nov, nov),
    ]


def test_older_payload_does_not_overwrite_newer(
    db: Session, load_fixture: Callable[[str], Any]
) -> None:
    payload = load_fixture("github/repo_benjaminp_six.json")
    ingest(db, envelope(payload, fetched_at=datetime(2026, 6, 1, tzinfo=UTC)))
    older = copy.deepcopy(payload)
    older["stargazers_count"] = 1
    outcome = ingest(db, envelope(older, fetched_at=datetime(2025, 1, 1, tzinfo=UTC)))
    assert outcome.status == "stale"
    origin = db.get(Origin, outcome.origin_id)
    assert origin is not None
    assert origin.stars == payload["stargazers_count"]
    assert count(db, RawMetadata) == 2  # still stored: nothing read is lost


def test_fork_parent_is_linked(db: Session, load_fixture: Callable[[str], Any]) -> None:
    payload = load_fixture("github/repo_fork_2012_jacquev6_gitflow.json")
    outcome = ingest(db, envelope(payload))
    origin = db.get(Origin, outcome.origin_id)
    assert origin is not None
    assert origin.is_fork
    parent = db.get(Origin, origin.fork_parent_id)
    assert parent is not None
    assert parent.url == "https://github.com/nvie/gitflow"
    assert parent.native_id == str(payload["parent"]["id"])


def test_package_links_to_its_repository_either_order(
    db: Session, load_fixture: Callable[[str], Any]
) -> None:
    pypi = ingest(
        db,
        envelope(
            load_fixture("pypi/six.json"),
            kind="package",
            authority="pypi.org",
            fmt="pypi-project-json",
        ),
    )
    package = db.get(Origin, pypi.origin_id)
    assert package is not None
    assert package.declared_repository_url == "https://github.com/benjaminp/six"
    assert package.repository_origin_id is None  # repository not known yet
    repo = ingest(db, envelope(load_fixture("github/repo_benjaminp_six.json")))
    db.refresh(package)
    assert package.repository_origin_id == repo.origin_id
    sources = db.scalars(
        select(LicenseFinding.source).where(LicenseFinding.origin_id == package.id)
    ).all()
    assert set(sources) == {LicenseSource.REGISTRY_DECLARED}


def test_unmappable_payload_fails_with_reason_and_keeps_raw(db: Session) -> None:
    outcome = ingest(db, envelope({"id": "not-a-number", "name": 3}))
    assert outcome.status == "failed"
    assert outcome.error
    assert count(db, RawMetadata) == 1
    assert count(db, Origin) == 0  # no partial rows


def test_issue_pages_attach_to_the_repository(
    db: Session, load_fixture: Callable[[str], Any]
) -> None:
    repo = ingest(db, envelope(load_fixture("github/repo_pallets_itsdangerous.json")))
    for page in (
        "issues_pallets_itsdangerous_page1.json",
        "issues_pallets_itsdangerous_page2.json",
    ):
        outcome = ingest(
            db,
            envelope(
                load_fixture(f"github/{page}"),
                kind="issues",
                url="https://api.github.com/repos/pallets/itsdangerous/issues?state=all",
            ),
        )
        assert outcome.status == "applied", outcome.error
        assert outcome.origin_id == repo.origin_id
    issues = db.scalars(select(Issue).where(Issue.origin_id == repo.origin_id)).all()
    assert {i.state for i in issues} >= {IssueState.CLOSED, IssueState.MERGED}
    assert all(i.raw_metadata_id is not None for i in issues)
