"""Submitted scans read only what an operator allows: URLs of public hosts with
allowed schemes, local paths under SCAN_LOCAL_ROOTS. And what a caller submits is
shown back, by ``GET /v1/jobs/{id}`` to anyone, without its credentials.

Host names resolve from the suite's fake DNS (``tests.conftest.FAKE_DNS``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Job
from app.scans.sources import SourceRefused, check_source


def _settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "location",
    [
        "https://github.com/o/r",
        "http://example.org/g/p.git",
        "git://example.org/p.git",
        "ssh://git@example.org/p.git",
        "git@github.com:o/r.git",
        "https://93.184.215.14/p.git",
    ],
)
def test_public_urls_are_accepted(location: str) -> None:
    assert check_source(location, _settings()) == location


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("file:///etc", "local paths are not accepted"),  # a path by another name
        ("ext::sh -c id", "local paths"),  # not a URL: a path, and no roots allowed
        ("ftp://example.org/p", "scheme 'ftp'"),
        ("https://localhost/p", "cannot resolve"),
        ("http://127.0.0.1:6379/", "non-public"),
        ("http://[::1]/p", "non-public"),
        ("http://169.254.169.254/latest/meta-data/", "non-public"),
        ("https://metadata.example/x", "non-public"),
        ("https://internal.example/g/p", "non-public"),
        ("https://rebind.example/g/p", "non-public"),  # one private answer is enough
        ("https://v6local.example/g/p", "non-public"),
        ("http://[::ffff:10.0.0.1]/p", "non-public"),
        ("http://100.64.0.1/p", "non-public"),  # shared address space (CGNAT)
        ("https://nowhere.invalid/p", "cannot resolve"),
        ("/etc/passwd", "local paths are not accepted"),
    ],
)
def test_internal_and_local_sources_are_refused(location: str, why: str) -> None:
    with pytest.raises(SourceRefused, match=why):
        check_source(location, _settings())


def test_an_operator_can_allow_an_internal_forge() -> None:
    settings = _settings(scan_allowed_hosts="internal.example")
    assert check_source("https://internal.example/g/p", settings) == "https://internal.example/g/p"


def test_local_paths_only_under_the_configured_roots(tmp_path: Path) -> None:
    root = tmp_path / "allowed"
    (root / "repo").mkdir(parents=True)
    outside = tmp_path / "secret"
    outside.mkdir()
    (root / "escape").symlink_to(outside)
    settings = _settings(scan_local_roots=str(root))
    assert check_source(str(root / "repo"), settings) == str((root / "repo").resolve())
    for bad in (str(outside), str(root / ".." / "secret"), str(root / "escape")):
        with pytest.raises(SourceRefused, match="outside the folders"):
            check_source(bad, settings)
    # file URLs are paths under the same rule
    assert check_source((root / "repo").as_uri(), settings) == (root / "repo").as_uri()
    for bad in (outside.as_uri(), (root / "escape").as_uri(), "file:///etc"):
        with pytest.raises(SourceRefused, match="outside the folders"):
            check_source(bad, settings)


def test_credentials_are_stripped_before_the_checks() -> None:
    assert check_source("https://u:tok@github.com/o/r", _settings()) == "https://github.com/o/r"


# --- through the API ---------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    ["file:///etc", "/etc", "http://169.254.169.254/", "https://internal.example/g/p"],
)
def test_scan_route_refuses_with_422(
    client: TestClient, auth: dict[str, str], db: Session, location: str
) -> None:
    response = client.post("/v1/scans", headers=auth, json={"location": location})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert problem["errors"][0]["location"] == "body.location"
    assert db.scalars(select(Job)).all() == []  # a refused request writes nothing


def test_job_shows_no_credentials_to_anyone(
    client: TestClient, auth: dict[str, str], db: Session
) -> None:
    """The leak of issue 10: a token in a clone URL was the job's params, shown by
    GET /v1/jobs/{id} (and GraphQL) to anonymous callers, and stored as is."""
    secret = "glpat-s3cretT0ken"
    response = client.post(
        "/v1/scans",
        headers=auth,
        json={
            "location": f"https://oauth2:{secret}@example.org/g/p.git?private_token={secret}",
            "origin_url": f"https://{secret}@example.org/g/p",
        },
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    shown = client.get(f"/v1/jobs/{job_id}")  # anonymous
    assert shown.status_code == 200
    assert secret not in shown.text
    assert shown.json()["params"] == {
        "location": "https://example.org/g/p.git",
        "origin_url": "https://example.org/g/p",
    }
    assert secret not in client.get("/v1/jobs").text
    query = "{ jobs(first: 5) { nodes { params requestedBy } } }"
    graphql = client.post("/graphql", json={"query": query})
    assert graphql.status_code == 200
    assert secret not in graphql.text
    assert graphql.json()["data"]["jobs"]["nodes"][0]["requestedBy"].startswith("config:")
    stored = db.get(Job, job_id)
    assert stored is not None
    assert secret not in str(stored.params)
    assert stored.requested_by is not None
    assert stored.requested_by.startswith("config:")
    assert "test-api-key" not in stored.requested_by


def test_a_local_scan_under_the_roots_is_accepted(
    client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    response = client.post("/v1/scans", headers=auth, json={"location": str(tmp_path)})
    assert response.status_code == 202, response.text
