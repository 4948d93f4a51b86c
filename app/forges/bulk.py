"""The batch fast path of forge ingestion: the rows of :func:`app.forges.ingest.ingest`,
written set-based.

Why it exists: per payload, the ORM path issues about sixteen statements, which caps a
dump import at tens of records per second; DESIGN.md asks for bulk writes through
COPY. :func:`ingest_batch` gives every envelope the outcome (and leaves exactly the
rows) that calling ``ingest()`` on each envelope in order would, with the guarantees
listed in :mod:`app.forges.ingest`:

1. hashing and mapping are pure and done first, for the whole batch;
2. one query finds the payloads already stored; a payload repeated inside the batch is
   stored once and the later copies are "unchanged", as they would be one by one;
3. the new raw rows (the unmappable ones too) go straight into ``raw_metadata`` by
   binary COPY, with ids drawn from its sequence beforehand (the payload bytes travel
   once, and no RETURNING order has to be trusted);
4. the mapped payloads are walked in batch order and cut into *runs*. A run holds the
   common case only: one origin record (a new origin, or an existing one found by its
   forge id, or by its URL when it has none), no rename or former URL, no URL another
   origin holds or held, an owner with a forge id and no account known by its login
   alone, a fork parent found by its forge id (or the one origin that ever held its
   URL), a payload strictly newer than the stored one, and no origin shared with
   another record of the same run. A run is written with a handful of set-based
   statements (:func:`_write_run`): owners upserted by forge id where the payload is
   the newest naming them, each login's and URL's period widened. Anything else
   (renames, transfers, reused URLs, placeholders to identify, issue pages, fork
   parents to create, older or equally old payloads) goes through the per-record
   :func:`~app.forges.ingest.apply_mapped`, in its savepoint, at its place in the
   order, so its behaviour is the reference one;
5. because an earlier record changes what a later one finds, a run's classification is
   redone (a few set-based lookups) whenever something was written since it was made.

A payload is still applied whole or not at all: a run's statements either all succeed
or the caller rolls the batch back (``import_lines`` then redoes it record by record).
Writes that find the database other than the classification saw it (a concurrent
import) raise :class:`ConcurrentChange` rather than guess.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.forges import repository as repo
from app.forges.envelope import Envelope
from app.forges.errors import UnmappablePayload
from app.forges.ingest import IngestOutcome, apply_mapped
from app.forges.mappers import map_envelope
from app.forges.records import MappedPayload, OriginRecord
from app.kit.copy import copy_rows as _copy
from app.kit.copy import temp_table as _temp
from app.kit.swhid import origin_swhid_id
from app.models import RawMetadata

MIN_WINDOW = 16  # records re-classified at once after a write, at least
# Payload formats whose per-record application does more than the origin rows this
# module writes (``apply_mapped`` records PyPI "Paper" project URLs as paper links):
# they always take the per-record path, so that work has a single implementation.
PER_RECORD_FORMATS = frozenset({"pypi-project-json"})


RawKey = tuple[str, str, str, str | None, bytes]  # authority, format, kind, source URL, sha256


class ConcurrentChange(RuntimeError):
    """The database changed under the batch (another writer): redo it record by record."""


# What a caller catches to redo a batch record by record: database errors, through
# SQLAlchemy or straight from psycopg (COPY), and a change seen under the batch.
FAST_PATH_ERRORS: tuple[type[Exception], ...] = (DBAPIError, psycopg.Error, ConcurrentChange)


@dataclass(slots=True)
class _Item:
    """One envelope of the batch, as it goes through the stages."""

    pos: int
    env: Envelope
    digest: bytes
    fetched_at: datetime
    mapped: MappedPayload | None = None
    error: str | None = None
    raw_id: int | None = None

    @property
    def raw_key(self) -> RawKey:
        """What makes two payloads "the same" (see ``repository.find_raw``)."""
        return (self.env.authority, self.env.format, self.env.kind, self.env.url, self.digest)


@dataclass(frozen=True, slots=True)
class _Plan:
    """How the fast path writes one mapped origin record (decided from the database)."""

    item: _Item
    rec: OriginRecord
    origin_id: int | None  # the existing origin to update; None: a new one
    fork_parent_id: int | None
    last_fetched_at: datetime | None
    repository_origin_id: int | None
    own: frozenset[tuple[str, ...]] = field(default_factory=frozenset)  # its identity
    refs: frozenset[tuple[str, ...]] = field(default_factory=frozenset)  # what it points to


class _UrlHit(NamedTuple):
    """An origin that holds a URL (its current one) or held it (seen there before)."""

    origin_id: int
    native_id: str | None
    current: bool
    last_fetched_at: datetime | None


class _NativeHit(NamedTuple):
    origin_id: int
    url: str
    last_fetched_at: datetime | None


def ingest_batch(session: Session, envelopes: Sequence[Envelope]) -> list[IngestOutcome]:
    """Store and normalize ``envelopes``: the outcomes (one per envelope, same order)
    and the rows of calling ``ingest(session, env)`` on each in turn."""
    items = [_prepare(n, env) for n, env in enumerate(envelopes)]
    if not items:
        return []
    session.flush()
    outcomes: list[IngestOutcome | None] = [None] * len(items)
    first_of: dict[int, int] = {}  # position of an in-batch duplicate -> of its first copy
    existing = _find_stored(session, items)
    new: list[_Item] = []
    seen: dict[RawKey, int] = {}
    for item in items:
        found = existing.get(item.raw_key)
        if found is not None:
            outcomes[item.pos] = IngestOutcome("unchanged", found[0], origin_id=found[1])
        elif item.raw_key in seen:
            first_of[item.pos] = seen[item.raw_key]
        else:
            seen[item.raw_key] = item.pos
            new.append(item)
    _store_raw(session, new)
    for item in new:
        if item.mapped is None:
            outcomes[item.pos] = IngestOutcome("failed", item.raw_id, error=item.error)
    for pos, outcome in _apply(session, [i for i in new if i.mapped is not None]).items():
        outcomes[pos] = outcome
    for pos, first in first_of.items():
        done = outcomes[first]
        assert done is not None
        outcomes[pos] = IngestOutcome("unchanged", done.raw_metadata_id, origin_id=done.origin_id)
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


def _prepare(pos: int, env: Envelope) -> _Item:
    item = _Item(
        pos=pos,
        env=env,
        digest=hashlib.sha256(env.payload_bytes).digest(),
        fetched_at=env.fetched_at or datetime.now(UTC),
    )
    try:
        item.mapped = map_envelope(
            env.authority, env.format, env.kind, env.payload, source_url=env.url
        )
    except UnmappablePayload as exc:
        item.error = str(exc)
    return item


# --- raw payloads -------------------------------------------------------------------


def _find_stored(session: Session, items: Sequence[_Item]) -> dict[RawKey, tuple[int, int | None]]:
    """Raw rows already stored for these payloads: key -> (id, origin_id), in one query."""
    keys = list({item.raw_key for item in items})
    rows = session.execute(
        text(
            "SELECT k.authority, k.format, k.kind, k.source_url, k.sha256, r.id, r.origin_id "
            "FROM unnest(CAST(:authorities AS text[]), CAST(:formats AS text[]), "
            "CAST(:kinds AS text[]), CAST(:urls AS text[]), CAST(:digests AS bytea[])) "
            "AS k(authority, format, kind, source_url, sha256) "
            "JOIN LATERAL (SELECT id, origin_id FROM raw_metadata "
            "  WHERE raw_metadata.sha256 = k.sha256 AND raw_metadata.authority = k.authority "
            "  AND raw_metadata.format = k.format AND raw_metadata.kind = k.kind "
            "  AND raw_metadata.source_url IS NOT DISTINCT FROM k.source_url "
            "  ORDER BY id LIMIT 1) AS r ON true"
        ),
        {
            "authorities": [k[0] for k in keys],
            "formats": [k[1] for k in keys],
            "kinds": [k[2] for k in keys],
            "urls": [k[3] for k in keys],
            "digests": [k[4] for k in keys],
        },
    )
    return {(a, f, k, u, bytes(d)): (rid, oid) for a, f, k, u, d, rid, oid in rows}


def _store_raw(session: Session, items: Sequence[_Item]) -> None:
    """COPY the new payloads verbatim into ``raw_metadata`` (ids taken beforehand)."""
    if not items:
        return
    ids = sorted(
        session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('raw_metadata', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": len(items)},
        ).scalars()
    )
    for item, raw_id in zip(items, ids, strict=True):
        item.raw_id = int(raw_id)
    _copy(
        session,
        "raw_metadata",
        [
            ("id", "int8"),
            ("authority", "text"),
            ("format", "text"),
            ("kind", "text"),
            ("source_url", "text"),
            ("fetcher_name", "text"),
            ("fetcher_version", "text"),
            ("fetched_at", "timestamptz"),
            ("etag", "text"),
            ("payload", "bytea"),
            ("sha256", "bytea"),
        ],
        (
            (
                i.raw_id,
                i.env.authority,
                i.env.format,
                i.env.kind,
                i.env.url,
                i.env.fetcher_name,
                i.env.fetcher_version,
                i.fetched_at,
                i.env.etag,
                i.env.payload_bytes,
                i.digest,
            )
            for i in items
        ),
    )


# --- runs: which records the fast path takes ------------------------------------------


def _apply(session: Session, items: Sequence[_Item]) -> dict[int, IngestOutcome]:
    """Apply mapped payloads in order: runs of simple ones in bulk, the others one by one."""
    outcomes: dict[int, IngestOutcome] = {}
    plans = _classify(session, items)
    valid_to = len(items)  # plans before this index reflect the current database
    window = MIN_WINDOW
    forges: dict[str, int] = {}
    i = 0
    while i < len(items):
        if plans[i] is None:  # the per-record path is always right: no re-check needed
            outcomes[items[i].pos] = _apply_one(session, items[i])
            i += 1
            valid_to = i
            continue
        if i >= valid_to:
            end = i
            while end < len(items) and end < i + window and plans[end] is not None:
                end += 1
            plans[i:end] = _classify(session, items[i:end])
            valid_to = end
            if plans[i] is None:
                continue
        run: list[_Plan] = []
        own: set[tuple[str, ...]] = set()
        refs: set[tuple[str, ...]] = set()
        while i < valid_to:
            plan = plans[i]
            if plan is None or plan.own & (own | refs) or plan.refs & own:
                break  # next one is slow, or depends on this run's writes: re-classify
            run.append(plan)
            own |= plan.own
            refs |= plan.refs
            i += 1
        outcomes.update(_write_run(session, run, forges))
        window = max(MIN_WINDOW, 2 * len(run))
        valid_to = i
    return outcomes


def _apply_one(session: Session, item: _Item) -> IngestOutcome:
    raw = session.get(RawMetadata, item.raw_id)
    assert raw is not None
    assert item.mapped is not None
    return apply_mapped(session, raw, item.mapped, origin_hint=item.env.origin)


def _keys(host: str, url: str | None, native_id: str | None) -> set[tuple[str, ...]]:
    keys: set[tuple[str, ...]] = set()
    if url:
        keys.add(("url", url))
    if native_id:
        keys.add(("native", host, native_id))
    return keys


def _classify(session: Session, items: Sequence[_Item]) -> list[_Plan | None]:
    """A fast-path plan for each record it can take (see the module docstring), else None.

    Mirrors the lookups of ``ingest._apply_origin``, for all records in a few queries.
    """
    recs: list[OriginRecord | None] = []
    for item in items:
        mapped = item.mapped
        rec = mapped.origin if mapped is not None and not mapped.issues else None
        if item.env.format in PER_RECORD_FORMATS:
            rec = None
        if rec is not None and rec.previous_urls:
            rec = None
        if rec is not None and rec.owner is not None and rec.owner.native_id is None:
            rec = None  # an owner known by login only: matched one by one
        recs.append(rec)
    urls: set[str] = set()
    natives: set[tuple[str, str]] = set()
    owner_logins: set[tuple[str, str]] = set()
    for rec in recs:
        if rec is None:
            continue
        urls.add(rec.url)
        if rec.native_id:
            natives.add((rec.forge, rec.native_id))
        if rec.fork_parent_url:
            urls.add(rec.fork_parent_url)
            if rec.fork_parent_native_id:
                natives.add((rec.forge, rec.fork_parent_native_id))
        if rec.declared_repository_url:
            urls.add(rec.declared_repository_url)
        if rec.owner is not None:
            owner_logins.add((rec.forge, rec.owner.login.lower()))
    by_url = _lookup_urls(session, urls)
    by_native = _lookup_natives(session, natives)
    unidentified = _unidentified_owners(session, owner_logins)
    return [
        None
        if rec is None
        or (rec.owner is not None and (rec.forge, rec.owner.login.lower()) in unidentified)
        else _plan(item, rec, by_url, by_native)
        for item, rec in zip(items, recs, strict=True)
    ]


def _plan(
    item: _Item,
    rec: OriginRecord,
    by_url: dict[str, list[_UrlHit]],
    by_native: dict[tuple[str, str], _NativeHit],
) -> _Plan | None:
    native = by_native.get((rec.forge, rec.native_id)) if rec.native_id else None
    holders = by_url.get(rec.url, [])
    last_fetched_at: datetime | None
    if native is not None:
        if native.url != rec.url:
            return None  # renamed or transferred: the per-record path moves it
        if any(h.origin_id != native.origin_id for h in holders):
            return None  # another origin held this URL too: periods decide, one by one
        origin_id, last_fetched_at = native.origin_id, native.last_fetched_at
    elif rec.native_id is not None:
        if holders:
            return None  # a placeholder to identify, or a new repository on a used URL
        origin_id, last_fetched_at = None, None
    elif not holders:
        origin_id, last_fetched_at = None, None
    elif len(holders) == 1 and holders[0].current and holders[0].native_id is None:
        origin_id, last_fetched_at = holders[0].origin_id, holders[0].last_fetched_at
    else:
        return None
    if last_fetched_at is not None and item.fetched_at <= last_fetched_at:
        return None  # older, or as old (a tie the payload order settles): one by one
    fork_parent_id = None
    if rec.fork_parent_url:
        if rec.fork_parent_native_id:
            parent = by_native.get((rec.forge, rec.fork_parent_native_id))
            parent_id = parent.origin_id if parent is not None else None
        else:
            parent_id = _resolved(by_url, rec.fork_parent_url)
        if parent_id is None:
            return None  # the parent must be found by URL or created: one by one
        fork_parent_id = parent_id if parent_id != origin_id else None
    repository_origin_id = None
    if rec.declared_repository_url:
        if len(by_url.get(rec.declared_repository_url, [])) > 1:
            return None  # several holders: the per-record path picks the current one
        repository_origin_id = _resolved(by_url, rec.declared_repository_url)
    refs = _keys(
        rec.forge, rec.fork_parent_url, rec.fork_parent_native_id if rec.fork_parent_url else None
    )
    refs |= _keys(rec.forge, rec.declared_repository_url, None)
    own = _keys(rec.forge, rec.url, rec.native_id)
    if own & refs:
        return None  # points to itself: found only once created, as one by one
    return _Plan(
        item=item,
        rec=rec,
        origin_id=origin_id,
        fork_parent_id=fork_parent_id,
        repository_origin_id=repository_origin_id,
        last_fetched_at=last_fetched_at,
        own=frozenset(own),
        refs=frozenset(refs),
    )


def _resolved(by_url: dict[str, list[_UrlHit]], url: str) -> int | None:
    """``repository.origin_by_url_or_alias`` when one origin ever held ``url``; None
    when none did (several: the caller goes one by one)."""
    hits = by_url.get(url, [])
    return hits[0].origin_id if len(hits) == 1 else None


def _lookup_urls(session: Session, urls: Iterable[str]) -> dict[str, list[_UrlHit]]:
    """Origins holding these URLs now, or seen at them before.

    Lookups are written as LATERAL subqueries so that each key is one index probe
    whatever the planner believes about tables that grow during an import.
    """
    wanted = list(urls)
    if not wanted:
        return {}
    rows = session.execute(
        text(
            "SELECT u.url, h.origin_id, o.native_id, o.url = u.url, o.last_fetched_at "
            "FROM unnest(CAST(:urls AS text[])) AS u(url) "
            "JOIN LATERAL (SELECT id AS origin_id FROM origin WHERE origin.url = u.url "
            "  UNION SELECT origin_id FROM origin_alias WHERE origin_alias.url = u.url) "
            "  AS h ON true "
            "JOIN origin o ON o.id = h.origin_id"
        ),
        {"urls": wanted},
    )
    found: dict[str, list[_UrlHit]] = {}
    for url, origin_id, native_id, current, fetched in rows:
        found.setdefault(url, []).append(_UrlHit(origin_id, native_id, current, fetched))
    return found


def _unidentified_owners(
    session: Session, logins: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """(forge host, login) pairs held by an owner known by login only: the per-record
    path decides whether a payload's account is that one."""
    wanted = list(logins)
    if not wanted:
        return set()
    rows = session.execute(
        text(
            "SELECT f.name, w.login FROM unnest(CAST(:hosts AS text[]), "
            "CAST(:logins AS text[])) AS k(host, login) "
            "JOIN forge f ON f.name = k.host "
            "JOIN owner w ON w.forge_id = f.id AND w.login = k.login AND w.native_id IS NULL"
        ),
        {"hosts": [h for h, _ in wanted], "logins": [login for _, login in wanted]},
    )
    return {(host, login) for host, login in rows}


