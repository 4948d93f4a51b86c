"""The license catalog (SPDX + ScanCode LicenseDB) and license findings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, ProvenanceMixin, pg_enum
from app.models.enums import LicenseSource


class License(Base):
    """One license or exception, keyed by its ScanCode LicenseDB key.

    ``spdx_id`` is the SPDX identifier (or a ``LicenseRef-scancode-*`` one for
    licenses SPDX does not list); the category is ScanCode's.
    """

    __tablename__ = "license"
    __table_args__ = (Index("uq_license_spdx_id_lower", text("lower(spdx_id)"), unique=True),)

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    spdx_id: Mapped[str] = mapped_column(Text)
    other_spdx_ids: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    name: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text, index=True)
    is_exception: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_deprecated: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_spdx_listed: Mapped[bool] = mapped_column(Boolean, server_default="false")
    osi_approved: Mapped[bool | None] = mapped_column(Boolean)
    fsf_libre: Mapped[bool | None] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(Text)  # which data releases the row came from


class LicenseFinding(ProvenanceMixin, Base):
    """A license attached to a content, a directory or an origin, with its evidence.

    ``expression`` is a valid SPDX expression, or NULL when the original text could
    not be mapped (then ``original_text`` says what was declared: never guessed).
    """

    __tablename__ = "license_finding"
    __table_args__ = (
        CheckConstraint("num_nonnulls(content_id, directory_id, origin_id) = 1", name="one_target"),
        CheckConstraint("expression IS NOT NULL OR original_text IS NOT NULL", name="has_text"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    content_id: Mapped[int | None] = mapped_column(
        ForeignKey("content.id", ondelete="CASCADE"), index=True
    )
    directory_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory.id", ondelete="CASCADE"), index=True
    )
    origin_id: Mapped[int | None] = mapped_column(
        ForeignKey("origin.id", ondelete="CASCADE"), index=True
    )
    expression: Mapped[str | None] = mapped_column(Text, index=True)
    original_text: Mapped[str | None] = mapped_column(Text)
    source: Mapped[LicenseSource] = mapped_column(pg_enum(LicenseSource, "license_source"))
    evidence_content_id: Mapped[int | None] = mapped_column(
        ForeignKey("content.id", ondelete="SET NULL"), index=True
    )
    evidence_path: Mapped[str | None] = mapped_column(Text)
    start_line: Mapped[int | None] = mapped_column(Integer)
    end_line: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    tool: Mapped[str] = mapped_column(Text)
    tool_version: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    @property
    def is_mapped(self) -> bool:
        return self.expression is not None


class OriginLicense(Base):
    """Which license expressions an origin declares or contains in its files: a search
    index kept by database triggers (migration 0004 says why), never written by the
    application. ``keys`` are the expression's lowercased identifiers."""

    __tablename__ = "origin_license"
    __table_args__ = (
        CheckConstraint("via IN ('declared', 'detected')", name="via_side"),
        Index("ix_origin_license_keys", "keys", postgresql_using="gin"),
        Index("ix_origin_license_expression_lower", text("lower(expression)")),
    )

    origin_id: Mapped[int] = mapped_column(
        ForeignKey("origin.id", ondelete="CASCADE"), primary_key=True
    )
    via: Mapped[str] = mapped_column(Text, primary_key=True)  # declared | detected
    expression: Mapped[str] = mapped_column(Text, primary_key=True)
    keys: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # Rows behind it: findings on the origin, or (occurrence, finding) pairs of files.
    support: Mapped[int] = mapped_column(BigInteger)
