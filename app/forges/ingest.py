"""Store what a forge or registry said, then normalize it into the unified model.

Order and guarantees, for every payload (a dump line, a live response):

1. the raw payload is stored verbatim first (authority, format, fetcher, time), so
   nothing read is ever lost, even when it cannot be mapped;
2. a payload already stored (same authority, URL, format, kind and bytes) changes
   nothing more;
3. the versioned mapper runs (``app.forges.mappers``); a malformed payload is a
   failed item with its reason, the raw row kept;
4. the normalized rows are written inside a savepoint: a payload is applied whole or
   not at all (a database error fails that payload alone), and every row points to
   the payload and mapper version behind it;
5. the same set of payloads gives the same rows whatever order they arrive in:

   * identity is the forge's stable id, for origins and owners alike; a URL or a
     login only names one for a period (renames, transfers, a freed name taken by
     another), kept with that period in ``origin_alias`` / ``owner_login``;
   * fields come from the newest payload: payloads are ordered by fetch time, then
     (see :func:`payload_rank`) by what they say, so ties never go to the later
     arrival; an older payload still widens the periods of URLs and logins;
   * an issue's state comes from its newest copy by update time, and between copies
     updated at the same time from the richer one (merged > closed > open, then more
     fields known): an issues-endpoint copy never turns a merged pull request closed;

6. forge ingest writes its own fields only: what scans derive (effective license,
   languages) lives in ``scan_summary``, which only the scan pipeline writes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.forges import repository as repo
from app.forges.envelope import Envelope
from app.forges.errors import UnmappablePayload
from app.forges.mappers import map_envelope, resolve_forge_kind
from app.forges.mappers._common import repo_path_from_api_url
from app.forges.records import IssueRecord, MappedPayload, OriginRecord, OwnerRecord
from app.forges.urls import canonical_repository_url, parse_repository_url
from app.kit.swhid import origin_swhid_id
from app.models import Forge, Issue, LicenseFinding, Origin, Owner, RawMetadata
from app.models.enums import ForgeKind, IssueState, OriginKind
from app.papers.service import record_registry_links

log = logging.getLogger(__name__)
Status = Literal["applied", "unchanged", "stale", "failed"]
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class IngestOutcome:
    status: Status
    raw_metadata_id: int | None
    origin_id: int | None = None
    issues: int = 0
    error: str | None = None


def payload_rank(raw: RawMetadata) -> bytes:
    """How payloads fetched at the same time are ordered: by their bytes' digest, then
    the URL they came from. Arbitrary but intrinsic, so any arrival order agrees."""
    return bytes(raw.sha256) + (raw.source_url or "").encode()


def owner_rank(record: OwnerRecord, raw: RawMetadata) -> bytes:
    """An owner's payloads at the same time: the one saying more first (a repository
    payload names its owner fully, an old or partial one by login only), then the
    payload's own rank."""
    said = sum(v is not None for v in (record.native_id, record.kind, record.name, record.url))
    return bytes([said]) + payload_rank(raw)


def store_raw(session: Session, env: Envelope) -> tuple[RawMetadata, bool]:
    """The raw row for this payload, and whether it is new."""
    digest = hashlib.sha256(env.payload_bytes).digest()
    existing = repo.find_raw(session, env.authority, env.format, env.kind, env.url, digest)
    if existing is not None:
        return existing, False
    raw = RawMetadata(
        authority=env.authority,
        format=env.format,
        kind=env.kind,
        source_url=env.url,
        fetcher_name=env.fetcher_name,
        fetcher_version=env.fetcher_version,
        fetched_at=env.fetched_at or datetime.now(UTC),
        etag=env.etag,
        payload=env.payload_bytes,
        sha256=digest,
    )
    session.add(raw)
    session.flush()
    return raw, True


def ingest(session: Session, env: Envelope, *, reapply: bool = False) -> IngestOutcome:
    """Store and normalize one payload (see the module docstring for the guarantees)."""
    raw, is_new = store_raw(session, env)
    if not is_new and not reapply:
        return IngestOutcome("unchanged", raw.id, origin_id=raw.origin_id)
    try:
        mapped = map_envelope(env.authority, env.format, env.kind, env.payload, source_url=env.url)
    except UnmappablePayload as exc:
        return IngestOutcome("failed", raw.id, error=str(exc))
    return apply_mapped(session, raw, mapped, origin_hint=env.origin)


