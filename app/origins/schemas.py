"""What the origin endpoints return."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.licenses.findings import EffectiveLicenseOut, LicenseFindingOut, ProvenanceOut
from app.models import Origin
from app.models.enums import OriginKind, OwnerKind, VisitStatus


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
    value = (origin.extra or {}).get("effective_license")
    if not isinstance(value, dict):
        return None
    return EffectiveLicenseOut(
        expression=value.get("expression"),
        category=str(value.get("category", "unknown")),
        conflicts=list(value.get("conflicts") or []),
        basis=value.get("basis"),
    )


class VisitOut(BaseModel):
    date: datetime
    visit_type: str
    status: VisitStatus
    snapshot: str | None = Field(description="Snapshot SWHID.")
    files: int


class OriginDetail(OriginOut):
    licenses: list[LicenseFindingOut]
    aliases: list[str] = Field(description="URLs the origin was known by before.")
    latest_visit: VisitOut | None
