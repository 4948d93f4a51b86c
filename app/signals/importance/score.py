"""Importance signals and the importance score (``importance@1``).

Inputs, each stored in ``importance_signal`` with its source and date:

* ``stars``, ``forks``: the forge's counts (``origin.stars`` / ``forks``, from the
  stored payload ``raw_metadata_id``, read at ``last_fetched_at``);
* ``dependents``: how many known packages declare a dependency on this package in
  their latest release's manifest (PyPI ``requires_dist`` without extras-only
  requirements, npm ``dependencies`` of the ``latest`` dist-tag), counted across
  the packages CodeCommons knows, as deps.dev counts reverse dependencies;
* ``downloads``: what a registry payload says (PyPI ``info.downloads.last_month``
  when not -1, which PyPI stopped filling; crates.io ``crate.recent_downloads``, the
  last 90 days); absent otherwise;
* ``citations``: the number of distinct papers linked to the origin (each paper
  that cites or describes the software); papers' own citation counts are not
  resolved yet.

A package and the repository it declares are one project: each input of either is
the larger of the two values.

Score, for an origin (a missing input counts 0)::

    importance = log10(1 + stars) + 0.5 * log10(1 + forks)
               + log10(1 + dependents) + 0.5 * log10(1 + downloads)
               + log10(1 + citations)

Logarithms because every input is heavy-tailed (a project with 10x the stars is not
10x as important); forks and downloads weigh half, as they largely echo stars and
dependents. For a file (content), given the origins it occurs in::

    file_importance = max(importance of those origins) + log10(number of those origins)

so a file vendored or forked into many origins ranks above one seen once. The
version is part of every stored score (``formula_version``).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from sqlalchemy import distinct, func, or_, select, true
from sqlalchemy.orm import Session

from app.models import (
    ImportanceSignal,
    Origin,
    OriginImportance,
    PackageDependency,
    PaperLink,
    RawMetadata,
)
from app.models.enums import OriginKind
from app.signals.links import linked_origins
from app.signals.repository import replace_rows
from app.signals.vulnerabilities.matching import REGISTRY_PATHS, origin_purl
from app.signals.vulnerabilities.osv import package_purl

FORMULA_VERSION = "importance@1"
COMPUTED_BY = "signals.importance@1"
WEIGHTS: dict[str, float] = {
    "stars": 1.0,
    "forks": 0.5,
    "dependents": 1.0,
    "downloads": 0.5,
    "citations": 1.0,
}


def importance(inputs: Mapping[str, float]) -> float:
    """The ``importance@1`` score of an origin's inputs (see the module docstring)."""
    return round(
        sum(w * math.log10(1 + max(inputs.get(name, 0.0), 0.0)) for name, w in WEIGHTS.items()),
        6,
    )


def file_importance(origin_scores: Iterable[float]) -> float:
    scores = list(origin_scores)
    if not scores:
        return 0.0
    return round(max(scores) + math.log10(len(scores)), 6)


@dataclass
class ImportanceReport:
    origins: int = 0
    dependencies: int = 0
    signals: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "origins": self.origins,
            "dependencies": self.dependencies,
            "signals": self.signals,
        }


def dependencies_of_payload(raw: RawMetadata) -> list[tuple[str, str, str]]:
    """(purl, requirement, source) that a registry payload's latest release declares."""
    try:
        payload = json.loads(raw.payload)
    except ValueError:
        return []
    out: list[tuple[str, str, str]] = []
    if raw.format == "pypi-project-json" and isinstance(payload, dict):
        info = payload.get("info") or {}
        for text in info.get("requires_dist") or []:
            if not isinstance(text, str):
                continue
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is not None and "extra" in str(req.marker):
                continue  # optional (extras-only) dependencies are not dependencies
            out.append((package_purl("pypi", req.name), text, "pypi info.requires_dist"))
    elif raw.format == "npm-packument-json" and isinstance(payload, dict):
        latest = (payload.get("dist-tags") or {}).get("latest")
        version = (payload.get("versions") or {}).get(latest) or {}
        for name, spec in (version.get("dependencies") or {}).items():
            out.append(
                (package_purl("npm", name), f"{name}@{spec}", "npm versions[latest].dependencies")
            )
    return out


