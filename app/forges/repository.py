"""SQL for forges, owners, origins, aliases, declared licenses and issues."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from app.models import Forge, Issue, LicenseFinding, Origin, OriginAlias, Owner, RawMetadata
from app.models.enums import ForgeKind, LicenseSource

API_URLS: dict[ForgeKind, str] = {
    ForgeKind.GITHUB: "https://api.github.com",
    ForgeKind.BITBUCKET: "https://api.bitbucket.org/2.0",
    ForgeKind.PYPI: "https://pypi.org/pypi",
    ForgeKind.NPM: "https://registry.npmjs.org",
    ForgeKind.CRATES: "https://crates.io/api/v1",
}
DECLARED_BY_SOURCE = (LicenseSource.FORGE_DECLARED, LicenseSource.REGISTRY_DECLARED)
CASE_INSENSITIVE = {
    ForgeKind.GITHUB,
    ForgeKind.GITLAB,
    ForgeKind.GITEA,
    ForgeKind.FORGEJO,
    ForgeKind.BITBUCKET,
}


def forge_for(session: Session, host: str, kind: ForgeKind) -> Forge:
    """The forge row for a host, created on first sight (concurrency-safe)."""
    found = session.scalars(select(Forge).where(Forge.name == host)).first()
    if found is not None:
        return found
    api = API_URLS.get(kind)
    if api is None and kind in {ForgeKind.GITLAB}:
        api = f"https://{host}/api/v4"
    elif api is None and kind in {ForgeKind.GITEA, ForgeKind.FORGEJO}:
        api = f"https://{host}/api/v1"
    session.execute(
        insert(Forge)
        .values(
            name=host,
            kind=kind,
            base_url=f"https://{host}",
            api_url=api,
            case_insensitive_paths=kind in CASE_INSENSITIVE,
        )
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return session.scalars(select(Forge).where(Forge.name == host)).one()


def find_raw(
    session: Session, authority: str, fmt: str, kind: str, source_url: str | None, sha256: bytes
) -> RawMetadata | None:
    """The stored copy of a document: the same bytes from the same place, read as the
    same format and kind (a line sent again with a corrected kind or format is another
    document, to be applied, not "unchanged")."""
    stmt = select(RawMetadata).where(
        RawMetadata.sha256 == sha256,
        RawMetadata.authority == authority,
        RawMetadata.format == fmt,
        RawMetadata.kind == kind,
    )
    stmt = stmt.where(
        RawMetadata.source_url.is_(None)
        if source_url is None
        else RawMetadata.source_url == source_url
    )
    return session.scalars(stmt.limit(1)).first()


def owner_by_native_id(session: Session, forge_id: int, native_id: str) -> Owner | None:
    return session.scalars(
        select(Owner).where(Owner.forge_id == forge_id, Owner.native_id == native_id)
    ).first()


def owner_by_login(session: Session, forge_id: int, login: str) -> Owner | None:
    """The account that holds ``login`` now: of the owners whose newest payload named
    it, the most recently seen (a login freed by a rename may be taken by another)."""
    return session.scalars(
        select(Owner)
        .where(Owner.forge_id == forge_id, Owner.login == login.lower())
        .order_by(Owner.seen_at.desc().nulls_last(), Owner.native_id, Owner.id)
        .limit(1)
    ).first()


def record_login(
    session: Session,
    owner_id: int,
    login: str,
    display_login: str,
    seen_at: datetime,
    rank: bytes,
    raw_metadata_id: int | None,
) -> None:
    """Widen the period ``login`` was seen for this account (commutative: payloads may
    come in any order); its spelling and provenance are the newest payload's."""
    newer = (
        "(EXCLUDED.last_seen_at, EXCLUDED.seen_rank) > "
        "(coalesce(owner_login.last_seen_at, '-infinity'), owner_login.seen_rank)"
    )
    session.execute(
        text(
            "INSERT INTO owner_login (owner_id, login, display_login, first_seen_at, "
            "last_seen_at, seen_rank, raw_metadata_id) "
            "VALUES (:owner, :login, :display, :seen, :seen, :rank, :raw) "
            "ON CONFLICT (owner_id, login) DO UPDATE SET "
            "first_seen_at = least(owner_login.first_seen_at, EXCLUDED.first_seen_at), "
            "last_seen_at = greatest(owner_login.last_seen_at, EXCLUDED.last_seen_at), "
            f"display_login = CASE WHEN {newer} THEN EXCLUDED.display_login "
            "ELSE owner_login.display_login END, "
            f"raw_metadata_id = CASE WHEN {newer} THEN EXCLUDED.raw_metadata_id "
            "ELSE owner_login.raw_metadata_id END, "
            f"seen_rank = CASE WHEN {newer} THEN EXCLUDED.seen_rank "
            "ELSE owner_login.seen_rank END"
        ),
        {
            "owner": owner_id,
            "login": login,
            "display": display_login,
            "seen": seen_at,
            "rank": rank,
            "raw": raw_metadata_id,
        },
    )


