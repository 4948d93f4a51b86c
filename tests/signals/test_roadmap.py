"""The origin side of the roadmap query: "used in astronomy or GIS, no known
vulnerabilities, licensed MIT or BSD, updated in the last 2 years, most important".

The corpus (fixtures/SOURCES.md): recorded PyPI release payloads of astropy 5.2rc1,
gwpy 3.0.1, utm 0.7.0, pyvo 1.4, astroplan 0.8, pywcs 1.12 and six; recorded OSV
records (GHSA-h2x6-5jx5-46hf for astropy < 5.3.3 among them); GitHub repository
payloads *derived* from one recorded payload (pallets/itsdangerous), not recorded per
project: GitHub's API was not reachable here and no real recording in ``tests/`` is of
these projects, so their stars, topics and push dates are test values (SOURCES.md:
"Derived, not recorded per project, and why"). Each decoy is kept out by exactly one filter:

* astropy (astronomy, BSD-3-Clause, recent) by ``vulnerable=false``: 5.2rc1 is before
  the 5.3.3 fix (and so is its repository, through the package);
* gwpy (astronomy, recent, not vulnerable) by the license: GPL-3.0-or-later;
* spacetelescope/pywcs (astronomy topic) by the date: last pushed in 2014;
* astroplan (its summary says "astronomers", nothing declares a domain) by the
  domain: nothing is guessed from names or descriptions;
* six (MIT, recent) by the domain.

The data end at 2022-12-01 (astropy's upload), so "the last 2 years" is the cut-off
2020-12-01 minus a half-year margin for registry lag: ``updated_after=2020-06-01``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.signals.conftest import load_corpus

CUTOFF = "2020-06-01T00:00:00Z"


@pytest.fixture
def corpus(db: Session, session_factory: Any, tmp_path: Path) -> dict[str, int]:
    return load_corpus(db, session_factory, tmp_path)


def _urls(client: TestClient, **params: object) -> list[str]:
    response = client.get("/v1/origins", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return [o["url"] for o in response.json()["items"]]


ROADMAP = {"vulnerable": "false", "updated_after": CUTOFF, "sort": "-importance"}


def _roadmap(client: TestClient, **overrides: object) -> list[str]:
    """Union of (astronomy, gis) x (MIT, BSD-3-Clause, BSD-2-Clause), by importance."""
    params = {**ROADMAP, **overrides}
    found: dict[str, float] = {}
    for domain in ("astronomy", "gis"):
        for license_id in ("MIT", "BSD-3-Clause", "BSD-2-Clause"):
            for url in _urls(client, domain=domain, license=license_id, **params):
                found[url] = 0.0
    for url in found:
        origin = client.get("/v1/origins/lookup", params={"url": url}).json()
        found[url] = client.get(f"/v1/origins/{origin['id']}/importance").json()["score"]
    return sorted(found, key=lambda u: -found[u])


def test_the_roadmap_query_selects_exactly_the_right_origins(
    client: TestClient, corpus: dict[str, int]
) -> None:
    selected = _roadmap(client)
    assert set(selected) == {
        "https://github.com/astropy/pyvo",
        "https://github.com/turbo87/utm",
        "https://pypi.org/project/utm/",
    }
    # utm's repository has more stars than pyvo's; the package shares its repository's.
    assert selected[-1] == "https://github.com/astropy/pyvo"


@pytest.mark.parametrize(
    ("dropped", "now_included"),
    [
        ("vulnerable", {"https://pypi.org/project/astropy/", "https://github.com/astropy/astropy"}),
        ("updated_after", set()),  # pywcs has no license: dates alone do not let it in
    ],
)
def test_each_filter_keeps_its_decoy_out(
    client: TestClient, corpus: dict[str, int], dropped: str, now_included: set[str]
) -> None:
    baseline = set(_roadmap(client))
    params = {k: v for k, v in ROADMAP.items() if k != dropped}
    wider: set[str] = set()
    for domain in ("astronomy", "gis"):
        for license_id in ("MIT", "BSD-3-Clause", "BSD-2-Clause"):
            wider |= set(_urls(client, domain=domain, license=license_id, **params))
    assert wider - baseline == now_included


def test_decoys_fail_only_their_own_filter(client: TestClient, corpus: dict[str, int]) -> None:
    astronomy = set(_urls(client, domain="astronomy"))
    # gwpy is astronomy and not vulnerable, only GPL
    assert "https://pypi.org/project/gwpy/" in astronomy
    assert "https://pypi.org/project/gwpy/" in _urls(client, domain="astronomy", vulnerable=False)
    # pywcs's repository: astronomy by its topic, but not updated since 2014
    assert "https://github.com/spacetelescope/pywcs" in astronomy
    assert "https://github.com/spacetelescope/pywcs" not in _urls(
        client, domain="astronomy", updated_after=CUTOFF
    )
    # astroplan and six: no declared domain at all
    assert "https://pypi.org/project/astroplan/" not in astronomy
    assert "https://github.com/astropy/astroplan" not in astronomy
    assert "https://pypi.org/project/six/" not in _urls(client, domain="science")
    # parent/child: science includes astronomy and GIS
    science = set(_urls(client, domain="science"))
    assert astronomy <= science
    assert "https://pypi.org/project/utm/" in science
    assert "https://pypi.org/project/utm/" not in astronomy


def test_vulnerability_filters_and_details(client: TestClient, corpus: dict[str, int]) -> None:
    astropy = corpus["pypi:astropy"]
    assert "https://pypi.org/project/astropy/" in _urls(client, vulnerable=True)
    assert set(_urls(client, advisory="CVE-2023-41334")) == {
        "https://pypi.org/project/astropy/",
        "https://github.com/astropy/astropy",
    }
    assert "https://pypi.org/project/astropy/" not in _urls(client, max_severity="medium")
    assert "https://pypi.org/project/astropy/" in _urls(client, max_severity="8.4")
    assert "https://pypi.org/project/astropy/" not in _urls(client, max_severity="8.3")
    (match,) = client.get(f"/v1/origins/{astropy}/advisories").json()
    assert match["current"] is True
    assert match["affects_latest"] is True
    assert match["latest_version"] == "5.2rc1"
    assert match["fixed_versions"] == ["5.3.3"]
    assert match["advisory"]["severity"] == {
        "score": 8.4,
        "label": "high",
        "vector": "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "source": "CVSS_V3",
    }
    detail = client.get("/v1/advisories/CVE-2023-41334").json()
    assert detail["id"] == "GHSA-h2x6-5jx5-46hf"
    assert detail["affected"][0]["ranges"][0]["vers"] == "vers:pypi/<5.3.3"
    raw = client.get(f"/v1/raw/{detail['provenance']['raw_metadata_id']}").json()
    assert raw["format"] == "osv-json"
    assert client.get("/v1/advisories/GHSA-0000-0000-0000").status_code == 404


def test_domain_evidence_and_importance_inputs(client: TestClient, corpus: dict[str, int]) -> None:
    domains = client.get(f"/v1/origins/{corpus['pypi:astropy']}/domains").json()
    astronomy = next(d for d in domains if d["domain"] == "astronomy")
    kinds = {e["kind"] for e in astronomy["evidence"]}
    assert kinds == {"registry_classifier", "registry_keyword", "forge_topic"}
    classifier = next(e for e in astronomy["evidence"] if e["kind"] == "registry_classifier")
    assert classifier["value"] == "Topic :: Scientific/Engineering :: Astronomy"
    assert classifier["raw_metadata_id"] is not None
    assert astronomy["ancestors"] == ["science"]
    assert 0.9 < astronomy["confidence"] <= 1
    pyvo = client.get(f"/v1/origins/{corpus['pypi:pyvo']}/domains").json()
    assert [(d["domain"], {e["kind"] for e in d["evidence"]}) for d in pyvo] == [
        ("astronomy", {"forge_topic"})  # read on its repository, shared with the package
    ]
    importance = client.get(f"/v1/origins/{corpus['pypi:astropy']}/importance").json()
    assert importance["formula_version"] == "importance@1"
    assert importance["inputs"]["dependents"]["value"] == 2  # gwpy and pyvo
    assert importance["inputs"]["stars"]["value"] == 4000  # from its repository
    signals = {s["name"]: s for s in importance["signals"]}
    assert signals["dependents"]["source"].startswith("reverse dependencies among")


def test_graphql_offers_the_same_filters(client: TestClient, corpus: dict[str, int]) -> None:
    query = """{ origins(first: 20, domain: "gis", vulnerable: false, sort: "-importance")
                 { nodes { url } } }"""
    data = client.post("/graphql", json={"query": query}).json()["data"]
    urls = [n["url"] for n in data["origins"]["nodes"]]
    assert urls == _urls(client, domain="gis", vulnerable=False, sort="-importance")
    assert set(urls) == {"https://pypi.org/project/utm/", "https://github.com/turbo87/utm"}
    query = f"{{ originAdvisories(originId: {corpus['pypi:astropy']}) {{ id current }} }}"
    data = client.post("/graphql", json={"query": query}).json()["data"]
    assert data["originAdvisories"] == [{"id": "GHSA-h2x6-5jx5-46hf", "current": True}]


def test_importance_sort_pages_by_keyset(client: TestClient, corpus: dict[str, int]) -> None:
    everything = _urls(client, sort="-importance")
    paged: list[str] = []
    cursor = None
    while True:
        params: dict[str, object] = {"sort": "-importance", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/origins", params=params).json()
        paged += [o["url"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == everything
    assert len(everything) == len(corpus)


@pytest.mark.parametrize(
    "params", [{"domain": "astrology"}, {"max_severity": "apocalyptic"}, {"max_severity": "11"}]
)
def test_bad_signal_filters_are_problems(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/v1/origins", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
