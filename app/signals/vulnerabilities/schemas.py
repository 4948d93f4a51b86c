"""What the advisory endpoints return."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.licenses.findings import ProvenanceOut
from app.models import Advisory, AdvisoryPackage, OriginAdvisory


class SeverityOut(BaseModel):
    score: float | None = Field(description="CVSS base score, or the label's upper bound.")
    label: str | None = Field(description="none, low, medium, high or critical.")
    vector: str | None = Field(description="The CVSS vector the score was computed from.")
    source: str | None = Field(description="CVSS_V4, CVSS_V3, CVSS_V2 or the database label.")


class AffectedPackageOut(BaseModel):
    ecosystem: str
    name: str
    purl: str | None
    ranges: list[dict[str, Any]] = Field(
        description="OSV ranges with their events, the equivalent `vers:` range when the "
        "ecosystem's version rules are known, or why the range is unresolved."
    )
    versions: list[str]
    fixed: list[str]
    repositories: list[str]
    unresolved: str | None

    @classmethod
    def of(cls, row: AdvisoryPackage) -> AffectedPackageOut:
        return cls(
            ecosystem=row.ecosystem,
            name=row.name,
            purl=row.purl,
            ranges=list(row.ranges),
            versions=list(row.versions),
            fixed=list(row.fixed),
            repositories=list(row.repositories),
            unresolved=row.unresolved,
        )


class AdvisoryOut(BaseModel):
    id: str = Field(description="The OSV id (GHSA-..., PYSEC-..., RUSTSEC-...).")
    aliases: list[str]
    summary: str | None
    published: datetime | None
    modified: datetime | None
    withdrawn: datetime | None
    severity: SeverityOut
    provenance: ProvenanceOut

    @classmethod
    def of(cls, row: Advisory) -> AdvisoryOut:
        return cls(**cls.fields_of(row))

    @staticmethod
    def fields_of(row: Advisory) -> dict[str, Any]:
        return {
            "id": row.osv_id,
            "aliases": list(row.aliases),
            "summary": row.summary,
            "published": row.published,
            "modified": row.modified,
            "withdrawn": row.withdrawn,
            "severity": SeverityOut(
                score=row.severity_score,
                label=row.severity_label,
                vector=row.severity_vector,
                source=row.severity_source,
            ),
            "provenance": ProvenanceOut.of(row),
        }


class AdvisoryDetail(AdvisoryOut):
    details: str | None
    references: list[dict[str, Any]]
    affected: list[AffectedPackageOut]


class OriginAdvisoryOut(BaseModel):
    advisory: AdvisoryOut
    current: bool = Field(
        description="Affects the latest release or the latest scanned snapshot (what "
        "vulnerable=true means)."
    )
    latest_version: str | None = Field(description="Latest release(s) per the registry.")
    affects_latest: bool | None = Field(description="null: cannot be told.")
    snapshot_version: str | None = Field(description="Declared by the latest snapshot's manifest.")
    affects_snapshot: bool | None
    fixed_versions: list[str]
    purls: list[str]
    evidence: list[dict[str, Any]] = Field(description="How the match was made.")
    matcher_version: str

    @classmethod
    def of(cls, link: OriginAdvisory, advisory: Advisory) -> OriginAdvisoryOut:
        return cls(
            advisory=AdvisoryOut.of(advisory),
            current=link.is_current,
            latest_version=link.latest_version,
            affects_latest=link.affects_latest,
            snapshot_version=link.snapshot_version,
            affects_snapshot=link.affects_snapshot,
            fixed_versions=list(link.fixed_versions),
            purls=list(link.purls),
            evidence=list(link.evidence),
            matcher_version=link.matcher_version,
        )
