"""SQL for project metadata (one CodeMeta record per origin snapshot)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.models import ProjectMetadata


def upsert_project_metadata(
    session: Session, origin_id: int, snapshot_id: int, values: dict[str, object]
) -> None:
    stmt = insert(ProjectMetadata).values(origin_id=origin_id, snapshot_id=snapshot_id, **values)
    session.execute(
        stmt.on_conflict_do_update(index_elements=["origin_id", "snapshot_id"], set_=values)
    )


def latest_metadata(session: Session, origin_id: int) -> ProjectMetadata | None:
    return session.scalars(
        select(ProjectMetadata)
        .where(ProjectMetadata.origin_id == origin_id)
        .order_by(ProjectMetadata.created_at.desc(), ProjectMetadata.id.desc())
        .limit(1)
    ).first()
