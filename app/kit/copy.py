"""Bulk writes through PostgreSQL's binary ``COPY``: the one helper of every bulk
writer (the scan's archive writer, the forge dump import, the benchmarks' fillers).

DESIGN.md measured COPY at roughly 20x per-row inserts. Rows usually go into a
temporary table (:func:`temp_table`) first, then into the real tables with one
``INSERT ... SELECT ... ON CONFLICT`` per batch, so a re-run adds nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

# A column and its PostgreSQL type, by name ("int8", "bytea"...) or oid. Binary COPY
# sends each value in its type's binary form; an enum's is its label, so enum columns
# travel as "text".
Column = tuple[str, str | int]


def driver(connection: Session | psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    """The psycopg connection of a session (inside its transaction), or the one given."""
    if isinstance(connection, psycopg.Connection):
        return connection
    raw = connection.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    return raw


def temp_table(session: Session, name: str, ddl: str) -> None:
    """An empty temporary table ``name (ddl)``, dropped when the transaction ends."""
    session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({ddl}) ON COMMIT DROP"))
    session.execute(text(f"TRUNCATE {name}"))


def copy_rows(
    connection: Session | psycopg.Connection[Any],
    table: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
) -> int:
    """``COPY table (columns) FROM STDIN`` in binary; returns how many rows went."""
    names = ", ".join(name for name, _ in columns)
    written = 0
    with (
        driver(connection).cursor() as cur,
        cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types([pg_type for _, pg_type in columns])
        for row in rows:
            copy.write_row(row)
            written += 1
    return written
