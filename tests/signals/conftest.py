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
from app.signals.service import refresh
from app.signals.vulnerabilities.imports import import_items, read_items

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
    from ``full_name``) are changed. Derived, not recorded per project: GitHub's API
    cannot be reached from where these tests were written (only package registries
    can), and no real recording in ``tests/`` is of these projects; see
    fixtures/SOURCES.md, "Derived, not recorded per project, and why"."""
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


SIX = Path(__file__).parents[1] / "forges/fixtures/pypi/six.json"

REPOS = [
    # full_name, native id, topics, stars, forks, license, pushed_at
    ("astropy/astropy", 2081289, ["astronomy", "astrophysics", "python"], 4000, 1600,
     "BSD-3-Clause", "2022-12-01T10:00:00Z"),
    ("astropy/pyvo", 10865450, ["astronomy", "virtual-observatory"], 70, 50,
     "BSD-3-Clause", "2022-11-20T10:00:00Z"),
    ("Turbo87/utm", 9046409, ["utm", "wgs84"], 450, 100, "MIT", "2022-01-10T10:00:00Z"),
    ("gwpy/gwpy", 9979119, ["gravitational-waves"], 300, 140, "GPL-3.0", "2022-11-08T10:00:00Z"),
    ("spacetelescope/pywcs", 2380531, ["astronomy"], 10, 5, None, "2014-03-14T10:00:00Z"),
    ("astropy/astroplan", 24187453, [], 180, 100, "BSD-3-Clause", "2022-10-01T10:00:00Z"),
]  # fmt: skip


def _osv_lines(tmp_path: Path) -> Path:
    """The recorded OSV records as JSON Lines, plus one broken line."""
    path = tmp_path / "advisories.jsonl"
    lines = [
        json.dumps(json.loads((FIXTURES / "osv" / f"{name}.json").read_text()))
        for name in ("GHSA-h2x6-5jx5-46hf", "PYSEC-2021-63", "GHSA-jvf4-g24p-2qgw")
    ]
    lines.insert(1, '{"id": "BROKEN-1", "affected": [{"package": {"ecosystem": "PyPI"')
    path.write_text("\n".join(lines) + "\n")
    return path


def load_corpus(db: Session, session_factory: Any, tmp_path: Path) -> dict[str, int]:
    """The roadmap corpus of test_roadmap.py (its docstring says what each origin is
    for), imported, its advisories matched and its signals computed."""
    ids: dict[str, int] = {}
    for full_name, native, topics, stars, forks, spdx, pushed in REPOS:
        payload = github_repo(
            full_name,
            native_id=native,
            topics=topics,
            stars=stars,
            forks=forks,
            license_spdx=spdx,
            pushed_at=pushed,
        )
        ids[f"gh:{full_name}"] = ingest_github(db, payload)
    for name in ("astropy", "gwpy", "utm", "pyvo", "astroplan", "pywcs"):
        ids[f"pypi:{name}"] = ingest_pypi(db, name)
    six = {
        "authority": "pypi.org",
        "format": "pypi-project-json",
        "kind": "package",
        "url": "https://pypi.org/pypi/six/json",
        "payload": json.loads(SIX.read_text()),
    }
    outcome = ingest(db, parse_envelope(json.dumps(six)))
    assert outcome.origin_id is not None
    ids["pypi:six"] = outcome.origin_id
    db.commit()
    report = import_items(read_items(_osv_lines(tmp_path)), session_factory)
    assert (report.applied, report.failed) == (3, 1)
    assert report.failures[0][0] == 2  # the broken line, by its number
    refresh(db)
    db.commit()
    return ids