def _lookup_natives(
    session: Session, natives: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], _NativeHit]:
    """Origins by (forge host, forge's own id), as ``repository.origin_by_native_id``."""
    wanted = list(natives)
    if not wanted:
        return {}
    forge_ids: dict[str, int] = dict(
        session.execute(
            text("SELECT name, id FROM forge WHERE name = ANY(CAST(:names AS text[]))"),
            {"names": list({host for host, _ in wanted})},
        ).all()
    )
    keys = [(forge_ids[host], nid) for host, nid in wanted if host in forge_ids]
    if not keys:
        return {}
    rows = session.execute(
        text(
            "SELECT k.forge_id, k.native_id, o.id, o.url, o.last_fetched_at "
            "FROM unnest(CAST(:forges AS int[]), CAST(:ids AS text[])) AS k(forge_id, native_id) "
            "JOIN LATERAL (SELECT id, url, last_fetched_at FROM origin "
            "  WHERE origin.forge_id = k.forge_id AND origin.native_id = k.native_id) AS o ON true"
        ),
        {"forges": [f for f, _ in keys], "ids": [n for _, n in keys]},
    )
    hosts = {forge_id: host for host, forge_id in forge_ids.items()}
    return {(hosts[f], n): _NativeHit(oid, url, fetched) for f, n, oid, url, fetched in rows}