def apply_mapped(
    session: Session, raw: RawMetadata, mapped: MappedPayload, *, origin_hint: str | None = None
) -> IngestOutcome:
    """Write the normalized rows of one mapped payload, all or nothing.

    A database error here is this payload's (a value no column holds, say): it fails
    alone, its savepoint rolled back, and the batch around it goes on.
    """
    try:
        with session.begin_nested():
            origin: Origin | None = None
            status: Status = "applied"
            if mapped.origin is not None:
                origin, fresh = _apply_origin(session, raw, mapped.origin, mapped)
                status = "applied" if fresh else "stale"
            if mapped.issues:
                origin = origin or _issues_origin(session, raw, mapped, origin_hint)
                _apply_issues(session, raw, origin, mapped)
            if origin is not None:
                raw.origin_id = origin.id
                if status == "applied" and raw.format == "pypi-project-json":
                    _registry_paper_links(session, raw, origin, mapped.mapper_version)
            session.flush()
    except UnmappablePayload as exc:
        return IngestOutcome("failed", raw.id, error=str(exc))
    except DBAPIError as exc:
        log.info("payload %s failed in the database: %s", raw.id, exc.orig)
        return IngestOutcome("failed", raw.id, error=f"not storable: {_first_line(exc)}")
    return IngestOutcome(
        status, raw.id, origin_id=origin.id if origin else None, issues=len(mapped.issues)
    )


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__


def _registry_paper_links(
    session: Session, raw: RawMetadata, origin: Origin, mapper_version: str
) -> None:
    """PyPI project URLs labelled Paper/Documentation that point at a DOI or arXiv."""
    info = json.loads(raw.payload).get("info")
    if isinstance(info, dict):
        record_registry_links(
            session,
            origin_id=origin.id,
            raw_metadata_id=raw.id,
            info=info,
            mapper_version=mapper_version,
        )


def _forge_kind(session: Session, raw: RawMetadata) -> ForgeKind:
    return resolve_forge_kind(raw.authority, raw.format)


def _placeholder(
    session: Session,
    url: str,
    host: str,
    kind: ForgeKind,
    native_id: str | None = None,
    origin_kind: OriginKind = OriginKind.REPOSITORY,
    archive_url: str | None = None,
) -> Origin:
    """An origin we know only by reference (a fork parent, an issue page's project).

    ``archive_url`` when the reference spells the URL as the forge does (a fork's
    ``parent.html_url``); otherwise unknown until the origin's own payload comes, and
    the SWHID is the canonical URL's meanwhile. Without a forge id the URL is the
    identity, unique among such origins (a concurrent writer's row is taken).
    """
    forge = repo.forge_for(session, host, kind)
    values: dict[str, object] = {
        "url": url,
        "archive_url": archive_url,
        "swhid_id": origin_swhid_id(archive_url or url),
        "forge_id": forge.id,
        "kind": origin_kind,
        "native_id": native_id,
        "topics": [],
    }
    stmt = insert(Origin).values(**values)
    if native_id is None:
        stmt = stmt.on_conflict_do_nothing(
            index_elements=["url"], index_where=Origin.native_id.is_(None)
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["forge_id", "native_id"])
    new_id = session.scalar(stmt.returning(Origin.id))
    if new_id is None:  # someone else created it meanwhile
        found = (
            repo.origin_by_native_id(session, forge.id, native_id)
            if native_id is not None
            else _unidentified_holder(session, url)
        )
        assert found is not None
        return found
    origin = session.get(Origin, new_id)
    assert origin is not None
    if origin_kind is OriginKind.REPOSITORY:
        repo.link_packages_to_repository(session, origin)
    return origin


def _unidentified_holder(session: Session, url: str) -> Origin | None:
    """The origin without a forge id whose URL this is (at most one)."""
    return session.scalars(
        select(Origin).where(Origin.url == url, Origin.native_id.is_(None))
    ).first()


