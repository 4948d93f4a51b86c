"""SQL for the license catalog."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict

from sqlalchemy import Select, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.kit.text import LIKE_ESCAPE, like_contains
from app.licenses.catalog import CatalogEntry
from app.models import License


def upsert_catalog(session: Session, entries: Iterable[CatalogEntry]) -> int:
    """Insert or refresh catalog rows (idempotent); returns how many were written."""
    rows = [asdict(entry) for entry in entries]
    if not rows:
        return 0
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        stmt = insert(License).values(chunk)
        updated = {c: stmt.excluded[c] for c in chunk[0] if c != "key"}
        session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=updated))
    session.flush()
    return len(rows)


def get_by_spdx_id(session: Session, spdx_id: str) -> License | None:
    """Case-insensitive lookup by SPDX id, also by ScanCode key and older SPDX ids."""
    lowered = spdx_id.lower()
    found = session.scalars(select(License).where(func.lower(License.spdx_id) == lowered)).first()
    if found is not None:
        return found
    # Older or alternative SPDX ids (GPL-2.0+, AGPL-3.0...) live in other_spdx_ids.
    in_others = text(
        ":wanted = ANY (SELECT lower(o) FROM unnest(license.other_spdx_ids) AS o)"
    ).bindparams(wanted=lowered)
    return session.scalars(
        select(License)
        .where(or_(License.key == lowered, in_others))
        .order_by(License.is_deprecated, License.key)
    ).first()


def licenses_query(
    *,
    category: str | None = None,
    is_exception: bool | None = None,
    spdx_listed: bool | None = None,
    q: str | None = None,
) -> Select[License]:
    stmt = select(License)
    if category is not None:
        stmt = stmt.where(func.lower(License.category) == category.lower())
    if is_exception is not None:
        stmt = stmt.where(License.is_exception.is_(is_exception))
    if spdx_listed is not None:
        stmt = stmt.where(License.is_spdx_listed.is_(spdx_listed))
    if q:
        pattern = like_contains(q.lower())
        stmt = stmt.where(
            or_(
                func.lower(License.spdx_id).like(pattern, escape=LIKE_ESCAPE),
                func.lower(License.name).like(pattern, escape=LIKE_ESCAPE),
            )
        )
    return stmt


def list_licenses(
    session: Session,
    *,
    after: str | None,
    limit: int,
    category: str | None = None,
    is_exception: bool | None = None,
    spdx_listed: bool | None = None,
    q: str | None = None,
) -> Sequence[License]:
    """A page ordered by lower(spdx_id) (unique), starting after the cursor's key."""
    stmt = licenses_query(
        category=category, is_exception=is_exception, spdx_listed=spdx_listed, q=q
    )
    stmt = stmt.order_by(func.lower(License.spdx_id)).limit(limit)
    if after is not None:
        stmt = stmt.where(func.lower(License.spdx_id) > after)
    return session.scalars(stmt).all()


def categories(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(
        select(License.category, func.count())
        .where(License.category.is_not(None))
        .group_by(License.category)
        .order_by(License.category)
    ).all()
    return [(str(c), int(n)) for c, n in rows]
