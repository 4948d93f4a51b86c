"""Resolution: which contents the registry excludes for a purpose at a version.

What a dataset build calls (issue 12). The opt-outs that apply are decided in Python
(few rows: those active at the version whose reservations cover the purpose, by
:func:`app.optouts.purposes.covers`); expanding their scopes to contents is one SQL
statement over the archive tables, returned as text plus parameters so that a build
can use it inside its own ``INSERT ... SELECT`` (``WHERE NOT EXISTS (SELECT 1 FROM
(<exclusion>) x WHERE x.content_id = c.id)``) or materialize it once into a temporary
table with :func:`materialize` (one hash anti-join for the build, the cheapest plan
at tens of millions of rows).

Scopes, as the branches below expand them (``app/optouts/scopes.py`` has examples):

* ``account``: every occurrence in every origin whose owner is the account, known by
  the forge's stable id (renames change nothing), plus origins recorded under an
  owner the forge gave no id for whose login is one the account has held
  (``owner_login``: the account's previous logins) or its login at the request;
* ``origin``: every occurrence in the origin; ``path``: those whose path matches the
  pattern (the glob of :mod:`app.optouts.scopes`, over ``encode(path, 'escape')``);
* ``content``: the content with that ``sha1_git``, wherever it occurs;
* ``author``: every occurrence recorded for a revision whose author address hashes
  to one of the request's identities.

Exceptions remove occurrences from their own request's scope (an origin, a path
pattern inside an origin, a content). A content is excluded when ANY of its
occurrences is in the scope of an applicable request: a path opt-out of
``alice/tools`` ``src/**`` excludes ``util.py``'s bytes from a dataset even when the
build would have represented them by their copy in ``bob/fork``.

Every branch starts from the few requests and walks indexes outwards: an origin's
occurrences by ``path_occurrence (origin_id, ...)``, an account's origins by
``origin.owner_id``, a content by ``content.sha1_git``, an author's revisions by
``optout_revision_author.email_hash`` then ``path_occurrence.revision_id``. The cost is
proportional to what is excluded, not to the archive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, insert, or_, select, text
from sqlalchemy.orm import Session

from app.models import OptoutRequest, OptoutRevisionAuthor, Revision
from app.optouts.identity import author_email, email_hash
from app.optouts.purposes import Purpose, Rule, Statement, covers

# (content_id, request_id) for every occurrence that brings a content into scope.
_EXCEPTED = """
    NOT EXISTS (
        SELECT 1 FROM optout_exception e
        WHERE e.request_id = r.id AND (
            (e.origin_id = po.origin_id
             AND (e.path_regex IS NULL OR encode(po.path, 'escape') ~ e.path_regex))
            OR (e.content_sha1_git IS NOT NULL
                AND e.content_sha1_git = (SELECT sha1_git FROM content WHERE id = po.content_id))
        )
    )"""

_BRANCHES = f"""
    SELECT po.content_id, r.id AS request_id
    FROM optout_request r
    JOIN path_occurrence po ON po.origin_id = r.origin_id
    WHERE r.id = ANY(CAST(:{{ids}} AS bigint[])) AND r.scope_kind = 'origin' AND {_EXCEPTED}
  UNION ALL
    SELECT po.content_id, r.id
    FROM optout_request r
    JOIN path_occurrence po ON po.origin_id = r.origin_id
    WHERE r.id = ANY(CAST(:{{ids}} AS bigint[])) AND r.scope_kind = 'path'
      AND encode(po.path, 'escape') ~ r.path_regex AND {_EXCEPTED}
  UNION ALL
    SELECT c.id, r.id
    FROM optout_request r
    JOIN content c ON c.sha1_git = r.content_sha1_git
    WHERE r.id = ANY(CAST(:{{ids}} AS bigint[])) AND r.scope_kind = 'content'
  UNION ALL
    SELECT po.content_id, r.id
    FROM optout_request r
    JOIN forge f ON f.name = r.forge
    JOIN owner o ON o.forge_id = f.id
        AND (o.native_id = r.account_id
             OR (o.native_id IS NULL AND lower(o.login) IN (
                 SELECT lower(r.account_login)
                 UNION
                 SELECT lower(ol.login) FROM owner oi
                 JOIN owner_login ol ON ol.owner_id = oi.id
                 WHERE oi.forge_id = f.id AND oi.native_id = r.account_id)))
    JOIN origin og ON og.owner_id = o.id
    JOIN path_occurrence po ON po.origin_id = og.id
    WHERE r.id = ANY(CAST(:{{ids}} AS bigint[])) AND r.scope_kind = 'account' AND {_EXCEPTED}
  UNION ALL
    SELECT po.content_id, r.id
    FROM optout_request r
    JOIN optout_identity i ON i.request_id = r.id
    JOIN optout_revision_author ra ON ra.email_hash = i.email_hash
    JOIN path_occurrence po ON po.revision_id = ra.revision_id
    WHERE r.id = ANY(CAST(:{{ids}} AS bigint[])) AND r.scope_kind = 'author' AND {_EXCEPTED}