def _owner(
    session: Session, raw: RawMetadata, rec: OriginRecord, forge: Forge, mapper_version: str
) -> Owner | None:
    """The account a payload names, found by the forge's id (a login names an account
    only for a time); the login goes into its history whatever the payload's age."""
    record = rec.owner
    if record is None:
        return None
    login = record.login.lower()
    owner = (
        repo.owner_by_native_id(session, forge.id, record.native_id) if record.native_id else None
    )
    if owner is None:
        holder = repo.owner_by_login(session, forge.id, login)
        # Without an id the login is all we have; with one, only an account known by
        # its login alone may be this one (never another account that had the login).
        if holder is not None and (record.native_id is None or holder.native_id is None):
            owner = holder
    rank = owner_rank(record, raw)
    if owner is None:
        owner = _new_owner(session, forge.id, record, login)
    if owner.seen_at is None or (raw.fetched_at, rank) > (owner.seen_at, owner.seen_rank):
        owner.login, owner.display_login = login, record.login
        owner.native_id = owner.native_id or record.native_id
        owner.kind, owner.name, owner.url = record.kind, record.name, record.url
        owner.raw_metadata_id, owner.mapper_version = raw.id, mapper_version
        owner.seen_at, owner.seen_rank = raw.fetched_at, rank
    session.flush()
    repo.record_login(session, owner.id, login, record.login, raw.fetched_at, rank, raw.id)
    return owner


def _new_owner(session: Session, forge_id: int, record: OwnerRecord, login: str) -> Owner:
    """Insert the account (a concurrent writer's row is taken instead)."""
    stmt = insert(Owner).values(
        forge_id=forge_id, native_id=record.native_id, login=login, display_login=record.login
    )
    if record.native_id is None:
        stmt = stmt.on_conflict_do_nothing(
            index_elements=["forge_id", "login"], index_where=Owner.native_id.is_(None)
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["forge_id", "native_id"])
    new_id = session.scalar(stmt.returning(Owner.id))
    owner = (
        session.get(Owner, new_id)
        if new_id is not None
        else (
            repo.owner_by_native_id(session, forge_id, record.native_id)
            if record.native_id
            else repo.owner_by_login(session, forge_id, login)
        )
    )
    assert owner is not None
    return owner


def _adoptable(session: Session, rec: OriginRecord, forge: Forge) -> Origin | None:
    """The existing origin a payload without a known forge id match is about.

    A record without a forge id (a package, a forge that gives none) is known by its
    URL: the origin that holds it. A record with one may only take over an origin
    known by reference at that URL and never identified (a placeholder); an origin
    that has another forge id is another repository, even at the same URL (a new
    repository on the URL of one transferred away): never rebound.
    """
    holders = repo.url_holders(session, rec.url)
    if rec.native_id is None:
        return next((h for h in holders if h.forge_id in (forge.id, None)), None)
    return next(
        (
            h
            for h in holders
            if h.native_id is None and h.url == rec.url and h.forge_id in (forge.id, None)
        ),
        None,
    )


def _is_older(session: Session, raw: RawMetadata, origin: Origin) -> bool:
    """Whether this payload comes before the one behind the origin's fields."""
    if origin.last_fetched_at is None or raw.id == origin.raw_metadata_id:
        return False
    current = (origin.last_fetched_at, repo.raw_rank(session, origin.raw_metadata_id))
    return (raw.fetched_at, payload_rank(raw)) < current