# --- writing a run --------------------------------------------------------------------


def _write_run(
    session: Session, run: Sequence[_Plan], forges: dict[str, int]
) -> dict[int, IngestOutcome]:
    """Write the rows ``ingest._apply_origin`` would for each plan, set-based.

    Order inside the run does not matter (no two plans share an origin, and none
    points to an origin another creates); owners shared by several records get the
    values of the newest payload naming them, as one by one.
    """
    if not run:
        return {}
    session.flush()  # the per-record path may have pending ORM changes
    for plan in run:
        if plan.rec.forge not in forges:
            forges[plan.rec.forge] = repo.forge_for(session, plan.rec.forge, plan.rec.forge_kind).id
    owner_ids = _upsert_owners(session, run, forges)
    origin_ids = _write_origins(session, run, forges, owner_ids)
    _record_urls(session, run, origin_ids)
    _replace_declared_licenses(session, run, origin_ids)
    session.execute(
        text(
            "UPDATE raw_metadata r SET origin_id = u.origin_id "
            "FROM unnest(CAST(:raw AS bigint[]), CAST(:origin AS bigint[])) AS u(id, origin_id) "
            "WHERE r.id = u.id"
        ),
        {
            "raw": [p.item.raw_id for p in run],
            "origin": [origin_ids[p.item.pos] for p in run],
        },
    )
    # The ORM objects the per-record path loaded may now be out of date.
    session.expire_all()
    return {
        p.item.pos: IngestOutcome("applied", p.item.raw_id, origin_id=origin_ids[p.item.pos])
        for p in run
    }


