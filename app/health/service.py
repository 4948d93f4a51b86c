"""What 'ready' means: the database answers, its schema is at head, the broker answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from app.kit.migrations import current_revision, head_revision
from app.kit.redis import make_redis


@dataclass
class Check:
    ok: bool
    detail: str
    extra: dict[str, object] = field(default_factory=dict)


def check_database(engine: Engine) -> tuple[Check, Check]:
    """(database reachable, migrations at head)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not reachable"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        down = Check(False, f"database unreachable: {reason}")
        return down, Check(False, "unknown: database unreachable")
    head = head_revision()
    current = current_revision(engine)
    migrations = Check(
        current == head,
        "at head"
        if current == head
        else f"schema at {current or 'empty'}, code expects {head} (run `codecommons migrate`)",
        {"current": current, "head": head},
    )
    return Check(True, "reachable"), migrations


def check_broker(url: str | None) -> Check:
    if url is None:
        return Check(False, "REDIS_URL is not set")
    try:
        make_redis(url).ping()
    except Exception as exc:  # any client error means "not reachable"
        return Check(False, f"broker unreachable: {exc}")
    return Check(True, "reachable")