def downloads_of_payload(raw: RawMetadata) -> tuple[float, str] | None:
    try:
        payload = json.loads(raw.payload)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if raw.format == "pypi-project-json":
        last_month = ((payload.get("info") or {}).get("downloads") or {}).get("last_month")
        if isinstance(last_month, int) and last_month >= 0:
            return float(last_month), "pypi info.downloads.last_month"
    if raw.format == "crates-crate-json":
        recent = (payload.get("crate") or {}).get("recent_downloads")
        if isinstance(recent, int) and recent >= 0:
            return float(recent), "crates.io crate.recent_downloads (90 days)"
    return None


def compute_all(session: Session) -> ImportanceReport:
    """Recompute dependencies, signals and scores for every origin."""
    report = record_dependencies(session)
    scored = score_origins(session)
    scored.dependencies = report.dependencies
    return scored


def record_dependencies(
    session: Session, origin_ids: Sequence[int] | None = None
) -> ImportanceReport:
    """The dependencies each package's latest release declares (these packages, or
    every one when None): what dependents are counted from, so every batch of
    dependencies is recorded before any score is computed."""
    report = ImportanceReport()
    query = select(Origin.id, Origin.url, Origin.raw_metadata_id).where(
        Origin.kind == OriginKind.PACKAGE, Origin.raw_metadata_id.is_not(None)
    )
    if origin_ids is not None:
        query = query.where(Origin.id.in_(list(origin_ids)))
    packages = session.execute(query).all()
    raws = {
        r.id: r
        for r in session.scalars(
            select(RawMetadata).where(RawMetadata.id.in_([p.raw_metadata_id for p in packages]))
        )
    }
    rows: list[dict[str, object]] = []
    for o in packages:
        raw = raws.get(o.raw_metadata_id)
        if raw is None:
            continue
        purl = origin_purl(o.url)
        seen: set[str] = set()
        for dep_purl, requirement, source in dependencies_of_payload(raw):
            if dep_purl in seen or dep_purl == purl:
                continue
            seen.add(dep_purl)
            rows.append(
                {
                    "origin_id": o.id,
                    "purl": dep_purl,
                    "requirement": requirement,
                    "source": source,
                    "raw_metadata_id": raw.id,
                }
            )
    report.dependencies = replace_rows(
        session,
        PackageDependency,
        ("origin_id", "purl"),
        list(origin_ids) if origin_ids is not None else None,
        rows,
    )
    return report


def _known_packages(session: Session) -> int:
    """How many package origins have a purl (the population dependents are counted in)."""
    prefixes = [prefix for prefix, _ in REGISTRY_PATHS]
    return int(
        session.scalar(
            select(func.count())
            .select_from(Origin)
            .where(
                Origin.kind == OriginKind.PACKAGE,
                or_(
                    *[
                        Origin.url.startswith(p) & (func.length(Origin.url) > len(p))
                        for p in prefixes
                    ]
                ),
            )
        )
        or 0
    )


