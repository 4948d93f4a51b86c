"""Match advisories to origins: by purl, then by version with each ecosystem's rules.

Which origins an advisory concerns (each row of ``origin_advisory`` means "affected at
some version", i.e. *ever*):

1. **package origins** whose purl (from their registry URL: PyPI, npm, crates.io) is
   an affected package's purl;
2. **repositories** those packages declare (``repository_origin_id``, set from the
   registry payload's repository URL, as everywhere else), through the package;
3. **origins whose latest scanned snapshot** declares the package in a manifest
   (pyproject.toml, setup.cfg, PKG-INFO, package.json, Cargo.toml: the name and
   version the CodeMeta readers extract);
4. **repositories named by GIT ranges** (``repo``), whose versions stay unknown.

Then, per origin, whether the advisory affects it *now*:

* ``affects_latest``: the latest release named by the registry payload
  (``origin.latest_version``; for a repository, each linked package's);
* ``affects_snapshot``: the version the latest snapshot's manifest declares.

Each is True, False or None (unknown: no version, or only GIT/unknown-ecosystem
ranges). ``is_current`` = either is True. Withdrawn advisories match nothing. The
whole table is recomputed (re-runnable; ``MATCHER_VERSION`` names the rules).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from app.models import (
    Advisory,
    AdvisoryPackage,
    Origin,
    OriginAdvisory,
    ProjectMetadata,
    Snapshot,
    Visit,
)
from app.models.enums import OriginKind
from app.signals.repository import replace_rows
from app.signals.vulnerabilities.osv import package_purl
from app.signals.vulnerabilities.versions import affected

MATCHER_VERSION = "osv-match@1"

# Manifest file name -> purl type of the package it declares.
MANIFEST_TYPES = {
    "pyproject.toml": "pypi",
    "setup.cfg": "pypi",
    "pkg-info": "pypi",
    "metadata": "pypi",
    "package.json": "npm",
    "cargo.toml": "cargo",
}
REGISTRY_PATHS = (
    ("https://pypi.org/project/", "pypi"),
    ("https://www.npmjs.com/package/", "npm"),
    ("https://crates.io/crates/", "cargo"),
)


def origin_purl(url: str) -> str | None:
    """The versionless purl of a package origin, from its canonical registry URL."""
    for prefix, purl_type in REGISTRY_PATHS:
        if url.startswith(prefix):
            name = url[len(prefix) :].strip("/")
            return package_purl(purl_type, name) if name else None
    return None


@dataclass
class _Match:
    purls: set[str] = field(default_factory=set)
    latest: list[tuple[str, bool | None]] = field(default_factory=list)
    snapshot: tuple[int, str, bool | None] | None = None
    fixed: set[str] = field(default_factory=set)
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MatchReport:
    advisories: int = 0
    origins: int = 0
    current: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"advisories": self.advisories, "origins": self.origins, "current": self.current}


def _combine(values: Sequence[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    if not values or any(v is None for v in values):
        return None
    return False


def _snapshot_manifests(
    session: Session, origin_ids: Sequence[int] | None = None
) -> dict[str, list[tuple[int, int, str]]]:
    """purl -> [(origin_id, snapshot_id, version)] from each origin's latest snapshot
    that has a CodeMeta record with a manifest-declared name and version (of these
    origins only, when given)."""
    newest = (
        select(Visit.snapshot_id)
        .where(Visit.origin_id == Origin.id, Visit.snapshot_id.is_not(None))
        .order_by(Visit.date.desc(), Visit.id.desc())
        .limit(1)
        .correlate(Origin)
        .lateral("newest")
    )
    rows = session.execute(
        select(
            Origin.id, ProjectMetadata.snapshot_id, ProjectMetadata.record, ProjectMetadata.sources
        )
        .select_from(Origin)
        .join(newest, true())
        .join(
            ProjectMetadata,
            (ProjectMetadata.origin_id == Origin.id)
            & (ProjectMetadata.snapshot_id == newest.c.snapshot_id),
        )
        .join(Snapshot, Snapshot.id == ProjectMetadata.snapshot_id)
        .where(Origin.id.in_(list(origin_ids)) if origin_ids is not None else true())
    )
    out: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for origin_id, snapshot_id, record, sources in rows:
        version, name = record.get("version"), record.get("name")
        if not isinstance(version, str) or not isinstance(name, str):
            continue
        version_files = [s.get("path", "") for s in (sources or {}).get("version", [])]
        name_files = [s.get("path", "") for s in (sources or {}).get("name", [])]
        if not version_files or version_files[:1] != name_files[:1]:
            continue  # name and version must come from the same manifest
        purl_type = MANIFEST_TYPES.get(posixpath.basename(version_files[0]).lower())
        if purl_type is None:
            continue
        out[package_purl(purl_type, name)].append((origin_id, snapshot_id, version))
    return out


def match_all(session: Session, origin_ids: Sequence[int] | None = None) -> MatchReport:
    """Recompute ``origin_advisory`` for these origins (every origin when None): a
    batch reads only the advisories of the packages that concern it (its own, those
    of the packages declaring it as their repository, those its manifests declare,
    and GIT ranges naming it), so batches cost the same whatever the database size."""
    report = MatchReport()
    batch = set(origin_ids) if origin_ids is not None else None
    origin_query = select(
        Origin.id, Origin.url, Origin.latest_version, Origin.repository_origin_id
    ).where(Origin.kind == OriginKind.PACKAGE)
    if batch is not None:
        origin_query = origin_query.where(
            Origin.id.in_(list(batch)) | Origin.repository_origin_id.in_(list(batch))
        )
    package_origins = session.execute(origin_query).all()
    manifests = _snapshot_manifests(session, origin_ids)
    packages_query = (
        select(AdvisoryPackage, Advisory.id)
        .join(Advisory, Advisory.id == AdvisoryPackage.advisory_id)
        .where(Advisory.withdrawn.is_(None))
    )
    if batch is not None:
        purls = {p for _, url, _, _ in package_origins if (p := origin_purl(url))}
        purls |= set(manifests)
        urls = list(session.scalars(select(Origin.url).where(Origin.id.in_(list(batch)))).all())
        packages_query = packages_query.where(
            AdvisoryPackage.purl.in_(sorted(purls)) | AdvisoryPackage.repositories.overlap(urls)
        )
    packages = session.execute(packages_query).all()
    by_purl: dict[str, list[AdvisoryPackage]] = defaultdict(list)
    by_repo: dict[str, list[AdvisoryPackage]] = defaultdict(list)
    for package, _ in packages:
        if package.purl:
            by_purl[package.purl].append(package)
        for repo in package.repositories:
            by_repo[repo].append(package)
    report.advisories = len({advisory_id for _, advisory_id in packages})
    matches: dict[tuple[int, int], _Match] = defaultdict(_Match)

    for origin_id, url, latest, repository_id in package_origins:
        purl = origin_purl(url)
        if purl is None or purl not in by_purl:
            continue
        for package in by_purl[purl]:
            verdict = (
                affected(package.ecosystem, latest, package.ranges, package.versions)
                if isinstance(latest, str)
                else None
            )
            targets = [origin_id] + ([repository_id] if repository_id else [])
            for target in targets:
                match = matches[(target, package.advisory_id)]
                match.purls.add(purl)
                match.fixed.update(package.fixed)
                if isinstance(latest, str):
                    match.latest.append((latest, verdict))
                else:
                    match.latest.append(("", None))
                match.evidence.append(
                    {
                        "via": "registry package",
                        "package_origin_id": origin_id,
                        "purl": purl,
                        "latest_version": latest,
                        "affected": verdict,
                        "ranges": [r.get("vers") or r.get("unresolved") for r in package.ranges],
                    }
                )

    for purl, found in manifests.items():
        for package in by_purl.get(purl, []):
            for origin_id, snapshot_id, version in found:
                verdict = affected(package.ecosystem, version, package.ranges, package.versions)
                match = matches[(origin_id, package.advisory_id)]
                match.purls.add(purl)
                match.fixed.update(package.fixed)
                match.snapshot = (snapshot_id, version, verdict)
                match.evidence.append(
                    {
                        "via": "snapshot manifest",
                        "snapshot_id": snapshot_id,
                        "purl": purl,
                        "version": version,
                        "affected": verdict,
                    }
                )

    if by_repo:
        repos = session.execute(select(Origin.id, Origin.url).where(Origin.url.in_(list(by_repo))))
        for origin_id, url in repos:
            for package in by_repo[url]:
                match = matches[(origin_id, package.advisory_id)]
                match.evidence.append(
                    {"via": "GIT range repository", "repo": url, "affected": None}
                )

    if batch is not None:
        matches = {k: m for k, m in matches.items() if k[0] in batch}
    rows: list[dict[str, object]] = []
    for (origin_id, advisory_id), match in sorted(matches.items()):
        affects_latest = _combine([v for _, v in match.latest]) if match.latest else None
        latest_versions = sorted({v for v, _ in match.latest if v})
        snap = match.snapshot
        affects_snapshot = snap[2] if snap else None
        current = affects_latest is True or affects_snapshot is True
        rows.append(
            {
                "origin_id": origin_id,
                "advisory_id": advisory_id,
                "purls": sorted(match.purls),
                "latest_version": ", ".join(latest_versions) or None,
                "affects_latest": affects_latest,
                "snapshot_id": snap[0] if snap else None,
                "snapshot_version": snap[1] if snap else None,
                "affects_snapshot": affects_snapshot,
                "is_current": current,
                "fixed_versions": sorted(match.fixed),
                "evidence": match.evidence,
                "matcher_version": MATCHER_VERSION,
            }
        )
        report.current += int(current)
    replace_rows(
        session,
        OriginAdvisory,
        ("origin_id", "advisory_id"),
        sorted(batch) if batch is not None else None,
        rows,
        touch=("matched_at",),
    )
    report.origins = len({origin_id for origin_id, _ in matches})
    return report
