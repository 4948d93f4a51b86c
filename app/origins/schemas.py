"""What the origin endpoints return."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from app.forges.schemas import RawMetadataOut
from app.licenses.findings import EffectiveLicenseOut, LicenseFindingOut, ProvenanceOut
from app.models import Origin
from app.models.enums import (
    IssueKind,
    IssueState,
    LicenseSource,
    OriginKind,
    OwnerKind,
    VisitStatus,
)
from app.origins.repository import (
    RAW_PAYLOADS_LIMIT,
    DetectedLicense,
    IssueCount,
    LanguageCount,
    LatestVisit,
)
from app.papers.schemas import OriginPaperOut


class OwnerOut(BaseModel):
    login: str
    kind: OwnerKind | None
    name: str | None
    url: str | None


class OriginOut(BaseModel):
    id: int
    swhid: str = Field(description="swh:1:ori: identifier (sha1 of the URL).")
    url: str
    forge: str | None
    kind: OriginKind
    native_id: str | None
    full_name: str | None
    owner: OwnerOut | None
    description: str | None
    homepage: str | None
    topics: list[str]
    language: str | None
    stars: int | None
    forks: int | None
    watchers: int | None
    open_issues: int | None
    is_fork: bool
    is_archived: bool
    is_template: bool
    default_branch: str | None
    declared_repository_url: str | None
    forge_created_at: datetime | None
    forge_updated_at: datetime | None
    forge_pushed_at: datetime | None
    last_fetched_at: datetime | None
    last_scanned_at: datetime | None
    effective_license: EffectiveLicenseOut | None = Field(
        description="Reconciled from declared and detected licenses at the last scan."
    )
    provenance: ProvenanceOut

    @classmethod
    def of(cls, origin: Origin) -> OriginOut:
        owner = origin.owner
        return cls(
            id=origin.id,
            swhid=origin.swhid,
            url=origin.url,
            forge=origin.forge.name if origin.forge else None,
            kind=origin.kind,
            native_id=origin.native_id,
            full_name=origin.full_name,
            owner=OwnerOut(
                login=owner.display_login, kind=owner.kind, name=owner.name, url=owner.url
            )
            if owner
            else None,
            description=origin.description,
            homepage=origin.homepage,
            topics=list(origin.topics or []),
            language=origin.language,
            stars=origin.stars,
            forks=origin.forks,
            watchers=origin.watchers,
            open_issues=origin.open_issues,
            is_fork=origin.is_fork,
            is_archived=origin.is_archived,
            is_template=origin.is_template,
            default_branch=origin.default_branch,
            declared_repository_url=origin.declared_repository_url,
            forge_created_at=origin.forge_created_at,
            forge_updated_at=origin.forge_updated_at,
            forge_pushed_at=origin.forge_pushed_at,
            last_fetched_at=origin.last_fetched_at,
            last_scanned_at=origin.last_scanned_at,
            effective_license=_effective(origin),
            provenance=ProvenanceOut.of(origin),
        )


def _effective(origin: Origin) -> EffectiveLicenseOut | None:
    """The effective license of the origin's last scan (``scan_summary``)."""
    summary = origin.scan_summary
    if summary is None:
        return None
    return EffectiveLicenseOut(
        expression=summary.license_expression,
        category=summary.license_category or "unknown",
        conflicts=list(summary.license_conflicts or []),
        basis=summary.license_basis,
    )


class VisitOut(BaseModel):
    date: datetime
    visit_type: str
    status: VisitStatus
    snapshot: str | None = Field(description="Snapshot SWHID.")
    files: int

    @classmethod
    def of(cls, row: LatestVisit) -> VisitOut:
        return cls(
            date=row.visit.date,
            visit_type=row.visit.visit_type,
            status=row.visit.status,
            snapshot=row.snapshot.swhid if row.snapshot else None,
            files=row.files,
        )