"""


def _pairs(ids_param: str) -> str:
    return _BRANCHES.replace("{ids}", ids_param)


@dataclass(frozen=True)
class ExclusionQuery:
    """``SELECT content_id ...`` (distinct) and its bind parameters."""

    sql: str
    params: dict[str, Any]
    version: int
    purpose: str
    requests: tuple[int, ...]


@dataclass
class Explanation:
    """One applicable opt-out and how many contents it brings into scope (others may
    bring the same ones: the counts overlap, the total does not)."""

    request: str
    scope_kind: str
    method: str
    contents: int


@dataclass
class Materialized:
    table: str
    version: int
    purpose: str
    total: int
    explanations: list[Explanation] = field(default_factory=list)


def active_at(version: int) -> Any:
    """Requests in force at a registry version (activated by then, not yet withdrawn)."""
    return and_(
        OptoutRequest.activated_version.is_not(None),
        OptoutRequest.activated_version <= version,
        or_(
            OptoutRequest.withdrawn_version.is_(None),
            OptoutRequest.withdrawn_version > version,
        ),
    )


def statement_of(rules: Iterable[str]) -> Statement:
    return Statement(tuple(Rule.parse(r) for r in rules))


def applicable(session: Session, purpose: Purpose | str, version: int) -> list[OptoutRequest]:
    """The opt-outs in force at ``version`` whose reservations cover ``purpose``."""
    if isinstance(purpose, str):
        purpose = Purpose.parse(purpose)
    rows = session.scalars(select(OptoutRequest).where(active_at(version))).all()
    return [r for r in rows if covers(statement_of(r.rules), purpose)]


def exclusion_query(
    session: Session, purpose: Purpose | str, version: int, *, param: str = "optout_ids"
) -> ExclusionQuery:
    """The contents excluded for ``purpose`` at ``version``, as SQL for a build."""
    purpose = Purpose.parse(purpose) if isinstance(purpose, str) else purpose
    _check_param(param)
    ids = tuple(r.id for r in applicable(session, purpose, version))
    sql = f"SELECT DISTINCT x.content_id FROM ({_pairs(param)}) AS x"
    return ExclusionQuery(sql, {param: list(ids)}, version, purpose.canonical(), ids)


def newly_excluded_query(
    session: Session, purpose: Purpose | str, since: int, until: int
) -> ExclusionQuery:
    """Contents excluded at ``until`` that were not at ``since`` (a build made at
    ``since`` must withdraw them). Computed on today's archive, so both sides see the
    same occurrences and only the registry's change shows."""
    purpose = Purpose.parse(purpose) if isinstance(purpose, str) else purpose
    before = tuple(r.id for r in applicable(session, purpose, since))
    after = tuple(r.id for r in applicable(session, purpose, until))
    sql = (
        f"SELECT x.content_id FROM ({_pairs('optout_ids_after')}) AS x "
        f"EXCEPT SELECT y.content_id FROM ({_pairs('optout_ids_before')}) AS y"
    )
    params = {"optout_ids_after": list(after), "optout_ids_before": list(before)}
    return ExclusionQuery(sql, params, until, purpose.canonical(), after)


def excluded_ids(session: Session, query: ExclusionQuery) -> set[int]:
    """Run a query and collect its ids (tests and small callers; builds stay in SQL)."""
    return {int(v) for v in session.execute(text(query.sql), query.params).scalars()}


