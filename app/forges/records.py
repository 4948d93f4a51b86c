"""What the forge and registry mappers produce: plain, frozen records, no database.

The persistence layer turns these into ``origin``, ``owner``, ``origin_alias``,
``issue`` and ``license_finding`` rows. Keeping the mappers pure means any payload
stored in ``raw_metadata`` can be re-mapped (by a newer mapper version) and compared
without touching the database, and the mappers can be tested on recorded responses.

Conventions shared by every record:

* datetimes are timezone-aware (UTC when the forge gives an offset or ``Z``);
* URLs are canonical (see :mod:`app.forges.urls`) unless the field says otherwise;
* lists are tuples so the records stay hashable and immutable;
* ``None`` means "the payload did not say", never "zero" or "false".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.licenses.spdx import DeclaredLicense
from app.models.enums import ForgeKind, IssueKind, IssueState, OriginKind, OwnerKind


@dataclass(frozen=True, slots=True)
class OwnerRecord:
    """A user or organization account on a forge or registry.

    ``login`` is spelled as the forge spells it; the persistence layer lower-cases it
    for the unique key on case-insensitive forges and keeps this spelling for display.
    """

    forge: str  # host name, e.g. github.com
    login: str
    native_id: str | None = None
    kind: OwnerKind | None = None
    name: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class OriginRecord:
    """A repository or package, normalized across forges and registries."""

    url: str  # canonical URL: what matches spellings and aliases (never hashed)
    forge: str  # host name of the forge or registry (with its port when not the default)
    forge_kind: ForgeKind
    kind: OriginKind
    native_id: str | None = None
    full_name: str | None = None
    owner: OwnerRecord | None = None
    is_fork: bool = False
    fork_parent_url: str | None = None
    fork_parent_native_id: str | None = None
    fork_parent_archive_url: str | None = None  # the parent's URL as the forge spells it
    fork_source_url: str | None = None  # root of the fork network (GitHub's ``source``)
    description: str | None = None
    homepage: str | None = None
    topics: tuple[str, ...] = ()
    language: str | None = None
    stars: int | None = None
    forks: int | None = None
    watchers: int | None = None
    open_issues: int | None = None
    is_archived: bool = False
    is_template: bool = False
    is_mirror: bool = False
    default_branch: str | None = None
    issue_tracker_url: str | None = None
    # Packages: the repository the package says it comes from (canonical when it
    # could be parsed, as declared otherwise) and the ones earlier versions declared.
    declared_repository_url: str | None = None
    previous_declared_repository_urls: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    pushed_at: datetime | None = None
    # Canonical URLs this same origin was known by before (rename, transfer); they
    # become ``origin_alias`` rows so the old URL still resolves.
    previous_urls: tuple[str, ...] = ()
    declared_licenses: tuple[DeclaredLicense, ...] = ()
    latest_version: str | None = None  # packages: the version the record describes
    # The URL as the forge or registry spells it, the one Software Heritage records and
    # hashes into ``swh:1:ori:`` (GitHub's ``html_url``, GitLab's ``http_url_to_repo``...).
    archive_url: str | None = None


@dataclass(frozen=True, slots=True)
class IssueRecord:
    """An issue or a pull/merge request in one vocabulary; ``forge_state`` keeps the original."""

    kind: IssueKind
    number: int
    title: str
    state: IssueState
    forge_state: str
    native_id: str | None = None
    is_draft: bool = False
    is_locked: bool = False
    author_login: str | None = None
    labels: tuple[str, ...] = ()
    comments_count: int | None = None
    url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    merged_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MappedPayload:
    """What one raw payload maps to, and which mapper (and version) said so.

    ``mapper_version`` (e.g. ``github-repo@1``) is stored next to every row derived
    from the payload, so rows made by an older mapper can be found and re-derived.
    """

    mapper: str
    mapper_version: str
    origin: OriginRecord | None = None
    issues: tuple[IssueRecord, ...] = field(default_factory=tuple)
