"""Alembic environment: online migrations against the configured database.

A caller may hand over an open connection in ``config.attributes["connection"]``
(tests do, to migrate a throwaway database); otherwise the URL comes from the
``sqlalchemy.url`` option or, by default, from the service settings.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from app.config import get_settings
from app.datasets.repository import is_build_partition
from app.models import Base

config = context.config
target_metadata = Base.metadata


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave out tables the application creates at run time: each dataset build's
    manifest partition (and its indexes) is data, not schema history."""
    del parent_names
    if type_ in {"table", "index"} and name is not None:
        return not is_build_partition(name)
    return True


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=_include_name,
        compare_type=True,
        compare_server_default=False,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().sqlalchemy_url
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
