"""What scans derive per origin and snapshot, apart from what forges say.

One state, one writer: the scan pipeline (``app/scans/summary.py``) is the only
writer of these tables; forge ingest, refreshes and ``rederive`` write the origin's
own columns and never touch them, so nothing a forge does can wipe what a scan found.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ScanSummary(Base):
    """The origin-level result of scanning one snapshot of an origin: its reconciled
    effective license and its language breakdown (as GitHub Linguist counts: vendored,
    generated and binary files left out), with the analyzer versions behind them.

    ``is_current`` marks the summary of the origin's last scan (at most one per
    origin): that one is the origin's effective license in searches, details and
    dataset selections. Summaries of earlier snapshots stay, each valid for its own
    snapshot (the language breakdown is read for the snapshot a visit produced).
    """

    __tablename__ = "scan_summary"
    __table_args__ = (
        Index(
            "uq_scan_summary_current",
            "origin_id",
            unique=True,
            postgresql_where=text("is_current"),
        ),
    )

    origin_id: Mapped[int] = mapped_column(
        ForeignKey("origin.id", ondelete="CASCADE"), primary_key=True
    )
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshot.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_current: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # The reconciled effective license (app.licenses.detection.reconcile); NULL
    # expression: none could be established (see basis and conflicts).
    license_expression: Mapped[str | None] = mapped_column(Text)
    license_category: Mapped[str | None] = mapped_column(Text)  # LicenseCategory value
    license_conflicts: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    license_basis: Mapped[str | None] = mapped_column(Text)
    # [[language, files, bytes], ...], largest first; NULL: not counted yet.
    languages: Mapped[list[list[Any]] | None] = mapped_column(JSONB)
    files: Mapped[int | None] = mapped_column(BigInteger)  # file occurrences in the snapshot
    analyzer_versions: Mapped[dict[str, str]] = mapped_column(JSONB, server_default="{}")
    scanned_at: Mapped[datetime] = mapped_column(server_default=func.now())


class NearDupBand(Base):
    """One LSH band of a content's MinHash signature: the band number and the band's
    hash values (``rows`` little-endian uint32, the key datasketch's ``MinHashLSH``
    buckets by). Two contents are near-duplicate candidates when they share a
    ``(band, bucket)``; storing them lets a recluster query only the bands of new
    signatures instead of loading every signature (``app/neardups/service.py``)."""

    __tablename__ = "near_dup_band"

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    bucket: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    content_id: Mapped[int] = mapped_column(
        ForeignKey("content.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class NearDupPending(Base):
    """Contents whose signature is not in the bands yet: the scan adds one row per new
    signature in the batch that writes it, the recluster consumes them. A recluster
    thus reads what is new, never the whole ``content_fact``."""

    __tablename__ = "near_dup_pending"

    content_id: Mapped[int] = mapped_column(
        ForeignKey("content.id", ondelete="CASCADE"), primary_key=True
    )
    queued_at: Mapped[datetime] = mapped_column(server_default=func.now())