def _rank(item: _Item) -> bytes:
    """``ingest.payload_rank`` of the payload this item stores."""
    return item.digest + (item.env.url or "").encode()


OwnerKey = tuple[int, str]  # forge id, the owner's forge id


def _upsert_owners(
    session: Session, run: Sequence[_Plan], forges: dict[str, int]
) -> dict[OwnerKey, int]:
    """Owners as ``ingest._owner`` leaves them: found by forge id (every owner here has
    one), fields from the newest payload naming them (by fetch time, then what the
    payload says of the owner, then its own rank), each login's period widened."""
    newest: dict[OwnerKey, tuple[tuple[datetime, bytes], _Plan]] = {}
    logins: dict[tuple[OwnerKey, str], dict[str, Any]] = {}
    for plan in run:
        owner = plan.rec.owner
        if owner is None:
            continue
        assert owner.native_id is not None  # classified: owners by login go one by one
        key = (forges[plan.rec.forge], owner.native_id)
        said = sum(v is not None for v in (owner.native_id, owner.kind, owner.name, owner.url))
        order = (plan.item.fetched_at, bytes([said]) + _rank(plan.item))
        if key not in newest or order > newest[key][0]:
            newest[key] = (order, plan)
        login = logins.setdefault(
            (key, owner.login.lower()),
            {"first": order[0], "last": order[0], "order": order, "plan": plan},
        )
        login["first"] = min(login["first"], order[0])
        login["last"] = max(login["last"], order[0])
        if order > login["order"]:
            login["order"], login["plan"] = order, plan
    if not newest:
        return {}
    _temp(
        session,
        "tmp_bulk_owner",
        "forge_id int4, native_id text, login text, display_login text, kind text, "
        "name text, url text, raw_metadata_id int8, mapper_version text, "
        "seen_at timestamptz, seen_rank bytea",
    )
    columns = [
        ("forge_id", "int4"),
        ("native_id", "text"),
        ("login", "text"),
        ("display_login", "text"),
        ("kind", "text"),
        ("name", "text"),
        ("url", "text"),
        ("raw_metadata_id", "int8"),
        ("mapper_version", "text"),
        ("seen_at", "timestamptz"),
        ("seen_rank", "bytea"),
    ]
    rows = []
    for (forge_id, native_id), ((seen_at, seen_rank), plan) in newest.items():
        owner = plan.rec.owner
        assert owner is not None
        assert plan.item.mapped is not None
        rows.append(
            (
                forge_id,
                native_id,
                owner.login.lower(),
                owner.login,
                owner.kind.value if owner.kind else None,
                owner.name,
                owner.url,
                plan.item.raw_id,
                plan.item.mapped.mapper_version,
                seen_at,
                seen_rank,
            )
        )
    _copy(session, "tmp_bulk_owner", columns, rows)
    fields = ("login", "display_login", "kind", "name", "url", "raw_metadata_id")
    session.execute(
        text(
            "INSERT INTO owner (forge_id, native_id, login, display_login, kind, name, url, "
            "raw_metadata_id, mapper_version, seen_at, seen_rank) "
            "SELECT forge_id, native_id, login, display_login, CAST(kind AS owner_kind), name, "
            "url, raw_metadata_id, mapper_version, seen_at, seen_rank FROM tmp_bulk_owner "
            "ON CONFLICT (forge_id, native_id) DO UPDATE SET "
            + ", ".join(f"{f} = EXCLUDED.{f}" for f in fields)
            + ", mapper_version = EXCLUDED.mapper_version, seen_at = EXCLUDED.seen_at, "
            "seen_rank = EXCLUDED.seen_rank, updated_at = now() "
            "WHERE (EXCLUDED.seen_at, EXCLUDED.seen_rank) > "
            "(coalesce(owner.seen_at, '-infinity'), owner.seen_rank)"
        )
    )
    ids: dict[OwnerKey, int] = {
        (forge_id, native_id): owner_id
        for forge_id, native_id, owner_id in session.execute(
            text(
                "SELECT t.forge_id, t.native_id, w.id FROM tmp_bulk_owner t "
                "JOIN owner w ON w.forge_id = t.forge_id AND w.native_id = t.native_id"
            )
        )
    }
    _temp(
        session,
        "tmp_bulk_owner_login",
        "owner_id int8, login text, display_login text, first_seen_at timestamptz, "
        "last_seen_at timestamptz, seen_rank bytea, raw_metadata_id int8",
    )
    _copy(
        session,
        "tmp_bulk_owner_login",
        [
            ("owner_id", "int8"),
            ("login", "text"),
            ("display_login", "text"),
            ("first_seen_at", "timestamptz"),
            ("last_seen_at", "timestamptz"),
            ("seen_rank", "bytea"),
            ("raw_metadata_id", "int8"),
        ],
        (
            (
                ids[key],
                login,
                row["plan"].rec.owner.login,
                row["first"],
                row["last"],
                row["order"][1],
                row["plan"].item.raw_id,
            )
            for (key, login), row in logins.items()
        ),
    )
    newer = (
        "(EXCLUDED.last_seen_at, EXCLUDED.seen_rank) > "
        "(coalesce(owner_login.last_seen_at, '-infinity'), owner_login.seen_rank)"
    )
    session.execute(
        text(
            "INSERT INTO owner_login (owner_id, login, display_login, first_seen_at, "
            "last_seen_at, seen_rank, raw_metadata_id) SELECT owner_id, login, display_login, "
            "first_seen_at, last_seen_at, seen_rank, raw_metadata_id FROM tmp_bulk_owner_login "
            "ON CONFLICT (owner_id, login) DO UPDATE SET "
            "first_seen_at = least(owner_login.first_seen_at, EXCLUDED.first_seen_at), "
            "last_seen_at = greatest(owner_login.last_seen_at, EXCLUDED.last_seen_at), "
            + ", ".join(
                f"{c} = CASE WHEN {newer} THEN EXCLUDED.{c} ELSE owner_login.{c} END"
                for c in ("display_login", "raw_metadata_id", "seen_rank")
            )
        )
    )
    return ids


