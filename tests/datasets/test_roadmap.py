"""Software Heritage's roadmap query, whole, as a dataset build:

    the most important N files in Python, Go, C++, licensed MIT or BSD, used in
    astronomy or GIS, no known vulnerabilities, updated in the last 2 years.

The corpus: the recorded PyPI payloads and OSV records of ``tests/signals/fixtures``
(see its SOURCES.md: astropy 5.2rc1, gwpy, utm, pyvo, astroplan, pywcs; the astropy
advisory GHSA-h2x6-5jx5-46hf), GitHub repository payloads *derived* from one recorded
payload (pallets/itsdangerous), not recorded per project: GitHub's API was not
reachable here, and no real recording in ``tests/`` is of these projects (their stars,
topics and push dates are test values; ``tests/signals/conftest.py::github_repo`` and
SOURCES.md say so and how to replace them), and for each repository a small directory this
test writes and scans through the scan pipeline (facts, licenses with ScanCode).
The signals are refreshed and the dataset built by a real Celery worker.

Two origins qualify: astropy/pyvo (astronomy, BSD-3-Clause) and Turbo87/utm (GIS,
MIT). Each decoy is kept out by exactly one filter, at its own funnel stage:

* astropy/astropy (astronomy, BSD, recent) by ``vulnerable: false`` (5.2rc1 is
  before the fix of CVE-2023-41334, 5.3.3): stage ``vulnerabilities``;
* gwpy/gwpy (astronomy, recent, not vulnerable) by its GPL license: ``license``;
* spacetelescope/pywcs (astronomy, BSD) by its last update, in 2014: ``origin``;
* astropy/astroplan (BSD, recent; its summary says "astronomers", nothing declares a
  domain) by the domain: ``domain``.

"Updated in the last 2 years": the recorded payloads were fetched on 2022-12-02, and
the scans (hence the cut-off) happen today, so the window is absolute:
``updated_since: 2020-12-02``. "Most important": the ``importance`` ranking (file
importance from origin importance and the number of origins holding the file).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.demo.loader import CORPUS
from app.kit.db import unit_of_work
from app.main import create_app
from app.scans.service import run_scan
from app.signals.importance.score import file_importance
from app.signals.vulnerabilities.imports import import_items, read_items
from tests.factories import git_blob_sha1
from tests.jobs.test_worker import wait_for
from tests.signals.conftest import FIXTURES, github_repo, ingest_github, ingest_pypi

MIT = (CORPUS / "projects/six/LICENSE").read_text()
BSD3 = (CORPUS / "projects/itsdangerous/LICENSE.txt").read_text()


def _gpl3() -> str:
    """The GPL 3.0 text as ScanCode's LicenseDB ships it (its YAML header removed)."""
    text = (resources.files("licensedcode") / "data/licenses/gpl-3.0.LICENSE").read_text()
    return text.split("---", 2)[2].lstrip() if text.startswith("---") else text


SHARED = "# a helper vendored by both pyvo and utm\ndef clamp(x, lo, hi):\n    return max(lo, min(hi, x))\n"  # noqa: E501