def _apply_origin(
    session: Session, raw: RawMetadata, rec: OriginRecord, mapped: MappedPayload
) -> tuple[Origin, bool]:
    forge = repo.forge_for(session, rec.forge, rec.forge_kind)
    recorded = rec.archive_url or rec.url
    origin = repo.origin_by_native_id(session, forge.id, rec.native_id) if rec.native_id else None
    origin = origin or _adoptable(session, rec, forge)
    created = origin is None
    if origin is None:
        origin = Origin(
            url=rec.url,
            archive_url=recorded,
            swhid_id=origin_swhid_id(recorded),
            forge_id=forge.id,
            kind=rec.kind,
            native_id=rec.native_id,
            topics=[],
        )
        session.add(origin)
        session.flush()
    fetched, rank = raw.fetched_at, payload_rank(raw)
    # Every payload, even an old one, tells where the origin was when it was fetched.
    repo.record_url(
        session,
        origin.id,
        rec.url,
        archive_url=recorded,
        full_name=rec.full_name,
        seen_at=fetched,
        rank=rank,
        raw_metadata_id=raw.id,
    )
    for old in rec.previous_urls:
        repo.record_redirect(
            session, origin.id, old, seen_at=fetched, rank=rank, raw_metadata_id=raw.id
        )
    owner = _owner(session, raw, rec, forge, mapped.mapper_version)
    if not created and _is_older(session, raw, origin):
        return origin, False
    origin.url = rec.url
    origin.archive_url = recorded
    origin.swhid_id = origin_swhid_id(recorded)
    origin.forge_id = forge.id
    origin.kind = rec.kind
    origin.native_id = rec.native_id or origin.native_id
    origin.full_name = rec.full_name
    origin.owner_id = owner.id if owner else None
    origin.description = rec.description
    origin.homepage = rec.homepage
    origin.topics = list(rec.topics)
    origin.language = rec.language
    origin.stars, origin.forks, origin.watchers = rec.stars, rec.forks, rec.watchers
    origin.open_issues = rec.open_issues
    origin.is_fork, origin.is_archived, origin.is_template = (
        rec.is_fork,
        rec.is_archived,
        rec.is_template,
    )
    origin.is_mirror = rec.is_mirror
    origin.latest_version = rec.latest_version
    origin.fork_source_url = rec.fork_source_url
    origin.default_branch = rec.default_branch
    origin.issue_tracker_url = rec.issue_tracker_url
    origin.forge_created_at, origin.forge_updated_at, origin.forge_pushed_at = (
        rec.created_at,
        rec.updated_at,
        rec.pushed_at,
    )
    origin.raw_metadata_id = raw.id
    origin.mapper_version = mapped.mapper_version
    origin.last_fetched_at = fetched
    session.flush()
    origin.fork_parent_id = None
    if rec.fork_parent_url:
        parent = _fork_parent(session, rec, forge)
        origin.fork_parent_id = parent.id if parent.id != origin.id else None
    origin.declared_repository_url = rec.declared_repository_url
    origin.repository_origin_id = None
    if rec.declared_repository_url:
        target = repo.origin_by_url_or_alias(session, rec.declared_repository_url)
        origin.repository_origin_id = target.id if target else None
    if created and rec.kind is OriginKind.REPOSITORY:
        repo.link_packages_to_repository(session, origin)
    repo.replace_declared_licenses(
        session,
        origin.id,
        mapped.mapper,
        [
            LicenseFinding(
                origin_id=origin.id,
                expression=d.expression,
                original_text=d.original_text,
                source=d.source,
                evidence_path=d.detail,
                tool=mapped.mapper,
                tool_version=mapped.mapper_version,
                raw_metadata_id=raw.id,
                mapper_version=mapped.mapper_version,
            )
            for d in rec.declared_licenses
        ],
    )
    session.flush()
    return origin, True


def _fork_parent(session: Session, rec: OriginRecord, forge: Forge) -> Origin:
    """The parent a fork names: by its forge id when given (its URL may since name
    another repository), else whoever holds its URL now; created as a placeholder
    when unknown."""
    assert rec.fork_parent_url is not None
    native = rec.fork_parent_native_id
    if native is None:
        found = repo.origin_by_url_or_alias(session, rec.fork_parent_url)
        if found is not None:
            return found
    else:
        found = repo.origin_by_native_id(session, forge.id, native)
        if found is not None:
            return found
        placeholder = _unidentified_holder(session, rec.fork_parent_url)
        if placeholder is not None:  # known by reference only: now identified
            placeholder.native_id = native
            if placeholder.archive_url is None and rec.fork_parent_archive_url:
                placeholder.archive_url = rec.fork_parent_archive_url
                placeholder.swhid_id = origin_swhid_id(rec.fork_parent_archive_url)
            session.flush()
            return placeholder
    return _placeholder(
        session,
        rec.fork_parent_url,
        rec.forge,
        rec.forge_kind,
        native,
        archive_url=rec.fork_parent_archive_url,
    )