class LanguageOut(BaseModel):
    language: str
    files: int
    bytes: int = Field(description="Sum of the files' lengths.")
    share: float = Field(description="Of the bytes of the breakdown, from 0 to 1.")

    @classmethod
    def breakdown(cls, rows: Sequence[LanguageCount]) -> list[LanguageOut]:
        total = sum(r.bytes for r in rows)
        return [
            cls(
                language=r.language,
                files=r.files,
                bytes=r.bytes,
                share=round(r.bytes / total, 4) if total else 0.0,
            )
            for r in rows
        ]


class IssueCountsOut(BaseModel):
    open: int
    closed: int


class PullRequestCountsOut(BaseModel):
    open: int
    closed: int
    merged: int


class IssueStatsOut(BaseModel):
    issues: IssueCountsOut
    pull_requests: PullRequestCountsOut
    last_updated_at: datetime | None = Field(
        description="The newest forge_updated_at of the origin's issues and pull requests."
    )

    @classmethod
    def of(cls, rows: Sequence[IssueCount]) -> IssueStatsOut:
        counts = {(r.kind, r.state): r.count for r in rows}

        def n(kind: IssueKind, state: IssueState) -> int:
            return counts.get((kind, state), 0)

        issue, pull = IssueKind.ISSUE, IssueKind.PULL_REQUEST
        updated = [r.last_updated_at for r in rows if r.last_updated_at is not None]
        return cls(
            issues=IssueCountsOut(
                open=n(issue, IssueState.OPEN),
                # an issue is never merged; a forge calling one so has closed it
                closed=n(issue, IssueState.CLOSED) + n(issue, IssueState.MERGED),
            ),
            pull_requests=PullRequestCountsOut(
                open=n(pull, IssueState.OPEN),
                closed=n(pull, IssueState.CLOSED),
                merged=n(pull, IssueState.MERGED),
            ),
            last_updated_at=max(updated, default=None),
        )


class DetectedLicenseOut(BaseModel):
    expression: str = Field(description="SPDX expression.")
    files: int = Field(description="Files of the snapshot it was found in.")
    sources: list[LicenseSource] = Field(
        description="How it was found: license file, header, SPDX tag, manifest..."
    )
    example_paths: list[str] = Field(description="The first few of those files, by path.")

    @classmethod
    def of(cls, row: DetectedLicense) -> DetectedLicenseOut:
        return cls(
            expression=row.expression,
            files=row.files,
            sources=row.sources,
            example_paths=[p.decode("utf-8", errors="backslashreplace") for p in row.example_paths],
        )


DESCRIPTIONS = {
    "latest_visit": "The newest visit, whatever its status, with its snapshot.",
    "languages": (
        "Language breakdown of the latest snapshot (of the newest visit that produced "
        "one), largest first. As GitHub Linguist does, vendored, generated and binary "
        "files are left out, and so are files without a language (or not analysed yet)."
    ),
    "issue_stats": (
        "Issues and pull requests by normalized state; zeros also when the issues "
        "were never crawled."
    ),
    "detected_licenses": (
        "License expressions detected in the files of the latest snapshot (vendored "
        "files included), most files first; unmapped texts are left out."
    ),
    "papers": "The origin's papers with the kind of link and its evidence.",
    "raw_payloads": (
        f"The newest {RAW_PAYLOADS_LIMIT} stored payloads the origin's data came from, "
        "newest first, without their bytes: follow /v1/raw/{id}; all of them at "
        "/v1/origins/{id}/raw."
    ),
}


class OriginDetail(OriginOut):
    licenses: list[LicenseFindingOut] = Field(
        description="Licenses declared for the origin (forge, registry), with provenance."
    )
    detected_licenses: list[DetectedLicenseOut] = Field(
        description=DESCRIPTIONS["detected_licenses"]
    )
    aliases: list[str] = Field(description="URLs the origin was known by before.")
    latest_visit: VisitOut | None = Field(description=DESCRIPTIONS["latest_visit"])
    languages: list[LanguageOut] = Field(description=DESCRIPTIONS["languages"])
    issue_stats: IssueStatsOut = Field(description=DESCRIPTIONS["issue_stats"])
    papers: list[OriginPaperOut] = Field(description=DESCRIPTIONS["papers"])
    raw_payloads: list[RawMetadataOut] = Field(description=DESCRIPTIONS["raw_payloads"])