def materialize(
    session: Session,
    purpose: Purpose | str,
    version: int,
    *,
    table: str = "optout_excluded",
    secret: str | None = None,
) -> Materialized:
    """Fill a temporary table (dropped at commit) with the excluded content ids and
    count what each applicable opt-out contributes."""
    _check_param(table)
    if secret:
        refresh_author_index(session, secret)
    purpose = Purpose.parse(purpose) if isinstance(purpose, str) else purpose
    requests = {r.id: r for r in applicable(session, purpose, version)}
    ids = list(requests)
    session.execute(text(f"DROP TABLE IF EXISTS {table}"))
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE {table} (content_id bigint PRIMARY KEY, "
            "request_ids bigint[] NOT NULL) ON COMMIT DROP"
        )
    )
    session.execute(
        text(
            f"INSERT INTO {table} (content_id, request_ids) "
            f"SELECT x.content_id, array_agg(DISTINCT x.request_id) "
            f"FROM ({_pairs('ids')}) AS x GROUP BY x.content_id"
        ),
        {"ids": ids},
    )
    session.execute(text(f"ANALYZE {table}"))
    total = int(session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
    counts: dict[int, int] = dict(
        session.execute(
            text(f"SELECT r, count(*) FROM {table}, unnest(request_ids) AS r GROUP BY r")
        ).all()
    )
    explanations = [
        Explanation(r.public_id, r.scope_kind, r.method, int(counts.get(r.id, 0)))
        for r in sorted(requests.values(), key=lambda r: r.id)
    ]
    return Materialized(table, version, purpose.canonical(), total, explanations)


def materialize_requests(session: Session, ids: Iterable[int], *, table: str) -> int:
    """Fill a temporary table (dropped at commit) with the contents these requests'
    scopes cover, whatever their state and purposes (an author's view of one request:
    what it covers, not whether it applies to a given build). Returns how many."""
    _check_param(table)
    session.execute(text(f"DROP TABLE IF EXISTS {table}"))
    session.execute(
        text(f"CREATE TEMPORARY TABLE {table} (content_id bigint PRIMARY KEY) ON COMMIT DROP")
    )
    session.execute(
        text(
            f"INSERT INTO {table} (content_id) SELECT DISTINCT x.content_id "
            f"FROM ({_pairs('ids')}) AS x"
        ),
        {"ids": list(ids)},
    )
    session.execute(text(f"ANALYZE {table}"))
    return int(session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


def explain(session: Session, purpose: Purpose | str, version: int) -> list[Explanation]:
    """Per opt-out counts without a temporary table (for the API and the CLI)."""
    purpose = Purpose.parse(purpose) if isinstance(purpose, str) else purpose
    requests = applicable(session, purpose, version)
    counts: dict[int, int] = dict(
        session.execute(
            text(
                f"SELECT x.request_id, count(DISTINCT x.content_id) FROM ({_pairs('ids')}) AS x "
                "GROUP BY x.request_id"
            ),
            {"ids": [r.id for r in requests]},
        ).all()
    )
    return [
        Explanation(r.public_id, r.scope_kind, r.method, int(counts.get(r.id, 0))) for r in requests
    ]


def refresh_author_index(session: Session, secret: str, batch: int = 10_000) -> int:
    """Hash the author address of every revision not indexed yet; returns how many.

    In Python because the key must not reach the database (a keyed hash computed in
    SQL would put the key in statements and their logs). Incremental: revisions are
    written once and never change, so each call only reads the new ones.
    """
    done = 0
    while True:
        rows = session.execute(
            select(Revision.id, Revision.author)
            .outerjoin(OptoutRevisionAuthor, OptoutRevisionAuthor.revision_id == Revision.id)
            .where(OptoutRevisionAuthor.revision_id.is_(None))
            .order_by(Revision.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        values = []
        for rev_id, author in rows:
            address = author_email(bytes(author) if author is not None else None)
            values.append(
                {
                    "revision_id": rev_id,
                    "email_hash": email_hash(address, secret) if address else None,
                }
            )
        session.execute(insert(OptoutRevisionAuthor), values)
        done += len(values)


def _check_param(name: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a usable SQL name: {name!r}")