def score_origins(session: Session, origin_ids: Sequence[int] | None = None) -> ImportanceReport:
    """Signals and scores of these origins (every origin when None), reading the
    inputs of the origins linked to them (a package and its repository share inputs)
    and the dependencies :func:`record_dependencies` stored."""
    report = ImportanceReport()
    now = datetime.now(UTC)
    batch = set(origin_ids) if origin_ids is not None else None
    linked = linked_origins(session, list(batch)) if batch is not None else None
    origins = session.execute(
        select(
            Origin.id,
            Origin.kind,
            Origin.url,
            Origin.stars,
            Origin.forks,
            Origin.raw_metadata_id,
            Origin.last_fetched_at,
            Origin.repository_origin_id,
        ).where(Origin.id.in_(linked) if linked is not None else true())
    ).all()
    package_raw = {
        r.id: r
        for r in session.scalars(
            select(RawMetadata).where(
                RawMetadata.id.in_(
                    [
                        o.raw_metadata_id
                        for o in origins
                        if o.kind is OriginKind.PACKAGE and o.raw_metadata_id
                    ]
                )
            )
        )
    }
    purl_of_origin: dict[int, str] = {}
    signals: dict[int, dict[str, tuple[float, str, int | None, datetime | None]]] = defaultdict(
        dict
    )
    for o in origins:
        if o.kind is not OriginKind.PACKAGE:
            continue
        purl = origin_purl(o.url)
        if purl:
            purl_of_origin[o.id] = purl
        raw = package_raw.get(o.raw_metadata_id) if o.raw_metadata_id else None
        if raw is None:
            continue
        downloads = downloads_of_payload(raw)
        if downloads is not None:
            signals[o.id]["downloads"] = (downloads[0], downloads[1], raw.id, raw.fetched_at)
    dependents = dict(
        session.execute(
            select(PackageDependency.purl, func.count(distinct(PackageDependency.origin_id)))
            .where(PackageDependency.purl.in_(sorted(set(purl_of_origin.values()))))
            .group_by(PackageDependency.purl)
        ).all()
    )
    known = _known_packages(session)
    ids = [o.id for o in origins]
    citations = dict(
        session.execute(
            select(PaperLink.origin_id, func.count(distinct(PaperLink.paper_id)))
            .where(PaperLink.origin_id.in_(ids))
            .group_by(PaperLink.origin_id)
        ).all()
    )
    for o in origins:
        for name, value in (("stars", o.stars), ("forks", o.forks)):
            if value is not None:
                signals[o.id][name] = (
                    float(value),
                    "forge payload",
                    o.raw_metadata_id,
                    o.last_fetched_at,
                )
        purl = purl_of_origin.get(o.id)
        if purl is not None:
            signals[o.id]["dependents"] = (
                float(dependents.get(purl, 0)),
                f"reverse dependencies among {known} known packages",
                None,
                now,
            )
        if o.id in citations:
            signals[o.id]["citations"] = (
                float(citations[o.id]),
                "distinct papers linked to the origin",
                None,
                now,
            )
    targets = [o for o in origins if batch is None or o.id in batch]
    target_ids = sorted(batch) if batch is not None else None
    signal_rows = [
        {
            "origin_id": o.id,
            "name": name,
            "value": value,
            "source": source,
            "raw_metadata_id": raw_id,
            "observed_at": observed,
            "computed_by": COMPUTED_BY,
        }
        for o in targets
        for name, (value, source, raw_id, observed) in sorted(signals.get(o.id, {}).items())
    ]
    report.signals = replace_rows(
        session, ImportanceSignal, ("origin_id", "name"), target_ids, signal_rows
    )
    packages_of_repo: dict[int, list[int]] = defaultdict(list)
    for o in origins:
        if o.repository_origin_id is not None:
            packages_of_repo[o.repository_origin_id].append(o.id)
    score_rows: list[dict[str, object]] = []
    for o in targets:
        inputs: dict[str, Any] = {}
        linked_ids = [o.id] + ([o.repository_origin_id] if o.repository_origin_id else [])
        linked_ids += packages_of_repo.get(o.id, [])
        for name in WEIGHTS:
            values = [(signals[i][name][0], i) for i in linked_ids if name in signals.get(i, {})]
            if values:
                value, source_origin = max(values)
                inputs[name] = {"value": value, "origin_id": source_origin}
        score = importance({k: v["value"] for k, v in inputs.items()})
        score_rows.append(
            {
                "origin_id": o.id,
                "score": score,
                "inputs": inputs,
                "formula_version": FORMULA_VERSION,
            }
        )
    report.origins = replace_rows(
        session,
        OriginImportance,
        ("origin_id",),
        target_ids,
        score_rows,
        touch=("computed_at",),
    )
    return report