_ORIGIN_COLUMNS: list[tuple[str, str]] = [
    ("url", "text"),
    ("archive_url", "text"),
    ("swhid_id", "bytea"),
    ("forge_id", "int4"),
    ("kind", "text"),  # cast to origin_kind in SQL
    ("native_id", "text"),
    ("full_name", "text"),
    ("owner_id", "int8"),
    ("fork_parent_id", "int8"),
    ("description", "text"),
    ("homepage", "text"),
    ("topics", "text[]"),
    ("language", "text"),
    ("stars", "int8"),
    ("forks", "int8"),
    ("watchers", "int8"),
    ("open_issues", "int8"),
    ("is_fork", "bool"),
    ("is_archived", "bool"),
    ("is_template", "bool"),
    ("is_mirror", "bool"),
    ("latest_version", "text"),
    ("fork_source_url", "text"),
    ("default_branch", "text"),
    ("issue_tracker_url", "text"),
    ("declared_repository_url", "text"),
    ("repository_origin_id", "int8"),
    ("forge_created_at", "timestamptz"),
    ("forge_updated_at", "timestamptz"),
    ("forge_pushed_at", "timestamptz"),
    ("last_fetched_at", "timestamptz"),
    ("raw_metadata_id", "int8"),
    ("mapper_version", "text"),
]
_ORIGIN_NAMES = [name for name, _ in _ORIGIN_COLUMNS]
_ORIGIN_VALUES = ", ".join(
    "CAST(kind AS origin_kind)" if name == "kind" else name for name in _ORIGIN_NAMES
)
# Fields ``_apply_origin`` keeps when the payload does not say (``x or origin.x``).
_ORIGIN_KEPT = {"native_id": "COALESCE(t.native_id, o.native_id)"}
_ORIGIN_SET = ", ".join(
    f"{name} = "
    + _ORIGIN_KEPT.get(name, "CAST(t.kind AS origin_kind)" if name == "kind" else f"t.{name}")
    for name in _ORIGIN_NAMES
    if name != "url"  # same URL: the fast path never renames
)


