"""Selections on the signals: domains (taxonomy children included), known
vulnerabilities (current or ever, a severity bound, excluded advisories), the
importance ranking, their funnel stages, their validation, and the signal versions a
build records in its intensional fingerprint."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.datasets.diff import _reason
from app.models import Advisory, OriginAdvisory, OriginDomain, OriginImportance
from app.signals.domains.assign import ASSIGNER_VERSION
from app.signals.importance.score import FORMULA_VERSION, file_importance
from app.signals.vulnerabilities.matching import MATCHER_VERSION
from tests.datasets.conftest import World
from tests.datasets.test_builder import build

BASE: dict[str, Any] = {"files": {"languages": ["Python"]}, "dedup": {"near_duplicates": False}}


def _sel(**origins: Any) -> dict[str, Any]:
    return {**BASE, "origins": origins}


def _domain(db: Session, origin: Any, key: str, confidence: float = 0.9) -> None:
    db.add(
        OriginDomain(
            origin_id=origin.id,
            domain=key,
            confidence=confidence,
            evidence=[{"kind": "forge_topic", "value": key}],
            assigner_version=ASSIGNER_VERSION,
        )
    )


def _advisory(
    db: Session,
    origin: Any,
    osv_id: str,
    *,
    current: bool,
    score: float | None,
    aliases: list[str] | None = None,
    modified: datetime | None = None,
) -> None:
    advisory = db.scalars(select(Advisory).where(Advisory.osv_id == osv_id)).first()
    if advisory is None:
        advisory = Advisory(
            osv_id=osv_id,
            aliases=aliases or [],
            severity_score=score,
            modified=modified or datetime(2024, 1, 1, tzinfo=UTC),
        )
        db.add(advisory)
        db.flush()
    db.add(
        OriginAdvisory(
            origin_id=origin.id,
            advisory_id=advisory.id,
            is_current=current,
            matcher_version=MATCHER_VERSION,
        )
    )


@pytest.fixture
def signals(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """Five origins, one file each (``a`` in two of them), with signals:

    astro (astronomy, clean), geo (gis, clean), bio (bioinformatics), old-vuln
    (astronomy, an advisory fixed before its latest release), hot (gis, a current
    high-severity advisory), unknown (astronomy, a current advisory of unknown
    severity)."""
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    w, db = world, world.db
    for name in ("astro", "geo", "bio", "oldvuln", "hot", "unknown"):
        w.origin(name)
    _domain(db, w.origins["astro"], "astronomy")
    _domain(db, w.origins["geo"], "gis")
    _domain(db, w.origins["bio"], "bioinformatics")
    _domain(db, w.origins["oldvuln"], "astronomy")
    _domain(db, w.origins["hot"], "gis")
    _domain(db, w.origins["unknown"], "astronomy", confidence=0.6)
    _advisory(db, w.origins["oldvuln"], "GHSA-old", current=False, score=9.8)
    _advisory(db, w.origins["hot"], "GHSA-hot", current=True, score=7.5, aliases=["CVE-2024-1"])
    _advisory(db, w.origins["unknown"], "GHSA-unk", current=True, score=None)
    for name in ("astro", "geo", "bio", "oldvuln", "hot", "unknown"):
        w.file(name, [(name, f"{name}.py")])
    w.file("shared", [("astro", "vendor/shared.py"), ("geo", "shared.py")])
    db.flush()
    return w


def _kept(w: World, rows: list[Any]) -> set[str]:
    by_id = {c.id: key for key, c in w.contents.items()}
    return {by_id[r.content_id] for r in rows}


def _funnel(b: Any) -> dict[str, int]:
    return {s["step"]: s.get("removed", s.get("files")) for s in b.funnel}


def test_domains_include_their_children(signals: World, db: Session) -> None:
    b, rows = build(db, _sel(domains=["science"]), "science")
    assert _kept(signals, rows) == {"astro", "geo", "bio", "oldvuln", "hot", "unknown", "shared"}
    b, rows = build(db, _sel(domains=["astronomy", "gis"]), "astro-gis")
    assert _kept(signals, rows) == {"astro", "geo", "oldvuln", "hot", "unknown", "shared"}
    assert _funnel(b)["domain"] == 1  # bio
    assert _funnel(b)["origin"] == 0


def test_vulnerable_false_current_or_ever(signals: World, db: Session) -> None:
    b, rows = build(db, _sel(vulnerable=False), "current")
    assert _kept(signals, rows) == {"astro", "geo", "bio", "oldvuln", "shared"}
    assert _funnel(b)["vulnerabilities"] == 2  # hot, unknown
    b, rows = build(db, _sel(vulnerable=False, vulnerability_scope="ever"), "ever")
    assert _kept(signals, rows) == {"astro", "geo", "bio", "shared"}
    b, rows = build(db, _sel(vulnerable=True), "vulnerable")
    assert _kept(signals, rows) == {"hot", "unknown"}


def test_max_severity_and_excluded_advisories(signals: World, db: Session) -> None:
    b, rows = build(db, _sel(max_severity="high"), "high")  # 8.9: hot's 7.5 passes
    assert _kept(signals, rows) == {"astro", "geo", "bio", "oldvuln", "hot", "shared"}
    b, rows = build(db, _sel(max_severity=7.4), "seven")
    assert "hot" not in _kept(signals, rows)
    # exclusion by alias, at any version; the old advisory by its id
    b, rows = build(db, _sel(exclude_advisories=["CVE-2024-1", "GHSA-old"]), "excl")
    assert _kept(signals, rows) == {"astro", "geo", "bio", "unknown", "shared"}
    assert _funnel(b)["vulnerabilities"] == 2


def test_stages_report_the_first_signal_filter_failed(signals: World, db: Session) -> None:
    b, rows = build(db, _sel(domains=["gis"], vulnerable=False), "gis-clean")
    assert _kept(signals, rows) == {"geo", "shared"}
    funnel = _funnel(b)
    # astro, bio, oldvuln, unknown: out of domain (counted there even if vulnerable);
    # hot: in the domain, then vulnerable.
    assert (funnel["domain"], funnel["vulnerabilities"]) == (4, 1)
    steps = [s["step"] for s in b.funnel]
    assert steps.index("origin") < steps.index("domain") < steps.index("vulnerabilities")
    assert steps.index("vulnerabilities") < steps.index("license")
    assert _reason(STAGE["domain"], True, False, False, False) == "signals changed"
    assert _reason(STAGE["domain"], False, False, False, False) == "filter changed"


STAGE = {s: n for n, s in enumerate([st.name for st in __import__(
    "app.datasets.compiler", fromlist=["STAGES"]).STAGES], start=1)}  # fmt: skip


def test_importance_ranking_is_the_documented_file_score(signals: World, db: Session) -> None:
    scores = {"astro": 3.2, "geo": 1.1, "bio": 2.5, "oldvuln": 0.5, "hot": 2.5}
    for name, score in scores.items():  # "unknown" stays unscored: counts 0
        db.add(
            OriginImportance(
                origin_id=signals.origins[name].id,
                score=score,
                inputs={},
                formula_version=FORMULA_VERSION,
            )
        )
    db.flush()
    selection = {**_sel(), "ranking": {"order": "importance", "limit": 4}}
    b, rows = build(db, selection, "important")
    expected = {key: file_importance([scores.get(key, 0.0)]) for key in scores}
    expected["unknown"] = 0.0
    expected["shared"] = file_importance([3.2, 1.1])
    assert expected["shared"] == round(3.2 + math.log10(2), 6)
    # bio and hot tie at 2.5: the smaller sha1_git goes first
    order = sorted(expected, key=lambda k: (-expected[k], signals.contents[k].sha1_git))
    assert _kept(signals, rows) == set(order[:4])
    by_key = {signals.contents[k].id: k for k in expected}
    assert {by_key[r.content_id]: r.rank_value for r in rows} == {k: expected[k] for k in order[:4]}
    assert _funnel(b)["limit"] == 3
    assert b.versions["signals"] == {"importance": [FORMULA_VERSION]}


def test_build_records_signal_versions_in_its_fingerprint(signals: World, db: Session) -> None:
    selection = _sel(domains=["astronomy"], vulnerable=False)
    first, _ = build(db, selection, "first")
    assert first.versions["signals"] == {
        "domains": [ASSIGNER_VERSION],
        "advisories": {
            "matchers": [MATCHER_VERSION],
            "osv_cutoff": "2024-01-01T00:00:00Z",
            "records": 3,
        },
    }
    plain, _ = build(db, _sel(), "plain")
    assert "signals" not in plain.versions
    same, _ = build(db, selection, "same")
    assert same.intensional_fingerprint == first.intensional_fingerprint
    # a newer advisory imported (affecting nothing selected): another question
    _advisory(
        db, signals.origins["bio"], "GHSA-new", current=False, score=1.0,
        modified=datetime(2025, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    db.flush()
    later, _ = build(db, selection, "later")
    assert later.versions["signals"]["advisories"]["osv_cutoff"] == "2025-01-01T00:00:00Z"
    assert later.intensional_fingerprint != first.intensional_fingerprint
    assert later.extensional_fingerprint == first.extensional_fingerprint


def test_signal_filters_are_validated_together(
    client: TestClient, auth: dict[str, str], signals: World
) -> None:
    selection = {
        "files": {"languages": ["Pyton"]},
        "origins": {
            "domains": ["astronmy", "geospatial", "gis"],
            "max_severity": "apocalyptic",
            "vulnerability_scope": "sometimes",
            "exclude_advisories": ["GHSA-hot", "CVE-2024-1", "GHSA-nope"],
        },
        "ranking": {"order": "importance"},
    }
    response = client.post(
        "/v1/datasets",
        json={"name": "bad", "purpose": "pre-training", "selection": selection},
        headers=auth,
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = {e["location"]: e for e in response.json()["errors"]}
    assert set(errors) == {
        "selection.files.languages.0",
        "selection.origins.domains.0",
        "selection.origins.domains.1",
        "selection.origins.max_severity",
        "selection.origins.vulnerability_scope",
        "selection.origins.exclude_advisories.2",
    }
    assert errors["selection.origins.domains.0"]["suggestions"] == ["astronomy"]
    assert errors["selection.origins.domains.1"]["suggestions"] == ["gis"]  # a gis term
    assert "GHSA-nope" in errors["selection.origins.exclude_advisories.2"]["message"]
    good = {
        "origins": {"domains": ["Astronomy"], "max_severity": "medium", "vulnerable": False},
        "ranking": {"order": "importance", "limit": 10},
    }
    created = client.post(
        "/v1/datasets",
        json={"name": "good", "purpose": "pre-training", "selection": good},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    stored = created.json()["current_revision"]["selection"]["origins"]
    assert (stored["domains"], stored["max_severity"]) == (["astronomy"], 6.9)
    assert stored["vulnerability_scope"] == "current"
