"""The attribution index: winnowing fingerprints of contents, with their lines.

``attribution_fingerprint`` is the posting list ``hash -> (content, line)``. Its
primary key ``(hash, content_id, line)`` is the one index a query needs: a lookup by
hash reads the content and line from the index alone (index-only scan), and rows of
one hash sit together, as a clustered layout would put them. There is no foreign key
to ``content``: the table grows to hundreds of rows per file and is written by COPY,
and a check per row would cost more than the write; ``attribution_indexed`` (with the
key) says which contents were fingerprinted, and queries join ``content``. At archive
scale the table is partitioned by ``hash`` (hash partitioning, or distributed by
``hash`` on Citus): every lookup names its hashes, so it prunes to the partitions
that hold them.

``attribution_stopword`` lists fingerprints so common that they identify nothing
(license headers, boilerplate, generated code): computed from document frequency.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AttributionFingerprint(Base):
    __tablename__ = "attribution_fingerprint"

    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    content_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)


class AttributionIndexed(Base):
    """A content whose fingerprints are in the index (zero for a file too short)."""

    __tablename__ = "attribution_indexed"

    content_id: Mapped[int] = mapped_column(
        ForeignKey("content.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprints: Mapped[int] = mapped_column(Integer)
    lexer: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(Text)  # tokens + winnowing parameters
    indexed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AttributionStopword(Base):
    __tablename__ = "attribution_stopword"

    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    documents: Mapped[int] = mapped_column(BigInteger)  # contents that hold it
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
