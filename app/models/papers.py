"""Intrinsic project metadata (CodeMeta-shaped) and links to research papers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, ProvenanceMixin, pg_enum
from app.models.enums import PaperLinkKind, PaperStatus


class ProjectMetadata(Base):
    """What a project says about itself at one snapshot, as one CodeMeta record.

    ``sources`` maps each CodeMeta field to the file (content SWHID, path) and the
    mapping that produced it.
    """

    __tablename__ = "project_metadata"
    __table_args__ = (UniqueConstraint("origin_id", "snapshot_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"))
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("snapshot.id", ondelete="CASCADE"), index=True
    )
    record: Mapped[dict[str, Any]] = mapped_column(JSONB)
    sources: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    problems: Mapped[list[object]] = mapped_column(JSONB, server_default="[]")
    tool: Mapped[str] = mapped_column(Text)
    tool_version: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Paper(Base):
    """A scholarly work, one row however it is referenced (DOI, arXiv id, HAL id)."""

    __tablename__ = "paper"
    __table_args__ = (
        CheckConstraint("num_nonnulls(doi, arxiv_id, hal_id) >= 1", name="has_identifier"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    doi: Mapped[str | None] = mapped_column(Text, unique=True)  # lower case, no resolver
    arxiv_id: Mapped[str | None] = mapped_column(Text, unique=True)  # without version
    hal_id: Mapped[str | None] = mapped_column(Text, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[object]] = mapped_column(JSONB, server_default="[]")
    year: Mapped[int | None] = mapped_column(Integer)
    venue: Mapped[str | None] = mapped_column(Text)
    # The fields the resolver classified the work in ({"scheme", "value", ...}: see
    # app.papers.resolve.PaperMetadata.fields); domains are assigned from them.
    fields: Mapped[list[dict[str, object]]] = mapped_column(JSONB, server_default="[]")
    status: Mapped[PaperStatus] = mapped_column(
        pg_enum(PaperStatus, "paper_status"), server_default=PaperStatus.UNRESOLVED.value
    )
    resolved_by: Mapped[str | None] = mapped_column(Text)  # crossref, datacite, arxiv...
    resolved_at: Mapped[datetime | None]
    # Why it is still unresolved (network down, rate limited...) or was not found.
    resolution_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PaperLink(ProvenanceMixin, Base):
    """Why we think an origin goes with a paper: the kind of link and its evidence."""

    __tablename__ = "paper_link"
    __table_args__ = (
        CheckConstraint(
            "num_nonnulls(evidence_content_id, raw_metadata_id) >= 1", name="has_evidence"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("paper.id", ondelete="CASCADE"), index=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PaperLinkKind] = mapped_column(pg_enum(PaperLinkKind, "paper_link_kind"))
    evidence_content_id: Mapped[int | None] = mapped_column(
        ForeignKey("content.id", ondelete="SET NULL"), index=True
    )
    evidence_path: Mapped[str | None] = mapped_column(Text)
    evidence_line: Mapped[int | None] = mapped_column(Integer)
    identifier_as_found: Mapped[str] = mapped_column(Text)
    tool: Mapped[str] = mapped_column(Text)
    tool_version: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
