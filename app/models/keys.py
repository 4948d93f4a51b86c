"""API keys: who may write, and with which scopes.

Only a hash of each key is stored (SHA-256: keys are 256-bit random tokens, so a
slow password hash would add nothing but latency to every request); the key itself
is shown once, when it is created. A revoked key stays, with the time it was
revoked, so jobs that name it (``job.requested_by``) keep meaning something.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

SCOPES = ("read", "submit", "admin")


class ApiKey(Base):
    __tablename__ = "api_key"
    __table_args__ = (
        CheckConstraint("scopes <@ ARRAY['read', 'submit', 'admin']::text[]", name="known_scopes"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    key_hash: Mapped[str] = mapped_column(Text, unique=True)  # sha256 hex of the key
    prefix: Mapped[str] = mapped_column(Text)  # the first characters, to recognise it
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]