def origin_by_native_id(session: Session, forge_id: int, native_id: str) -> Origin | None:
    return session.scalars(
        select(Origin).where(Origin.forge_id == forge_id, Origin.native_id == native_id)
    ).first()


def url_holders(session: Session, url: str, at: datetime | None = None) -> list[Origin]:
    """Every origin that held ``url`` (current or former URL), the likeliest first.

    Without ``at``: the one that held it most recently (who the URL names now). With
    ``at``: the one whose period at the URL covers that time, else the last one to
    take it before then. A URL is only an alias valid for a period: after a transfer
    a new repository may take it, and both held it, each in its time.
    """
    alias = aliased(OriginAlias)
    last_seen = func.greatest(
        alias.last_seen_at, case((Origin.url == url, Origin.last_fetched_at), else_=None)
    )
    # Two index probes (origin.url, origin_alias.url), never a scan of either table.
    held = (
        select(Origin.id.label("id"))
        .where(Origin.url == url)
        .union(select(OriginAlias.origin_id).where(OriginAlias.url == url))
        .subquery()
    )
    stmt = (
        select(Origin)
        .join(held, held.c.id == Origin.id)
        .outerjoin(alias, (alias.origin_id == Origin.id) & (alias.url == url))
    )
    order: list[Any] = []
    if at is not None:
        started = alias.first_seen_at <= at
        order += [
            (started & (last_seen >= at)).desc().nulls_last(),
            started.desc().nulls_last(),
        ]
    order += [
        last_seen.desc().nulls_last(),
        (Origin.url == url).desc(),
        Origin.native_id.nulls_first(),
        Origin.id,
    ]
    return list(session.scalars(stmt.order_by(*order)).unique())


def origin_by_url_or_alias(session: Session, url: str) -> Origin | None:
    """The origin ``url`` names now (see :func:`url_holders`)."""
    holders = url_holders(session, url)
    return holders[0] if holders else None


def url_history(session: Session, url: str) -> list[tuple[Origin, OriginAlias | None]]:
    """Who held ``url`` and when: each origin with its period there (``None``: known
    only by reference, never seen in a payload at it), most recent first."""
    out = []
    for origin in url_holders(session, url):
        period = session.scalars(
            select(OriginAlias).where(OriginAlias.origin_id == origin.id, OriginAlias.url == url)
        ).first()
        out.append((origin, period))
    return out


def record_url(
    session: Session,
    origin_id: int,
    url: str,
    *,
    archive_url: str | None,
    full_name: str | None,
    seen_at: datetime,
    rank: bytes,
    raw_metadata_id: int | None,
) -> None:
    """A payload of the origin named ``url`` as its own at ``seen_at``: widen the period
    (commutative, any arrival order); spelling and provenance are the newest payload's."""
    newer = (
        "(origin_alias.reason <> 'seen' OR (EXCLUDED.seen_at, EXCLUDED.seen_rank) > "
        "(origin_alias.seen_at, origin_alias.seen_rank))"
    )
    session.execute(
        text(
            "INSERT INTO origin_alias (origin_id, url, archive_url, full_name, reason, "
            "first_seen_at, last_seen_at, seen_at, seen_rank, raw_metadata_id) "
            "VALUES (:origin, :url, :archive, :name, 'seen', :seen, :seen, :seen, :rank, :raw) "
            "ON CONFLICT (origin_id, url) DO UPDATE SET reason = 'seen', "
            "first_seen_at = least(origin_alias.first_seen_at, EXCLUDED.first_seen_at), "
            "last_seen_at = greatest(origin_alias.last_seen_at, EXCLUDED.last_seen_at), "
            + ", ".join(
                f"{column} = CASE WHEN {newer} THEN EXCLUDED.{column} "
                f"ELSE origin_alias.{column} END"
                for column in ("archive_url", "full_name", "raw_metadata_id", "seen_rank")
            )
            + f", seen_at = CASE WHEN {newer} THEN EXCLUDED.seen_at ELSE origin_alias.seen_at END"
        ),
        {
            "origin": origin_id,
            "url": url,
            "archive": archive_url,
            "name": full_name,
            "seen": seen_at,
            "rank": rank,
            "raw": raw_metadata_id,
        },
    )


