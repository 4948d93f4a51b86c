"""SQL for forges, owners, origins, aliases, declared licenses and issues."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

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
    session: Session, authority: str, source_url: str | None, sha256: bytes
) -> RawMetadata | None:
    stmt = select(RawMetadata).where(
        RawMetadata.sha256 == sha256, RawMetadata.authority == authority
    )
    stmt = stmt.where(
        RawMetadata.source_url.is_(None)
        if source_url is None
        else RawMetadata.source_url == source_url
    )
    return session.scalars(stmt.limit(1)).first()


def owner_by_login(session: Session, forge_id: int, login: str) -> Owner | None:
    return session.scalars(
        select(Owner).where(Owner.forge_id == forge_id, Owner.login == login.lower())
    ).first()


def origin_by_native_id(session: Session, forge_id: int, native_id: str) -> Origin | None:
    return session.scalars(
        select(Origin).where(Origin.forge_id == forge_id, Origin.native_id == native_id)
    ).first()


def origin_by_url_or_alias(session: Session, url: str) -> Origin | None:
    found = session.scalars(select(Origin).where(Origin.url == url)).first()
    if found is not None:
        return found
    return session.scalars(
        select(Origin)
        .join(OriginAlias, OriginAlias.origin_id == Origin.id)
        .where(OriginAlias.url == url)
    ).first()


def add_alias(
    session: Session, origin_id: int, url: str, reason: str, raw_metadata_id: int | None
) -> None:
    """Remember a former URL (no-op if already known, or if it is an origin's own URL)."""
    if session.scalar(select(Origin.id).where(Origin.url == url)) is not None:
        return
    session.execute(
        insert(OriginAlias)
        .values(origin_id=origin_id, url=url, reason=reason, raw_metadata_id=raw_metadata_id)
        .on_conflict_do_nothing(index_elements=["url"])
    )


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