def _origin_row(plan: _Plan, forge_id: int, owner_id: int | None) -> tuple[object, ...]:
    rec, item = plan.rec, plan.item
    assert item.mapped is not None
    recorded = rec.archive_url or rec.url
    return (
        plan.origin_id,
        item.pos,
        plan.last_fetched_at,
        rec.url,
        recorded,
        origin_swhid_id(recorded),
        forge_id,
        rec.kind.value,
        rec.native_id or None,
        rec.full_name,
        owner_id,
        plan.fork_parent_id,
        rec.description,
        rec.homepage,
        list(rec.topics),
        rec.language,
        rec.stars,
        rec.forks,
        rec.watchers,
        rec.open_issues,
        rec.is_fork,
        rec.is_archived,
        rec.is_template,
        rec.is_mirror,
        rec.latest_version,
        rec.fork_source_url,
        rec.default_branch,
        rec.issue_tracker_url,
        rec.declared_repository_url,
        plan.repository_origin_id,
        rec.created_at,
        rec.updated_at,
        rec.pushed_at,
        item.fetched_at,
        item.raw_id,
        item.mapped.mapper_version,
    )


def _write_origins(
    session: Session,
    run: Sequence[_Plan],
    forges: dict[str, int],
    owner_ids: dict[OwnerKey, int],
) -> dict[int, int]:
    """Insert the new origins and update the existing ones; position -> origin id.

    New origins are a plain INSERT and existing ones an UPDATE guarded by the URL and
    the payload time the classification saw: a concurrent writer makes the first fail
    on a unique key or the second miss rows, and either way the batch is redone one
    by one instead of half-applied. Repositories new to us then claim the packages
    that declared them (``repository.link_packages_to_repository``).
    """
    rows = []
    for plan in run:
        forge_id = forges[plan.rec.forge]
        owner = plan.rec.owner
        owner_id = owner_ids[(forge_id, owner.native_id or "")] if owner is not None else None
        rows.append(_origin_row(plan, forge_id, owner_id))
    _temp(
        session,
        "tmp_bulk_origin",
        "target_id int8, ord int4, seen_fetched_at timestamptz, "
        + ", ".join(f"{name} {pg_type}" for name, pg_type in _ORIGIN_COLUMNS),
    )
    _copy(
        session,
        "tmp_bulk_origin",
        [
            ("target_id", "int8"),
            ("ord", "int4"),
            ("seen_fetched_at", "timestamptz"),
            *_ORIGIN_COLUMNS,
        ],
        rows,
    )
    ids: dict[int, int] = {}
    new = [p for p in run if p.origin_id is None]
    if new:
        created: dict[str, int] = dict(
            session.execute(
                text(
                    f"INSERT INTO origin ({', '.join(_ORIGIN_NAMES)}) "
                    f"SELECT {_ORIGIN_VALUES} FROM tmp_bulk_origin "
                    "WHERE target_id IS NULL ORDER BY ord RETURNING url, id"
                )
            ).all()
        )
        for plan in new:
            ids[plan.item.pos] = created[plan.rec.url]
        repositories = [p for p in new if p.rec.kind.value == "repository"]
        if repositories:
            session.execute(
                text(
                    "UPDATE origin p SET repository_origin_id = n.id, updated_at = now() "
                    "FROM unnest(CAST(:ids AS bigint[]), CAST(:urls AS text[])) AS n(id, url) "
                    "WHERE p.declared_repository_url = n.url AND p.repository_origin_id IS NULL"
                ),
                {
                    "ids": [ids[p.item.pos] for p in repositories],
                    "urls": [p.rec.url for p in repositories],
                },
            )
    existing = [p for p in run if p.origin_id is not None]
    if existing:
        updated = set(
            session.execute(
                text(
                    f"UPDATE origin o SET {_ORIGIN_SET}, updated_at = now() "
                    "FROM tmp_bulk_origin t WHERE t.target_id IS NOT NULL "
                    "AND o.id = t.target_id AND o.url = t.url "
                    "AND o.last_fetched_at IS NOT DISTINCT FROM t.seen_fetched_at "
                    "RETURNING o.id"
                )
            ).scalars()
        )
        for plan in existing:
            assert plan.origin_id is not None
            if plan.origin_id not in updated:
                raise ConcurrentChange(f"origin {plan.origin_id} changed during the batch")
            ids[plan.item.pos] = plan.origin_id
    return ids


