"""Issues and pull/merge requests of every forge in one vocabulary."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, ProvenanceMixin, TimestampMixin, pg_enum
from app.models.enums import IssueKind, IssueState


class Issue(ProvenanceMixin, TimestampMixin, Base):
    """An issue or a pull/merge request; ``forge_state`` keeps the forge's own word."""

    __tablename__ = "issue"
    __table_args__ = (
        UniqueConstraint("origin_id", "kind", "number"),
        Index(None, "origin_id", "state", "kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"))
    kind: Mapped[IssueKind] = mapped_column(pg_enum(IssueKind, "issue_kind"))
    number: Mapped[int] = mapped_column(BigInteger)
    native_id: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    state: Mapped[IssueState] = mapped_column(pg_enum(IssueState, "issue_state"))
    forge_state: Mapped[str] = mapped_column(Text)
    is_draft: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_locked: Mapped[bool] = mapped_column(Boolean, server_default="false")
    author_login: Mapped[str | None] = mapped_column(Text)
    labels: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    comments_count: Mapped[int | None] = mapped_column(BigInteger)
    url: Mapped[str | None] = mapped_column(Text)
    forge_created_at: Mapped[datetime | None]
    forge_updated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    merged_at: Mapped[datetime | None]
