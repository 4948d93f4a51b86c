"""Shared benchmark plumbing: a throwaway database, migrated, on the configured server
(``DATABASE_URL``) or on an embedded one."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from app.config import to_libpq_url, to_psycopg_url
from app.ops.bootstrap import migrate_and_seed


@contextmanager
def scratch_database() -> Iterator[Engine]:
    external = os.environ.get("DATABASE_URL")
    server = None
    if external:
        base = make_url(to_psycopg_url(external))
    else:
        from app.embedded.servers import start_postgres

        server = start_postgres(Path(tempfile.mkdtemp(prefix="cc-bench-")), delete_on_stop=True)
        base = make_url(to_psycopg_url(server.url))
    name = f"cc_bench_{uuid.uuid4().hex[:8]}"
    admin = to_libpq_url(base.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = create_engine(base.set(database=name))
    try:
        migrate_and_seed(engine)
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if server is not None:
            server.stop()


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