# full_name: (native id, topics, stars, forks, declared license, pushed_at, files)
REPOS: dict[str, tuple[int, list[str], int, int, str, str, dict[str, str]]] = {
    "astropy/pyvo": (10865450, ["astronomy", "virtual-observatory"], 70, 50, "BSD-3-Clause",
        "2022-11-20T10:00:00Z", {
            "LICENSE.rst": BSD3,
            "pyvo/dal/query.py": "def execute(url, query):\n    return (url, query)\n",
            "pyvo/registry/regtap.py": "def search(*keywords):\n    return list(keywords)\n",
            "docs/_static/search.js": "function search(q) { return q.trim(); }\n",
            "pyvo/utils/clamp.py": SHARED,
        }),
    "Turbo87/utm": (9046409, ["utm", "wgs84"], 450, 100, "MIT", "2022-01-10T10:00:00Z", {
            "LICENSE": MIT,
            "utm/conversion.py": "def to_latlon(easting, northing, zone):\n    return zone\n",
            "utm/error.py": "class OutOfRangeError(ValueError):\n    pass\n",
            "bench/convert.go": "package main\n\nfunc main() { println(\"utm\") }\n",
            "ext/fast.cpp": "int zone_number(double lon) { return (int)((lon + 180) / 6) + 1; }\n",
            "utm/_clamp.py": SHARED,
        }),
    "astropy/astropy": (2081289, ["astronomy", "astrophysics", "python"], 4000, 1600,
        "BSD-3-Clause", "2022-12-01T10:00:00Z", {
            "LICENSE.rst": BSD3,
            "astropy/io/fits/header.py": "def parse_card(card):\n    return card[:8]\n",
            "cextern/wcslib/wcs.cpp": "int wcsset(void *wcs) { return wcs == 0; }\n",
        }),
    "gwpy/gwpy": (9979119, ["gravitational-waves"], 300, 140, "GPL-3.0", "2022-11-08T10:00:00Z",
        {
            "LICENSE": _gpl3(),
            "gwpy/timeseries/core.py": "def crop(series, start, end):\n    return series\n",
        }),
    "spacetelescope/pywcs": (2380531, ["astronomy"], 10, 5, "BSD-3-Clause",
        "2014-03-14T10:00:00Z", {
            "LICENSE.txt": BSD3,
            "lib/pywcs/__init__.py": "def WCS(header=None):\n    return header\n",
            "src/pywcs.cpp": "int pywcs_init(void) { return 0; }\n",
        }),
    "astropy/astroplan": (24187453, [], 180, 100, "BSD-3-Clause", "2022-10-01T10:00:00Z", {
            "LICENSE.rst": BSD3,
            "astroplan/scheduling.py": "def schedule(blocks):\n    return sorted(blocks)\n",
        }),
}  # fmt: skip
SELECTED = ("astropy/pyvo", "Turbo87/utm")
CODE = (".py", ".go", ".cpp")
N = 6  # of the 7 files that pass every filter: the limit decides one tie

ROADMAP: dict[str, Any] = {
    "files": {
        "languages": ["Python", "Go", "C++"],
        "license": {"ids": ["MIT", "BSD-2-Clause", "BSD-3-Clause"]},
    },
    "origins": {
        "domains": ["astronomy", "gis"],
        "vulnerable": False,
        "updated_since": "2020-12-02T00:00:00Z",
    },
    "dedup": {"near_duplicates": False},
    "ranking": {"order": "importance", "limit": N},
}


@pytest.fixture
def live(
    settings: Settings, engine: Engine, committed_factory: sessionmaker[Session]
) -> TestClient:
    return TestClient(create_app(settings, engine=engine, session_factory=committed_factory))


@pytest.fixture
def corpus(committed_factory: sessionmaker[Session], tmp_path: Path) -> dict[str, int]:
    """Registry and forge payloads imported, OSV records imported, every repository
    written to a directory and scanned as a visit of its origin."""
    ids: dict[str, int] = {}
    with unit_of_work(committed_factory) as uow:
        for full_name, (native, topics, stars, forks, spdx, pushed, _) in REPOS.items():
            payload = github_repo(
                full_name,
                native_id=native,
                topics=topics,
                stars=stars,
                forks=forks,
                license_spdx=spdx,
                pushed_at=pushed,
            )
            ids[full_name] = ingest_github(uow.session, payload)
        for name in ("astropy", "gwpy", "utm", "pyvo", "astroplan", "pywcs"):
            ids[f"pypi:{name}"] = ingest_pypi(uow.session, name)
    osv = tmp_path / "osv.jsonl"
    osv.write_text(
        "".join(
            json.dumps(json.loads((FIXTURES / "osv" / f"{n}.json").read_text())) + "\n"
            for n in ("GHSA-h2x6-5jx5-46hf", "PYSEC-2021-63", "GHSA-jvf4-g24p-2qgw")
        )
    )
    assert import_items(read_items(osv), committed_factory).applied == 3
    for full_name, (*_, files) in REPOS.items():
        root = tmp_path / "repos" / full_name.replace("/", "__")
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        run_scan(str(root), origin_url=f"https://github.com/{full_name}", factory=committed_factory)
    return ids


