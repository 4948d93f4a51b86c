"""Store what a forge or registry said, then normalize it into the unified model.

Order and guarantees, for every payload (a dump line, a live response):

1. the raw payload is stored verbatim first (authority, format, fetcher, time), so
   nothing read is ever lost, even when it cannot be mapped;
2. a payload already stored (same authority, URL and bytes) changes nothing more;
3. the versioned mapper runs (``app.forges.mappers``); a malformed payload is a
   failed item with its reason, the raw row kept;
4. the normalized rows are written inside a savepoint: a payload is applied whole or
   not at all, and every row points to the payload and mapper version behind it;
5. a payload older than the one that produced an origin's current fields does not
   overwrite them (dumps may arrive out of order).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.orm import Session

from app.forges import repository as repo
from app.forges.envelope import Envelope
from app.forges.errors import UnmappablePayload
from app.forges.mappers import map_envelope, resolve_forge_kind
from app.forges.mappers._common import repo_path_from_api_url
from app.forges.records import IssueRecord, MappedPayload, OriginRecord
from app.forges.urls import canonical_repository_url, parse_repository_url
from app.kit.swhid import origin_swhid_id
from app.models import Issue, LicenseFinding, Origin, Owner, RawMetadata
from app.models.enums import ForgeKind, OriginKind
from app.papers.service import record_registry_links

log = logging.getLogger(__name__)
Status = Literal["applied", "unchanged", "stale", "failed"]


@dataclass(frozen=True)
class IngestOutcome:
    status: Status
    raw_metadata_id: int | None
    origin_id: int | None = None
    issues: int = 0
    error: str | None = None


def store_raw(session: Session, env: Envelope) -> tuple[RawMetadata, bool]:
    """The raw row for this payload, and whether it is new."""
    digest = hashlib.sha256(env.payload_bytes).digest()
    existing = repo.find_raw(session, env.authority, env.url, digest)
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
    """Write the normalized rows of one mapped payload, all or nothing."""
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
    return IngestOutcome(
        status, raw.id, origin_id=origin.id if origin else None, issues=len(mapped.issues)
    )


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
) -> Origin:
    """An origin we know only by reference (a fork parent, an issue page's project)."""
    forge = repo.forge_for(session, host, kind)
    origin = Origin(
        url=url,
        swhid_id=origin_swhid_id(url),
        forge_id=forge.id,
        kind=origin_kind,
        native_id=native_id,
        topics=[],
        extra={},
    )
    session.add(origin)
    session.flush()
    if origin_kind is OriginKind.REPOSITORY:
        repo.link_packages_to_repository(session, origin)
    return origin


def _owner(
    session: Session, raw: RawMetadata, rec: OriginRecord, forge_id: int, mapper_version: str
) -> Owner | None:
    if rec.owner is None:
        return None
    owner = repo.owner_by_login(session, forge_id, rec.owner.login)
    if owner is None:
        owner = Owner(
            forge_id=forge_id, login=rec.owner.login.lower(), display_login=rec.owner.login
        )
        session.add(owner)
    owner.display_login = rec.owner.login
    owner.native_id = rec.owner.native_id or owner.native_id
    owner.kind = rec.owner.kind or owner.kind
    owner.name = rec.owner.name or owner.name
    owner.url = rec.owner.url or owner.url
    owner.raw_metadata_id = raw.id
    owner.mapper_version = mapper_version
    session.flush()
    return owner


def _apply_origin(
    session: Session, raw: RawMetadata, rec: OriginRecord, mapped: MappedPayload
) -> tuple[Origin, bool]:
    forge = repo.forge_for(session, rec.forge, rec.forge_kind)
    origin = None
    if rec.native_id:
        origin = repo.origin_by_native_id(session, forge.id, rec.native_id)
    holder = repo.origin_by_url_or_alias(session, rec.url)
    if origin is None:
        origin = holder
    elif holder is not None and holder.id != origin.id and holder.url == rec.url:
        raise UnmappablePayload(
            f"{rec.url} already belongs to origin {holder.id}, not to {rec.forge} id "
            f"{rec.native_id}"
        )
    created = origin is None
    if origin is None:
        origin = Origin(
            url=rec.url,
            swhid_id=origin_swhid_id(rec.url),
            forge_id=forge.id,
            kind=rec.kind,
            topics=[],
            extra={},
        )
        session.add(origin)
        session.flush()
    fetched = raw.fetched_at
    if not created and origin.last_fetched_at and fetched < origin.last_fetched_at:
        for old in rec.previous_urls:  # an old payload still teaches us old names
            repo.add_alias(session, origin.id, old, "renamed", raw.id)
        return origin, False
    if origin.url != rec.url:  # renamed or transferred: keep the old URL as an alias
        old_url = origin.url
        origin.url = rec.url
        origin.swhid_id = origin_swhid_id(rec.url)
        session.flush()
        repo.add_alias(session, origin.id, old_url, "renamed", raw.id)
    for old in rec.previous_urls:
        repo.add_alias(session, origin.id, old, "renamed", raw.id)
    owner = _owner(session, raw, rec, forge.id, mapped.mapper_version)
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
    origin.default_branch = rec.default_branch
    origin.issue_tracker_url = rec.issue_tracker_url
    origin.forge_created_at, origin.forge_updated_at, origin.forge_pushed_at = (
        rec.created_at,
        rec.updated_at,
        rec.pushed_at,
    )
    origin.extra = {
        k: v
        for k, v in {
            "is_mirror": rec.is_mirror or None,
            "latest_version": rec.latest_version,
            "fork_source_url": rec.fork_source_url,
        }.items()
        if v is not None
    }
    origin.raw_metadata_id = raw.id
    origin.mapper_version = mapped.mapper_version
    origin.last_fetched_at = fetched
    origin.fork_parent_id = None
    if rec.fork_parent_url:
        parent = None
        if rec.fork_parent_native_id:
            parent = repo.origin_by_native_id(session, forge.id, rec.fork_parent_native_id)
        parent = parent or repo.origin_by_url_or_alias(session, rec.fork_parent_url)
        parent = parent or _placeholder(
            session, rec.fork_parent_url, rec.forge, rec.forge_kind, rec.fork_parent_native_id
        )
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


def _issues_origin(
    session: Session, raw: RawMetadata, mapped: MappedPayload, hint: str | None
) -> Origin:
    """The project an issue page belongs to: the envelope's ``origin``, else the API
    URL it was fetched from, else the issues' own web URLs."""
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
        return repo.origin_by_url_or_alias(session, url) or _placeholder(
            session, url, ref.host, kind
        )
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
        elif issue.forge_updated_at and rec.updated_at and rec.updated_at < issue.forge_updated_at:
            continue  # an older copy of this issue: keep the newer one
        _set_issue(issue, rec, raw, mapped.mapper_version)
    session.flush()


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
