"""The SQL of API keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiKey


def by_hash(session: Session, key_hash: str) -> ApiKey | None:
    """The live (not revoked) key with this hash."""
    return session.scalars(
        select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    ).first()


def by_name(session: Session, name: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.name == name)).first()


def add(session: Session, name: str, key_hash: str, prefix: str, scopes: list[str]) -> ApiKey:
    row = ApiKey(name=name, key_hash=key_hash, prefix=prefix, scopes=scopes)
    session.add(row)
    session.flush()
    return row


def all_keys(session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.id)).all()


def live_hashes(session: Session) -> list[str]:
    return list(session.scalars(select(ApiKey.key_hash).where(ApiKey.revoked_at.is_(None))))


def revoke(session: Session, row: ApiKey) -> None:
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
