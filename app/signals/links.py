"""Origins that share signals: a package and the repository it declares are one
project (domains, importance inputs and advisories pass between them), so a batch of
origins is computed from the batch and the origins linked to it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Origin


def linked_origins(session: Session, origin_ids: Sequence[int]) -> list[int]:
    """These origins and the ones they share signals with: the repository each
    package declares, and the packages declaring each as their repository."""
    ids = list(origin_ids)
    found: set[int | None] = set(ids)
    found |= set(
        session.scalars(
            select(Origin.repository_origin_id).where(
                Origin.id.in_(ids), Origin.repository_origin_id.is_not(None)
            )
        ).all()
    )
    found |= set(session.scalars(select(Origin.id).where(Origin.repository_origin_id.in_(ids))))
    return sorted(i for i in found if i is not None)