def _record_urls(session: Session, run: Sequence[_Plan], origin_ids: dict[int, int]) -> None:
    """``repository.record_url`` for the whole run: each origin was seen at its URL."""
    _temp(
        session,
        "tmp_bulk_alias",
        "origin_id int8, url text, archive_url text, full_name text, seen_at timestamptz, "
        "seen_rank bytea, raw_metadata_id int8",
    )
    _copy(
        session,
        "tmp_bulk_alias",
        [
            ("origin_id", "int8"),
            ("url", "text"),
            ("archive_url", "text"),
            ("full_name", "text"),
            ("seen_at", "timestamptz"),
            ("seen_rank", "bytea"),
            ("raw_metadata_id", "int8"),
        ],
        (
            (
                origin_ids[p.item.pos],
                p.rec.url,
                p.rec.archive_url or p.rec.url,
                p.rec.full_name,
                p.item.fetched_at,
                _rank(p.item),
                p.item.raw_id,
            )
            for p in run
        ),
    )
    newer = (
        "(origin_alias.reason <> 'seen' OR (EXCLUDED.seen_at, EXCLUDED.seen_rank) > "
        "(origin_alias.seen_at, origin_alias.seen_rank))"
    )
    session.execute(
        text(
            "INSERT INTO origin_alias (origin_id, url, archive_url, full_name, reason, "
            "first_seen_at, last_seen_at, seen_at, seen_rank, raw_metadata_id) "
            "SELECT origin_id, url, archive_url, full_name, 'seen', seen_at, seen_at, seen_at, "
            "seen_rank, raw_metadata_id FROM tmp_bulk_alias "
            "ON CONFLICT (origin_id, url) DO UPDATE SET reason = 'seen', "
            "first_seen_at = least(origin_alias.first_seen_at, EXCLUDED.first_seen_at), "
            "last_seen_at = greatest(origin_alias.last_seen_at, EXCLUDED.last_seen_at), "
            + ", ".join(
                f"{c} = CASE WHEN {newer} THEN EXCLUDED.{c} ELSE origin_alias.{c} END"
                for c in ("archive_url", "full_name", "raw_metadata_id", "seen_rank", "seen_at")
            )
        )
    )