@pytest.mark.usefixtures("celery_worker", "drop_partitions")
def test_the_roadmap_query_builds_exactly_the_files_it_should(
    live: TestClient, auth: dict[str, str], corpus: dict[str, int]
) -> None:
    refresh = live.post("/v1/signals/refresh", headers=auth)
    assert refresh.status_code == 202, refresh.text
    job = wait_for(live, refresh.json()["id"], timeout=120)
    assert job["state"] == "succeeded", job

    body = {"name": "roadmap", "purpose": "pre-training", "selection": ROADMAP}
    created = live.post("/v1/datasets", json=body, headers=auth)
    assert created.status_code == 201, created.text
    started = live.post("/v1/datasets/roadmap/builds", headers=auth)
    assert started.status_code == 202, started.text
    job = wait_for(live, started.json()["job_id"], timeout=180)
    assert job["state"] == "succeeded", job
    build = live.get("/v1/datasets/roadmap/builds/1").json()
    rows = [
        json.loads(line)
        for line in live.get("/v1/datasets/roadmap/builds/1/export/jsonl").text.splitlines()
    ]

    # What should be in, computed here from the documented formula and the origins'
    # scores as the API shows them: every code file of the two qualifying origins
    # (the vendored helper once, held by both), ranked by file importance, ties by
    # sha1_git, the first N.
    score = {
        name: live.get(f"/v1/origins/{corpus[name]}/importance").json()["score"]
        for name in SELECTED
    }
    assert score["Turbo87/utm"] > score["astropy/pyvo"] > 0
    holders: dict[str, set[str]] = {}
    sha1_git: dict[str, str] = {}
    for name in SELECTED:
        for path, text in REPOS[name][6].items():
            if path.endswith(CODE):
                data = text.encode()
                sha = _sha1_git(data)
                holders.setdefault(sha, set()).add(name)
                sha1_git[f"{name}:{path}"] = sha
    importance = {
        sha: file_importance(score[o] for o in origins) for sha, origins in holders.items()
    }
    assert len(importance) == N + 1
    expected = sorted(importance, key=lambda sha: (-importance[sha], sha))[:N]

    manifest = {r["swhid"].removeprefix("swh:1:cnt:"): r for r in rows}
    assert sorted(manifest) == sorted(expected)
    assert build["files"] == N
    for sha in expected:
        assert manifest[sha]["rank_value"] == pytest.approx(importance[sha], abs=1e-6)
    shared = sha1_git["Turbo87/utm:utm/_clamp.py"]
    assert manifest[shared]["origin"].lower() == "https://github.com/turbo87/utm"  # most stars
    assert manifest[shared]["other_occurrences"] == 1
    assert {r["language"] for r in rows} == {"Python", "Go", "C++"}
    assert {r["license_expression"] for r in rows} <= {"MIT", "BSD-3-Clause"}

    # None of the decoys' files, each removed at its own stage.
    decoy_files = {
        _sha1_git(text.encode())
        for name in REPOS
        if name not in SELECTED
        for path, text in REPOS[name][6].items()
        if path.endswith(CODE)
    }
    assert decoy_files
    assert not decoy_files & set(manifest)
    removed = {s["step"]: s.get("removed") for s in build["funnel"]}
    assert removed["origin"] == 2  # pywcs: header.py and wcs.cpp, last updated in 2014
    assert removed["domain"] == 1  # astroplan's scheduling.py
    assert removed["vulnerabilities"] == 2  # astropy's header.py and wcs.cpp
    assert removed["license"] == 1  # gwpy's core.py
    assert removed["limit"] == 1
    assert removed["language"] >= 1  # search.js and the license texts

    # The build says which signals it read.
    signals = build["versions"]["signals"]
    assert signals["advisories"]["records"] == 3
    assert signals["advisories"]["osv_cutoff"] is not None
    assert signals["importance"] == ["importance@1"]
    assert signals["domains"][0].startswith("domains@2")
    card = live.get("/v1/datasets/roadmap/builds/1/card.md").text
    assert "3 OSV advisories imported" in card


def _sha1_git(data: bytes) -> str:
    return git_blob_sha1(data).hex()
