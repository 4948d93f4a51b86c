"""Engine, sessions and the unit of work.

One unit of work per request or task: the boundary (a FastAPI dependency, a Celery
task, a CLI command) opens it, inner code only flushes, and the boundary commits or
rolls back. Work that must only happen once the data is visible to other processes
(enqueuing a Celery task that reads the new rows) is registered with
:meth:`UnitOfWork.after_commit` and runs after a successful commit, never before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings


def make_engine(settings: Settings, **overrides: Any) -> Engine:
    """An engine with the pool and per-connection settings every process uses."""
    options: dict[str, Any] = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_size,
        "pool_timeout": settings.db_pool_timeout_seconds,
        "pool_pre_ping": True,
    }
    options.update(overrides)
    engine = create_engine(settings.sqlalchemy_url, **options)
    timeout = settings.db_statement_timeout_ms

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(timeout)}")
        dbapi_connection.commit()

    return engine


def unavailable_reason(exc: BaseException) -> str | None:
    """Why the database cannot serve this request for the moment, or None when
    ``exc`` is not such a case (then it is a fault of ours or of the input).

    Three cases are transient and the caller's answer is "retry shortly" (REST: 503
    with ``Retry-After``; GraphQL: the ``unavailable`` code), never an internal error:

    * the server is gone or refuses connections (a restart, a failover): the pool
      drops the dead connections and pre-ping tests the next ones;
    * PostgreSQL refuses one more client (``too many connections``, SQLSTATE 53300);
    * every connection of our pool stayed busy for ``db_pool_timeout_seconds`` (a
      burst larger than the pool).

    Nothing else is, though it may look alike: a statement timeout (a query that slow
    is ours to fix), the rest of SQLSTATE class 53 (a query past ``temp_file_limit``,
    a full disk, out of memory: a retry in two seconds meets them again, and an
    operator must hear of them), and psycopg's own errors without a SQLSTATE on a
    live connection (``number of parameters must be between 0 and 65535``: a request
    too large, which no retry mends). So an error without a SQLSTATE means "cannot be
    reached" only when connecting failed (SQLAlchemy gives it no statement) or the
    connection is broken, and the server's message is read only when connecting.
    """
    if isinstance(exc, PoolTimeout):
        return "every database connection is busy"
    if not isinstance(exc, DBAPIError):
        return None
    import psycopg

    orig = exc.orig
    if not isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError):
        return "the database connection was lost" if exc.connection_invalidated else None
    sqlstate = getattr(orig, "sqlstate", None)
    connecting = exc.statement is None  # the pool failed to open a connection
    # A refused connection carries no SQLSTATE in psycopg, only the server's message.
    if sqlstate == "53300" or (connecting and "too many c" in str(orig)):
        return "the database has no connection free"
    if exc.connection_invalidated or connecting or (sqlstate or "").startswith(("08", "57P")):
        return "the database cannot be reached"
    return None


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return make_engine(get_settings())


@lru_cache(maxsize=1)
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False, autoflush=True)


class UnitOfWork:
    """A session plus the callbacks to run once its transaction has committed."""

    def __init__(
        self, session: Session, actor: str | None = None, *, require_broker: bool = False
    ) -> None:
        self.session = session
        # On whose behalf this work is done (an API key's name, ``cli``...): the
        # authentication dependency sets it, and jobs created here record it.
        self.actor = actor
        self._after_commit: list[Callable[[], None]] = []
        # A request's unit of work refuses to enqueue while the broker is down (503)
        # rather than accept a job only the reaper would send; workers and the CLI
        # leave it off and count on the reaper.
        self.require_broker = require_broker

        # Inner code that only holds the session (a scan hook activating an opt-out)
        # can still queue work after this commit: :func:`current`.
        session.info["uow"] = self

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` only if, and after, this unit of work commits."""
        self._after_commit.append(callback)

    def commit(self) -> None:
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self._after_commit.clear()
        self.session.rollback()


def current(session: Session) -> UnitOfWork | None:
    """The unit of work ``session`` belongs to, if it was opened as one."""
    found = session.info.get("uow")
    return found if isinstance(found, UnitOfWork) and found.session is session else None


@contextmanager
def unit_of_work(
    factory: sessionmaker[Session] | None = None, *, require_broker: bool = False
) -> Iterator[UnitOfWork]:
    """Open a unit of work; commit when the block ends normally, else roll back."""
    session = (factory or get_sessionmaker())()
    uow = UnitOfWork(session, require_broker=require_broker)
    try:
        yield uow
        uow.commit()
    except BaseException:
        uow.rollback()
        raise
    finally:
        session.close()
