"""Test stack: a real PostgreSQL with the migrations applied once per run, one
transaction rolled back per test, and a real Redis.

``DATABASE_URL`` / ``REDIS_URL``, when set, name the servers to use (a throwaway
database is created on that PostgreSQL and dropped afterwards); otherwise embedded
servers are started for the run. Fixtures that start things are lazy: a test that
needs no database starts none.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, to_libpq_url, to_psycopg_url
from app.main import create_app
from app.ops.bootstrap import migrate_and_seed
from tests import factories
from tests.processes import running_worker

TEST_API_KEY = "test-api-key"
# Scanned bytes go to a throwaway object storage (the worker processes inherit it).
OBJECTS_DIR = tempfile.mkdtemp(prefix="codecommons-objects-")
atexit.register(shutil.rmtree, OBJECTS_DIR, ignore_errors=True)
os.environ["CONTENT_STORAGE"] = json.dumps(
    {"cls": "pathslicing", "root": OBJECTS_DIR, "slicing": "0:2/2:4", "compression": "gzip"}
)
ROOT = Path(__file__).resolve().parent.parent
# What the tests' DNS knows (app.scans.sources.resolver): no test reaches the network.
FAKE_DNS: dict[str, list[str]] = {
    "example.org": ["93.184.215.14"],
    "github.com": ["140.82.121.3"],
    "gitlab.com": ["172.65.251.78"],
    "codeberg.org": ["217.197.91.145"],
    "internal.example": ["10.0.0.5"],
    "metadata.example": ["169.254.169.254"],
    "rebind.example": ["93.184.215.14", "127.0.0.1"],
    "v6local.example": ["::1"],
}


def fake_resolver(host: str) -> list[str]:
    from app.scans.sources import SourceRefused

    if host.lower() in FAKE_DNS:
        return list(FAKE_DNS[host.lower()])
    raise SourceRefused(f"cannot resolve host {host!r}")


@pytest.fixture(autouse=True)
def _no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Host names resolve from FAKE_DNS in this process (the API's checks)."""
    from app.scans import sources

    monkeypatch.setattr(sources, "resolver", fake_resolver)


def scan_roots(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Folders submitted scans may read in tests: the repository (demo corpus,
    fixtures) and pytest's temporary directories."""
    return f"{ROOT},{tmp_path_factory.getbasetemp()}"


# Tables whose rows come from migrations/seeding and survive `committed` cleanups.
REFERENCE_TABLES = {"license", "alembic_version"}


@pytest.fixture(scope="session")
def server_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: pytest resets its root to mode 0700 at every session start,
    # and the embedded PostgreSQL runs as another user (when tests run as root) that
    # must be able to reach its data directory.
    path = Path(tempfile.mkdtemp(prefix="codecommons-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(server_dir: Path) -> Iterator[str]:
    """A fresh, empty database for this run."""
    external = os.environ.get("DATABASE_URL")
    if external:
        name = f"codecommons_test_{uuid.uuid4().hex[:8]}"
        admin = make_url(to_psycopg_url(external)).set(database="postgres")
        admin_dsn = to_libpq_url(admin.render_as_string(hide_password=False))
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = make_url(to_psycopg_url(external)).set(database=name)
        yield url.render_as_string(hide_password=False)
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    from app.embedded.servers import start_postgres

    pg = start_postgres(server_dir, database="codecommons_test", delete_on_stop=True)
    yield pg.url
    pg.stop()


@pytest.fixture(scope="session")
def redis_url(server_dir: Path) -> Iterator[str]:
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    from app.embedded.servers import start_redis

    server = start_redis(server_dir / "redis")
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The test database, migrated to head by Alembic exactly as in production."""
    eng = create_engine(to_psycopg_url(database_url), pool_size=5)
    migrate_and_seed(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        if outer.is_active:
            outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Commits inside the code under test become savepoint releases: the outer
    # transaction still rolls everything back.
    return sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    factories.bind(session)
    yield session
    session.close()


@pytest.fixture
def settings(
    database_url: str,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Settings]:
    """The test configuration, set the way production sets it: in the environment,
    so process-wide readers (the Celery producer) see the same as the app."""
    from app.config import get_settings
    from app.kit.celery import get_celery

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("API_KEYS", TEST_API_KEY)
    monkeypatch.setenv("SCAN_LOCAL_ROOTS", scan_roots(tmp_path_factory))
    monkeypatch.setenv("LOAD_DEMO", "false")
    # Every test client shares one address, and the limiters' counters live in Redis
    # across tests of the same minute: the limits have their own tests (which set
    # their own, and count under a prefix of their own).
    monkeypatch.setenv("RATE_LIMIT_ENABLED", "false")
    monkeypatch.setenv("OPTOUTS_REQUESTS_PER_MINUTE", "100000")
    monkeypatch.setenv("OPTOUTS_TOKEN_FAILURES_PER_MINUTE", "100000")
    get_settings.cache_clear()
    get_celery.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    get_celery.cache_clear()


@pytest.fixture
def client(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], db: Session
) -> Iterator[TestClient]:
    app = create_app(settings, engine=engine, session_factory=session_factory)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_API_KEY}"}


# --- tests whose data must be visible to other processes (a real Celery worker) ---


@pytest.fixture
def committed_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions that really commit; every non-reference table is emptied afterwards."""
    yield sessionmaker(bind=engine, expire_on_commit=False)
    with engine.begin() as conn:
        tables = (
            conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
        wiped = [t for t in tables if t not in REFERENCE_TABLES]
        if wiped:
            conn.execute(text(f"TRUNCATE {', '.join(wiped)} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def worker_env(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        LOG_LEVEL="INFO",
        SCAN_LOCAL_ROOTS=scan_roots(tmp_path_factory),
    )
    return env


@pytest.fixture(scope="session")
def celery_worker(engine: Engine, worker_env: dict[str, str], server_dir: Path) -> Iterator[None]:
    """A real Celery worker process consuming from the real broker."""
    with running_worker(worker_env, server_dir / "worker.log", concurrency=2):
        yield


# --- fault tests: a broker of their own, workers they can kill (tests/processes.py) ---


@pytest.fixture
def own_redis() -> Iterator[str]:
    """A private redis-server (``app.embedded.servers``), never the shared one: the
    session's ``celery_worker`` cannot take a fault test's tasks, and a test that
    stops its broker stops nobody else's."""
    from app.embedded.servers import start_redis

    folder = Path(tempfile.mkdtemp(prefix="cc-redis-"))  # short: a socket path's limit
    server = start_redis(folder)
    yield server.url
    try:
        server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fault_env(
    settings: Settings, database_url: str, own_redis: str, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., dict[str, str]]:
    """``fault_env(JOB_LEASE_SECONDS="2", ...)``: the environment of worker processes
    on the test database and the private broker; this process (which submits jobs and
    runs the reaper) is switched to the same broker and settings."""
    from app.config import get_settings
    from app.kit.celery import get_celery

    def env_for(**extra: str) -> dict[str, str]:
        values = {"REDIS_URL": own_redis, "DATABASE_URL": database_url, **extra}
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        get_celery.cache_clear()
        return {**os.environ, "LOG_LEVEL": "INFO", **values}

    return env_for
