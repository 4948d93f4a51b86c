"""The Alembic history is the only source of the schema: it upgrades from empty to
head, downgrades back to empty, and matches the ORM models exactly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import make_url

from app.config import to_libpq_url, to_psycopg_url
from app.kit import migrations
from app.models import Base


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    url = make_url(to_psycopg_url(database_url))
    name = f"cc_migrations_{uuid.uuid4().hex[:8]}"
    admin = to_libpq_url(url.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = create_engine(url.set(database=name))
    yield engine
    engine.dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_upgrade_to_head_then_downgrade_to_empty(empty_engine: Engine) -> None:
    migrations.upgrade(empty_engine)
    assert migrations.current_revision(empty_engine) == migrations.head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    migrations.downgrade(empty_engine, "base")
    left = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert left == set()
    with empty_engine.connect() as conn:
        types = (
            conn.exec_driver_sql(
                "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE n.nspname = 'public' AND t.typtype = 'e'"
            )
            .scalars()
            .all()
        )
    assert types == []
    migrations.upgrade(empty_engine)  # and up again: the downgrade left nothing behind


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_job_kinds_are_renamed_both_ways(empty_engine: Engine) -> None:
    """0005 renames the stored kinds of existing jobs, and its downgrade restores them."""
    migrations.upgrade(empty_engine, "0004")
    old = ["demo", "archive.scan", "facts.neardup", "forges.import", "papers.resolve"]
    with empty_engine.begin() as conn:
        for kind in old:
            conn.exec_driver_sql("INSERT INTO job (kind) VALUES (%s)", (kind,))

    def kinds() -> list[str]:
        with empty_engine.connect() as conn:
            return list(conn.exec_driver_sql("SELECT kind FROM job ORDER BY id").scalars())

    migrations.upgrade(empty_engine, "0005")
    assert kinds() == [
        "jobs.demo",
        "scans.scan",
        "neardups.recluster",
        "forges.import",
        "papers.resolve",
    ]
    migrations.downgrade(empty_engine, "0004")
    assert kinds() == old
