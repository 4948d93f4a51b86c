"""Facts derived from a content's bytes, each recording the tool that produced it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, LargeBinary, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ContentFact(Base):
    """Per-file facts (the Stack v2 style filters), one row per content."""

    __tablename__ = "content_fact"

    content_id: Mapped[int] = mapped_column(
        ForeignKey("content.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str | None] = mapped_column(Text, index=True)
    encoding: Mapped[str | None] = mapped_column(Text)
    is_binary: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_vendored: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_generated: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_minified: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_data: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_too_large: Mapped[bool] = mapped_column(Boolean, server_default="false")
    line_count: Mapped[int | None] = mapped_column(Integer)
    max_line_length: Mapped[int | None] = mapped_column(Integer)
    mean_line_length: Mapped[float | None] = mapped_column(Float)
    alnum_fraction: Mapped[float | None] = mapped_column(Float)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    near_dup_cluster: Mapped[int | None] = mapped_column(BigInteger, index=True)
    pii_count: Mapped[int] = mapped_column(Integer, server_default="0")
    tool: Mapped[str] = mapped_column(Text)
    tool_version: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PiiFinding(Base):
    """A secret or piece of personal data found in a content: its kind and where, never
    the value itself."""

    __tablename__ = "pii_finding"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    content_id: Mapped[int] = mapped_column(
        ForeignKey("content.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(Text)  # email, ipv4, aws_key, password, ...
    line_start: Mapped[int] = mapped_column(Integer)
    line_end: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    tool: Mapped[str] = mapped_column(Text)
    tool_version: Mapped[str] = mapped_column(Text)
