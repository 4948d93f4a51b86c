"""The opt-out stage of a build: where the opt-out registry (issue 13) plugs in.

NOT ENFORCING ANYTHING YET. Until the registry of ``app/optouts`` is merged, the
stage excludes nothing and the registry version is ``None``; the funnel reports the
stage with 0 files removed and cards say that no opt-out registry was consulted. The
lead wires the two functions below to the registry: everything else (the stage's
place in the funnel, the version recorded on the build and hashed into its
intensional fingerprint, the cards) already goes through them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import Session


def registry_version(session: Session) -> int | None:
    """The opt-out registry version a new build honours (to wire: the registry's
    current version). ``None``: no registry consulted."""
    del session
    return None


def exclusion_predicate(
    purpose: str, registry_version: int | None, content: Any, representative: Any
) -> ColumnElement[bool]:
    """SQL: true when the content (columns of ``content``; its representative
    occurrence in ``representative``) is opted out for ``purpose`` at
    ``registry_version`` (to wire: scopes of forge account, origin, path pattern,
    content SWHID and author, filtered by purpose). Today: never."""
    del purpose, registry_version, content, representative
    return false()
