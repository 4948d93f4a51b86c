"""How a license finding is shown: the expression with where it came from."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.licenses.detection.model import Finding
from app.models import LicenseFinding
from app.models.base import ProvenanceMixin
from app.models.enums import LicenseSource


class ProvenanceOut(BaseModel):
    raw_metadata_id: int | None = Field(description="The stored payload this was read from.")
    mapper_version: str | None = Field(description="The mapper that read it.")

    @classmethod
    def of(cls, row: ProvenanceMixin) -> ProvenanceOut:
        """Of any normalized row (they all carry ProvenanceMixin's two columns)."""
        return cls(raw_metadata_id=row.raw_metadata_id, mapper_version=row.mapper_version)


class LicenseFindingOut(BaseModel):
    expression: str | None = Field(description="SPDX expression; null when not mappable.")
    original_text: str | None = Field(description="What the source said, verbatim.")
    is_mapped: bool
    source: LicenseSource
    evidence_path: str | None
    start_line: int | None
    end_line: int | None
    score: float | None
    tool: str
    tool_version: str
    provenance: ProvenanceOut
    created_at: datetime

    @classmethod
    def of(cls, finding: LicenseFinding) -> LicenseFindingOut:
        return cls(
            expression=finding.expression,
            original_text=finding.original_text,
            is_mapped=finding.is_mapped,
            source=finding.source,
            evidence_path=finding.evidence_path,
            start_line=finding.start_line,
            end_line=finding.end_line,
            score=finding.score,
            tool=finding.tool,
            tool_version=finding.tool_version,
            provenance=ProvenanceOut.of(finding),
            created_at=finding.created_at,
        )


def as_finding(row: LicenseFinding) -> Finding:
    """A stored finding as the detection layer's value (to reconcile or inherit)."""
    return Finding(
        expression=row.expression,
        original_text=row.original_text,
        source=row.source,
        path=row.evidence_path,
        start_line=row.start_line,
        end_line=row.end_line,
        score=row.score,
        tool=row.tool,
        tool_version=row.tool_version,
        is_license_text=row.source is LicenseSource.LICENSE_FILE,
    )


class EffectiveLicenseOut(BaseModel):
    """An origin's license reconciled from what is declared and what is detected."""

    expression: str | None
    category: str
    conflicts: list[str] = Field(description="Disagreements between sources, never hidden.")
    basis: str | None = Field(description="Which evidence decided the expression.")
