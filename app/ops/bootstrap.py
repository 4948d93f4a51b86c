"""Bring a database to the state the code expects: schema at head, catalog seeded."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.kit import migrations
from app.licenses.catalog import iter_catalog
from app.licenses.repository import upsert_catalog


@dataclass(frozen=True)
class BootstrapSummary:
    revision: str | None
    licenses: int


def seed_reference_data(session: Session) -> int:
    """Reference data derived from installed packages (idempotent upserts)."""
    return upsert_catalog(session, iter_catalog())


def migrate_and_seed(engine: Engine, revision: str = "head") -> BootstrapSummary:
    migrations.upgrade(engine, revision)
    with Session(engine) as session, session.begin():
        licenses = seed_reference_data(session)
    return BootstrapSummary(revision=migrations.current_revision(engine), licenses=licenses)
