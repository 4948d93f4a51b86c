"""The opt-out stage of a build: the opt-out registry (``app/optouts``) enforced.

A build honours the registry as it is when the build starts: :func:`registry_version`
is recorded on the build and hashed into its intensional fingerprint. Before the
selection runs, :func:`prepare` asks the registry's resolution
(:mod:`app.optouts.resolution`, where the SQL lives) which contents are excluded for
the dataset's purpose at that version, and materializes them once into a temporary
table of the build's transaction; :func:`exclusion_predicate` is then a hash
anti-join probe the compiler puts last in its stage ``CASE``, so the funnel's
``opt_out`` stage counts exactly the files that passed every other filter and an
opt-out removed.

What is excluded (the registry decides; this module only asks):

* the opt-outs **in force at the version**: verified (activated by an event at or
  before it) and not withdrawn by then; pending, refused and unverified requests
  never exclude anything;
* whose reservations **cover the dataset's purpose** (:func:`app.optouts.purposes.covers`:
  the most specific rule at or above the purpose's use decides, an ``unless``
  exception lets through a purpose that makes all its commitments, and between
  opt-outs a disallow wins: one covering opt-out is enough);
* expanded to contents through **any occurrence**: a file whose bytes are in scope
  through one occurrence (an origin, a path inside an origin, an account's origins,
  a revision by an opted-out author, its own SWHID) is excluded wherever else it
  occurs and whichever occurrence the build would have picked as representative:
  a dataset holds bytes, and the same bytes cannot be both in and out. Exceptions
  remove occurrences from their own request's scope only.

The same temporary table gives the set a build excluded for opt-outs (the root of
its Merkle tree is published with the build: :mod:`app.datasets.exclusion`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, column, exists, false, select, table
from sqlalchemy.orm import Session

from app.config import get_settings
from app.optouts import registry, resolution, service


@dataclass
class Prepared:
    """The excluded set of one build or diff, materialized in its transaction."""

    table: str
    version: int
    purpose: str
    total: int
    explanations: list[resolution.Explanation] = field(default_factory=list)


def registry_version(session: Session) -> int:
    """The opt-out registry version a new build honours: the registry's current one
    (0 while it records no event)."""
    return registry.current_version(session)


def queue_withdrawals(session: Session, version: int) -> None:
    """Ask for the withdrawals job (the registry's own trigger, reused)."""
    service.queue_withdrawals(session, version)


def table_name(target: str) -> str:
    return f"optout_x_{target}"[:63]


def prepare(
    session: Session, purpose: str, version: int | None, target: str, *, refresh: bool = True
) -> Prepared | None:
    """Materialize the contents excluded for ``purpose`` at ``version`` (``None``: a
    build made before the registry existed, which honoured nothing: no table).

    ``refresh`` first hashes the authors of revisions archived since the last build
    (author scopes find their revisions through that index; it needs the opt-out
    secret, without which no author opt-out can exist either). Diffs of old builds do
    not refresh: revisions never change, so the index the build saw is still right.
    """
    if version is None:
        return None
    secret = get_settings().optouts_secret
    done = resolution.materialize(
        session,
        purpose,
        version,
        table=table_name(target),
        secret=secret.get_secret_value() if (refresh and secret is not None) else None,
    )
    return Prepared(done.table, done.version, done.purpose, done.total, done.explanations)


def exclusion_predicate(prepared: Prepared | None, content: Any) -> ColumnElement[bool]:
    """SQL: true when the content (``content.id``) is in the prepared excluded set."""
    if prepared is None or prepared.total == 0:
        return false()
    excluded = table(prepared.table, column("content_id"))
    return exists(select(excluded.c.content_id).where(excluded.c.content_id == content.id))


def among_excluded(prepared: Prepared | None, content: Any) -> ColumnElement[bool]:
    """SQL: the content is in the prepared set (a semi-join that drives a scan of the
    set only, for the exclusion tree)."""
    if prepared is None or prepared.total == 0:
        return false()
    excluded = table(prepared.table, column("content_id"))
    found: ColumnElement[bool] = content.id.in_(select(excluded.c.content_id))
    return found
