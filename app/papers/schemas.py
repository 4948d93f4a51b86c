"""What the paper endpoints return."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.models import Paper, PaperLink
from app.models.enums import PaperLinkKind, PaperStatus


class PaperOut(BaseModel):
    id: int
    doi: str | None
    arxiv_id: str | None
    hal_id: str | None
    title: str | None
    authors: list[object]
    year: int | None
    venue: str | None
    status: PaperStatus = Field(description="unresolved until a resolver has answered.")
    resolved_by: str | None
    resolution_note: str | None

    @classmethod
    def of(cls, paper: Paper) -> PaperOut:
        return cls(
            id=paper.id,
            doi=paper.doi,
            arxiv_id=paper.arxiv_id,
            hal_id=paper.hal_id,
            title=paper.title,
            authors=list(paper.authors or []),
            year=paper.year,
            venue=paper.venue,
            status=paper.status,
            resolved_by=paper.resolved_by,
            resolution_note=paper.resolution_note,
        )


class EvidenceOut(BaseModel):
    path: str | None = Field(description="The file the identifier was found in.")
    line: int | None
    content_id: int | None
    raw_metadata_id: int | None = Field(description="Or the registry payload.")
    identifier_as_found: str
    tool: str
    tool_version: str

    @classmethod
    def of(cls, link: PaperLink) -> EvidenceOut:
        return cls(
            path=link.evidence_path,
            line=link.evidence_line,
            content_id=link.evidence_content_id,
            raw_metadata_id=link.raw_metadata_id,
            identifier_as_found=link.identifier_as_found,
            tool=link.tool,
            tool_version=link.tool_version,
        )


class OriginPaperOut(BaseModel):
    kind: PaperLinkKind = Field(
        description=(
            "preferred_citation: the paper to cite; reference; software_doi: the software's "
            "own DOI; readme_mention; registry_link."
        )
    )
    paper: PaperOut
    evidence: EvidenceOut

    @classmethod
    def of(cls, link: PaperLink, paper: Paper) -> OriginPaperOut:
        return cls(
            kind=link.kind,
            paper=PaperOut.of(paper),
            evidence=EvidenceOut.of(link),
        )


class PaperOriginOut(BaseModel):
    origin_id: int
    origin_url: str
    kind: PaperLinkKind
    evidence: EvidenceOut


class PaperDetail(PaperOut):
    origins: list[PaperOriginOut]