def record_redirect(
    session: Session,
    origin_id: int,
    url: str,
    *,
    seen_at: datetime,
    rank: bytes,
    raw_metadata_id: int | None,
) -> None:
    """The forge answered a fetch of ``url`` with this origin under another name: a
    former URL of it, held before ``seen_at`` (when exactly is unknown: no period)."""
    newer = (
        "(origin_alias.reason <> 'seen' AND (EXCLUDED.seen_at, EXCLUDED.seen_rank) > "
        "(origin_alias.seen_at, origin_alias.seen_rank))"
    )
    session.execute(
        text(
            "INSERT INTO origin_alias (origin_id, url, reason, seen_at, seen_rank, "
            "raw_metadata_id) VALUES (:origin, :url, 'redirect', :seen, :rank, :raw) "
            "ON CONFLICT (origin_id, url) DO UPDATE SET "
            + ", ".join(
                f"{column} = CASE WHEN {newer} THEN EXCLUDED.{column} "
                f"ELSE origin_alias.{column} END"
                for column in ("reason", "seen_at", "seen_rank", "raw_metadata_id")
            )
        ),
        {"origin": origin_id, "url": url, "seen": seen_at, "rank": rank, "raw": raw_metadata_id},
    )


def raw_rank(session: Session, raw_metadata_id: int | None) -> bytes:
    """The tie-break part of a payload's order (see ``ingest.payload_rank``)."""
    if raw_metadata_id is None:
        return b""
    row = session.execute(
        select(RawMetadata.sha256, RawMetadata.source_url).where(RawMetadata.id == raw_metadata_id)
    ).first()
    if row is None:
        return b""
    return bytes(row[0]) + (row[1] or "").encode()


def link_packages_to_repository(session: Session, repository: Origin) -> None:
    """Packages that declared this repository before it was known now point to it."""
    session.execute(
        update(Origin)
        .where(
            Origin.declared_repository_url == repository.url, Origin.repository_origin_id.is_(None)
        )
        .values(repository_origin_id=repository.id)
    )


def replace_declared_licenses(
    session: Session, origin_id: int, tool: str, findings: Sequence[LicenseFinding]
) -> None:
    """What a forge or registry declares is a snapshot of what it says now: the new set
    replaces the one the same mapper wrote before (other sources are untouched)."""
    session.execute(
        delete(LicenseFinding).where(
            LicenseFinding.origin_id == origin_id,
            LicenseFinding.source.in_(DECLARED_BY_SOURCE),
            LicenseFinding.tool == tool,
        )
    )
    session.add_all(findings)


def issue_by_number(session: Session, origin_id: int, kind: str, number: int) -> Issue | None:
    return session.scalars(
        select(Issue).where(
            Issue.origin_id == origin_id, Issue.kind == kind, Issue.number == number
        )
    ).first()


def raw_by_id(session: Session, raw_id: int) -> RawMetadata | None:
    return session.get(RawMetadata, raw_id)


def raw_of_origin(
    session: Session, origin_id: int, *, after_id: int | None, limit: int
) -> Sequence[RawMetadata]:
    stmt = (
        select(RawMetadata)
        .where(RawMetadata.origin_id == origin_id)
        .order_by(RawMetadata.id)
        .limit(limit)
    )
    if after_id is not None:
        stmt = stmt.where(RawMetadata.id > after_id)
    return session.scalars(stmt).all()


def owners_query(forge: str | None, login: str | None) -> Select[Owner]:
    stmt = select(Owner)
    if forge:
        stmt = stmt.join(Forge, Forge.id == Owner.forge_id).where(Forge.name == forge)
    if login:
        stmt = stmt.where(Owner.login == login.lower())
    return stmt


def list_owners(
    session: Session, *, forge: str | None, login: str | None, after_id: int | None, limit: int
) -> Sequence[Owner]:
    stmt = owners_query(forge, login).order_by(Owner.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(Owner.id > after_id)
    return session.scalars(stmt).all()


def issues_query(origin_id: int | None, kind: str | None, state: str | None) -> Select[Issue]:
    stmt = select(Issue)
    if origin_id is not None:
        stmt = stmt.where(Issue.origin_id == origin_id)
    if kind is not None:
        stmt = stmt.where(Issue.kind == kind)
    if state is not None:
        stmt = stmt.where(Issue.state == state)
    return stmt


def list_issues(
    session: Session,
    *,
    origin_id: int | None,
    kind: str | None,
    state: str | None,
    after_id: int | None,
    limit: int,
) -> Sequence[Issue]:
    stmt = issues_query(origin_id, kind, state).order_by(Issue.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(Issue.id > after_id)
    return session.scalars(stmt).all()