def _replace_declared_licenses(
    session: Session, run: Sequence[_Plan], origin_ids: dict[int, int]
) -> None:
    """``repository.replace_declared_licenses`` for the whole run: the mapper's
    declared findings of updated origins are replaced by the new sets."""
    existing = [p for p in run if p.origin_id is not None]
    if existing:
        session.execute(
            text(
                "DELETE FROM license_finding f "
                "USING unnest(CAST(:ids AS bigint[]), CAST(:tools AS text[])) AS d(id, tool) "
                "WHERE f.origin_id = d.id AND f.tool = d.tool "
                "AND f.source IN ('forge_declared', 'registry_declared')"
            ),
            {
                "ids": [p.origin_id for p in existing],
                "tools": [p.item.mapped.mapper if p.item.mapped else "" for p in existing],
            },
        )
    _copy(
        session,
        "license_finding",
        [
            ("origin_id", "int8"),
            ("expression", "text"),
            ("original_text", "text"),
            ("source", "text"),  # enum binary I/O is its label
            ("evidence_path", "text"),
            ("tool", "text"),
            ("tool_version", "text"),
            ("raw_metadata_id", "int8"),
            ("mapper_version", "text"),
        ],
        (
            (
                origin_ids[p.item.pos],
                d.expression,
                d.original_text,
                d.source.value,
                d.detail,
                p.item.mapped.mapper,
                p.item.mapped.mapper_version,
                p.item.raw_id,
                p.item.mapped.mapper_version,
            )
            for p in run
            if p.item.mapped is not None
            for d in p.rec.declared_licenses
        ),
    )