def _issues_origin(
    session: Session, raw: RawMetadata, mapped: MappedPayload, hint: str | None
) -> Origin:
    """The project an issue page belongs to: the envelope's ``origin``, else the API
    URL it was fetched from, else the issues' own web URLs; named by URL, so the
    origin that held that URL when the page was fetched, as far as is known when the
    page is applied: a page applied before the payloads that tell its URL changed
    hands stays where it went (pages carry no repository id to correct it by)."""
    kind = _forge_kind(session, raw)
    candidates = [hint]
    for marker in ("repos", "projects", "repositories"):
        path = repo_path_from_api_url(raw.source_url, marker)
        if path:
            candidates.append(f"https://{raw.authority}/{path}")
    candidates += [i.url for i in mapped.issues[:1]]
    for candidate in candidates:
        if not candidate:
            continue
        url = canonical_repository_url(candidate)
        ref = parse_repository_url(candidate)
        if url is None or ref is None:
            continue
        holders = repo.url_holders(session, url, at=raw.fetched_at)
        return holders[0] if holders else _placeholder(session, url, ref.host, kind)
    raise UnmappablePayload(
        "cannot tell which repository these issues belong to (give the envelope an 'origin')"
    )


def _apply_issues(
    session: Session, raw: RawMetadata, origin: Origin, mapped: MappedPayload
) -> None:
    for rec in mapped.issues:
        issue = repo.issue_by_number(session, origin.id, rec.kind.value, rec.number)
        if issue is None:
            issue = Issue(origin_id=origin.id, kind=rec.kind, number=rec.number, labels=[])
            session.add(issue)
        elif not _issue_copy_wins(session, rec, raw, issue):
            continue  # an older or poorer copy of this issue: keep the one we have
        _set_issue(issue, rec, raw, mapped.mapper_version)
    session.flush()


# Later in an issue's life, and richer: a copy saying merged knows more than one
# saying closed (GitHub's issues endpoint long had no merge fields for pull requests).
STATE_ORDER = {IssueState.OPEN: 0, IssueState.CLOSED: 1, IssueState.MERGED: 2}


class _IssueFacts(Protocol):
    """What an issue record and an issue row both say (read-only)."""

    @property
    def state(self) -> IssueState: ...
    @property
    def native_id(self) -> str | None: ...
    @property
    def author_login(self) -> str | None: ...
    @property
    def comments_count(self) -> int | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def merged_at(self) -> datetime | None: ...


def issue_richness(facts: _IssueFacts, created_at: datetime | None) -> tuple[int, int]:
    """(state order, how many facts the copy knows): a row and a record compare alike."""
    known = (
        facts.native_id,
        facts.author_login,
        facts.comments_count,
        facts.url,
        facts.closed_at,
        facts.merged_at,
        created_at,
    )
    return STATE_ORDER[facts.state], sum(v is not None for v in known)


def _issue_copy_wins(session: Session, rec: IssueRecord, raw: RawMetadata, issue: Issue) -> bool:
    """Whether this copy replaces the stored one: the newer by update time; at the same
    update time (or none), the richer; then the payload order (never the arrival)."""
    if raw.id == issue.raw_metadata_id:
        return True  # the same payload mapped again (rederive)
    new = (rec.updated_at or NEVER, issue_richness(rec, rec.created_at))
    old = (issue.forge_updated_at or NEVER, issue_richness(issue, issue.forge_created_at))
    if new != old:
        return new > old
    return payload_rank(raw) > repo.raw_rank(session, issue.raw_metadata_id)


def _set_issue(issue: Issue, rec: IssueRecord, raw: RawMetadata, mapper_version: str) -> None:
    issue.native_id = rec.native_id
    issue.title = rec.title
    issue.state = rec.state
    issue.forge_state = rec.forge_state
    issue.is_draft, issue.is_locked = rec.is_draft, rec.is_locked
    issue.author_login = rec.author_login
    issue.labels = list(rec.labels)
    issue.comments_count = rec.comments_count
    issue.url = rec.url
    issue.forge_created_at, issue.forge_updated_at = rec.created_at, rec.updated_at
    issue.closed_at, issue.merged_at = rec.closed_at, rec.merged_at
    issue.raw_metadata_id = raw.id
    issue.mapper_version = mapper_version
