"""Turn operator errors into one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import ProgrammingError as SAProgrammingError

from app.config import ConfigurationError
from app.kit.db import unavailable_reason

T = TypeVar("T")


class CLIError(Exception):
    """A user-facing failure; the message is printed as is."""


def describe(exc: BaseException) -> str | None:
    """One line for an error the operator can fix, or None for a real bug."""
    if isinstance(exc, CLIError | ConfigurationError):
        return str(exc)
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())).upper() or "settings"
        return f"invalid setting {where}: {first.get('msg')}"
    if (transient := unavailable_reason(exc)) is not None and not isinstance(exc, OperationalError):
        return f"{transient}; retry shortly"  # a pool timeout
    if isinstance(exc, OperationalError):
        reason = str(exc.orig or exc).strip().splitlines()[0]
        return f"cannot reach the database: {reason}"
    if isinstance(exc, SAProgrammingError) and "does not exist" in str(exc.orig):
        reason = str(exc.orig).strip().splitlines()[0]
        return f"the database schema is missing or old ({reason}); run `codecommons migrate`"
    return None


def run_cli(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:
        message = describe(exc)
        if message is None:
            raise
        print(f"codecommons: error: {message}", file=sys.stderr)
        raise SystemExit(2) from None
