"""Recorded payloads for the signals tests (see fixtures/SOURCES.md) and helpers that
import them through the same paths as production."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.forges.envelope import parse_envelope
from app.forges.ingest import ingest

FIXTURES = Path(__file__).parent / "fixtures"
GITHUB_REPO = Path(__file__).parents[1] / "forges/fixtures/github/repo_pallets_itsdangerous.json"


def osv(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "osv" / f"{name}.json").read_text())
    return data


def pypi(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "pypi" / f"{name}.json").read_text())
    return data


def ingest_pypi(db: Session, name: str, fetched_at: str = "2022-12-02T00:00:00Z") -> int:
    """Import a recorded PyPI payload as a dump line; the origin id."""
    line = json.dumps(
        {
            "authority": "pypi.org",
            "format": "pypi-project-json",
            "kind": "package",
            "url": f"https://pypi.org/pypi/{name}/json",
            "fetched_at": fetched_at,
            "payload": pypi(name),
        }
    )
    outcome = ingest(db, parse_envelope(line))
    assert outcome.status == "applied", outcome
    assert outcome.origin_id is not None
    return outcome.origin_id


def github_repo(
    full_name: str,
    *,
    native_id: int,
    topics: list[str],
    stars: int,
    forks: int,
    license_spdx: str | None,
    pushed_at: str,
) -> dict[str, Any]:
    """A GitHub ``GET /repos/{o}/{r}`` payload *assembled* from the recorded one of
    pallets/itsdangerous: only the fields named here (and the URLs and names derived
    from ``full_name``) are changed; see fixtures/SOURCES.md."""
    base: dict[str, Any] = copy.deepcopy(json.loads(GITHUB_REPO.read_text()))
    owner, name = full_name.split("/")
    text = json.dumps(base).replace("pallets/itsdangerous", full_name)
    data: dict[str, Any] = json.loads(text)
    data.update(
        id=native_id,
        name=name,
        full_name=full_name,
        topics=topics,
        stargazers_count=stars,
        watchers_count=stars,
        watchers=stars,
        forks_count=forks,
        forks=forks,
        pushed_at=pushed_at,
        updated_at=pushed_at,
        description=None,
        homepage=None,
    )
    data["owner"]["login"] = owner
    # a stable made-up owner id per login (owners are keyed by their forge id)
    data["owner"]["id"] = int(hashlib.sha256(owner.encode()).hexdigest()[:8], 16)
    data["owner"]["html_url"] = f"https://github.com/{owner}"
    data.pop("organization", None)
    if license_spdx is None:
        data["license"] = None
    else:
        data["license"] = {**data["license"], "spdx_id": license_spdx, "key": license_spdx.lower()}
    return data


def ingest_github(db: Session, payload: dict[str, Any]) -> int:
    line = json.dumps(
        {
            "authority": "github.com",
            "format": "application/vnd.github.v3+json",
            "kind": "repository",
            "url": f"https://api.github.com/repos/{payload['full_name']}",
            "fetched_at": "2022-12-02T00:00:00Z",
            "payload": payload,
        }
    )
    outcome = ingest(db, parse_envelope(line))
    assert outcome.status == "applied", outcome
    assert outcome.origin_id is not None
    return outcome.origin_id
