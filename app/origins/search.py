"""Origin search: every filter and sort of REST ``/v1/origins`` and GraphQL
``origins``, in one place (neither API has a second implementation).

Lists page by keyset on ``(sort key, id)``; sort keys are the ``COALESCE``d
expressions the migration indexes, so the first page and the thousandth cost the
same. Text search uses the trigram index on name + description (``ILIKE`` served by
``gin_trgm_ops``), never a sequential scan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session, object_session
from sqlalchemy.sql.elements import ClauseElement

from app.kit.pagination import decode_cursor, encode_cursor
from app.kit.problems import InvalidCursor, Problem
from app.kit.text import LIKE_ESCAPE, like_contains
from app.licenses import repository as licenses
from app.models import Forge, Origin, OriginLicense, Owner, PaperLink, ScanSummary
from app.models.enums import LicenseVia, OriginKind, PaperLinkKind
from app.models.signals import OriginImportance
from app.signals.domains.repository import check_domain, domain_predicate
from app.signals.importance.repository import UNSCORED, origin_importance_expr
from app.signals.vulnerabilities.repository import (
    advisory_predicate,
    max_severity_predicate,
    parse_severity_bound,
    vulnerable_predicate,
)


class OriginSort(StrEnum):
    ID = "id"
    STARS = "stars"
    FORKS = "forks"
    CREATED = "created"
    UPDATED = "updated"
    SCANNED = "scanned"
    IMPORTANCE = "importance"  # app.signals.importance, formula importance@1


SORT_KEYS: dict[OriginSort, Any] = {  # column or COALESCE expression
    OriginSort.ID: Origin.id,
    OriginSort.STARS: func.coalesce(Origin.stars, -1),
    OriginSort.FORKS: func.coalesce(Origin.forks, -1),
    OriginSort.CREATED: func.coalesce(Origin.forge_created_at, text("'-infinity'::timestamptz")),
    OriginSort.UPDATED: func.coalesce(Origin.forge_updated_at, text("'-infinity'::timestamptz")),
    OriginSort.SCANNED: func.coalesce(Origin.last_scanned_at, text("'-infinity'::timestamptz")),
    OriginSort.IMPORTANCE: origin_importance_expr(Origin.id),
}
TIME_SORTS = {OriginSort.CREATED, OriginSort.UPDATED, OriginSort.SCANNED}


@dataclass(frozen=True)
class OriginFilters:
    forge: str | None = None
    kind: OriginKind | None = None
    language: str | None = None
    license: str | None = None  # an SPDX id appearing in any license finding
    license_expression: str | None = None  # an exact SPDX expression
    license_category: str | None = None  # of the reconciled effective license
    license_via: LicenseVia | None = None  # restricts license/license_expression
    has_paper: bool | None = None
    paper_link_kind: PaperLinkKind | None = None
    stars_min: int | None = None
    stars_max: int | None = None
    forks_min: int | None = None
    forks_max: int | None = None
    archived: bool | None = None
    fork: bool | None = None
    owner: str | None = None
    topic: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    scanned_after: datetime | None = None
    scanned_before: datetime | None = None
    q: str | None = None
    # Signals (app.signals): known vulnerabilities, application domain.
    vulnerable: bool | None = None  # an advisory affects the latest release or snapshot
    max_severity: str | None = None  # CVSS score or label bound of current advisories
    advisory: str | None = None  # concerned (at any version) by this advisory or alias
    domain: str | None = None  # assigned this domain or a narrower one
    sort: OriginSort = OriginSort.ID
    descending: bool = False

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> OriginFilters:
        """The filters of an API handler's arguments (``locals()``), matched by name:
        REST parameters and GraphQL arguments are named after the fields (a test checks
        both offer every one), and ``sort`` is ``parse_sort``'s spelling."""
        sort, descending = parse_sort(str(arguments.get("sort") or "id"))
        names = {f.name for f in fields(cls)} - {"sort", "descending"}
        given = {name: arguments[name] for name in names if name in arguments}
        return cls(**given, sort=sort, descending=descending)

    def __post_init__(self) -> None:
        """The bounds REST's query parameters declare, enforced here too so GraphQL
        callers get the same answer."""
        for name in ("stars_min", "stars_max", "forks_min", "forks_max"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise Problem(f"{name} must be >= 0, got {value}")
        if self.q is not None and not 2 <= len(self.q) <= 200:
            raise Problem("q must be 2 to 200 characters long")
        if self.max_severity is not None:
            parse_severity_bound(self.max_severity)
        if self.domain is not None:
            check_domain(self.domain)


def _filtered(session: Session, f: OriginFilters) -> Select[Origin]:
    stmt = select(Origin)
    if f.forge:
        stmt = stmt.where(Origin.forge_id.in_(select(Forge.id).where(Forge.name == f.forge)))
    if f.kind:
        stmt = stmt.where(Origin.kind == f.kind)
    if f.language:
        stmt = stmt.where(func.lower(Origin.language) == f.language.lower())
    if f.owner:
        stmt = stmt.where(
            Origin.owner_id.in_(select(Owner.id).where(Owner.login == f.owner.lower()))
        )
    if f.topic:
        stmt = stmt.where(Origin.topics.contains([f.topic.lower()]))
    if f.archived is not None:
        stmt = stmt.where(Origin.is_archived.is_(f.archived))
    if f.fork is not None:
        stmt = stmt.where(Origin.is_fork.is_(f.fork))
    # Star and fork ranges compare the COALESCEd sort keys so the sort indexes serve
    # range and order together; an unknown count (-1 there) is in no range, hence the
    # lower bound of at least 0.
    for column, low, high in (
        (SORT_KEYS[OriginSort.STARS], _known(f.stars_min, f.stars_max), f.stars_max),
        (SORT_KEYS[OriginSort.FORKS], _known(f.forks_min, f.forks_max), f.forks_max),
        (Origin.forge_created_at, f.created_after, f.created_before),
        (Origin.forge_updated_at, f.updated_after, f.updated_before),
        (Origin.last_scanned_at, f.scanned_after, f.scanned_before),
    ):
        if low is not None:
            stmt = stmt.where(column >= low)
        if high is not None:
            stmt = stmt.where(column <= high)
    if f.license:
        found = licenses.get_by_spdx_id(session, f.license)
        if found is None:
            raise Problem(f"unknown license id {f.license!r} (see /v1/licenses)")
        # Whole-token match: "MIT" matches "MIT OR Apache-2.0", not "MIT-0".
        keys = [i.lower() for i in (found.spdx_id, *found.other_spdx_ids)]
        stmt = stmt.where(_has_license(OriginLicense.keys.overlap(keys), f.license_via))
    if f.license_expression:
        stmt = stmt.where(
            _has_license(
                func.lower(OriginLicense.expression) == f.license_expression.lower(),
                f.license_via,
            )
        )
    if f.license_via and not (f.license or f.license_expression):
        stmt = stmt.where(_has_license(literal(True), f.license_via))
    if f.license_category:
        # The category of the last scan's effective license (scan_summary, written by
        # scans only: no forge refresh can make an origin drop out of this filter).
        stmt = stmt.where(
            select(ScanSummary.origin_id)
            .where(
                ScanSummary.origin_id == Origin.id,
                ScanSummary.is_current,
                func.lower(ScanSummary.license_category) == f.license_category.lower(),
            )
            .exists()
        )
    if f.has_paper is not None or f.paper_link_kind is not None:
        links = select(PaperLink.origin_id).where(PaperLink.origin_id == Origin.id)
        if f.paper_link_kind is not None:
            links = links.where(PaperLink.kind == f.paper_link_kind)
        linked = links.exists()
        stmt = stmt.where(~linked if f.has_paper is False else linked)
    if f.vulnerable is not None:
        stmt = stmt.where(vulnerable_predicate(Origin.id, f.vulnerable))
    if f.max_severity is not None:
        stmt = stmt.where(max_severity_predicate(Origin.id, parse_severity_bound(f.max_severity)))
    if f.advisory:
        stmt = stmt.where(advisory_predicate(Origin.id, f.advisory))
    if f.domain:
        stmt = stmt.where(domain_predicate(Origin.id, f.domain))
    if f.q:
        stmt = stmt.where(SEARCH_TEXT.ilike(like_contains(f.q), escape=LIKE_ESCAPE))
    return stmt


def _known(low: int | None, high: int | None) -> int | None:
    """The lower bound of a count range: at least 0 once any bound is given."""
    if low is None and high is None:
        return None
    return max(low or 0, 0)


SEARCH_TEXT = (
    func.coalesce(Origin.full_name, literal(""))
    .op("||")(" ")
    .op("||")(func.coalesce(Origin.description, literal("")))
)


def _has_license(condition: ColumnElement[bool], via: LicenseVia | None) -> ColumnElement[bool]:
    """The origin has a matching license, declared or detected in a file (or only
    ``via`` one of them), from the trigger-kept ``origin_license`` index: a probe of
    its primary key per origin, or the GIN index on ``keys`` for rare licenses."""
    match = select(literal(1)).where(OriginLicense.origin_id == Origin.id, condition)
    if via is not None:
        match = match.where(OriginLicense.via == via.value)
    return match.exists()


def _cursor_kind(f: OriginFilters) -> str:
    return f"origins:{f.sort.value}:{'desc' if f.descending else 'asc'}"


def search(
    session: Session, f: OriginFilters, *, cursor: str | None, limit: int
) -> tuple[Sequence[Origin], str | None]:
    """One page of origins and the cursor of the next (None on the last page)."""
    if f.sort is OriginSort.IMPORTANCE:
        return _search_by_importance(session, f, cursor=cursor, limit=limit)
    key = SORT_KEYS[f.sort]
    stmt = _filtered(session, f)
    if cursor is not None:
        value, last_id = _decode(f, cursor)
        if f.sort is OriginSort.ID:
            stmt = stmt.where(Origin.id < last_id if f.descending else Origin.id > last_id)
        else:
            pair = tuple_(key, Origin.id)
            start = value if isinstance(value, ClauseElement) else literal(value)
            bound = tuple_(start, literal(last_id))
            stmt = stmt.where(pair < bound if f.descending else pair > bound)
    order = [key.desc(), Origin.id.desc()] if f.descending else [key.asc(), Origin.id.asc()]
    if f.sort is OriginSort.ID:
        order = order[1:]
    rows = session.scalars(stmt.order_by(*order).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = cursor_for(f, last)
    return rows[:limit], next_cursor


def _search_by_importance(
    session: Session, f: OriginFilters, *, cursor: str | None, limit: int
) -> tuple[Sequence[Origin], str | None]:
    """``sort=importance``: the order of ``(coalesce(score, -1), id)`` read in two parts,
    so that ``ix_origin_importance_score (score, origin_id)`` serves the scored part
    (a top-N walks the index instead of sorting every match): origins with a score
    (always >= 0), then, below them, origins not scored yet (-1) by id. Descending
    reads scored then unscored, ascending the reverse; a cursor's value says which
    part it is in."""
    base = _filtered(session, f)
    scored = base.join(OriginImportance, OriginImportance.origin_id == Origin.id)
    unscored = base.where(
        ~select(literal(1)).where(OriginImportance.origin_id == Origin.id).exists()
    )
    parts = ["scored", "unscored"] if f.descending else ["unscored", "scored"]
    after: tuple[float, int] | None = None
    if cursor is not None:
        value, last_id = _decode(f, cursor)
        assert isinstance(value, float)
        after = (value, last_id)
        parts = parts[parts.index("unscored" if value == UNSCORED else "scored") :]
    rows: list[Origin] = []
    for part in parts:
        want = limit + 1 - len(rows)
        if want <= 0:
            break
        if part == "scored":
            pair = tuple_(OriginImportance.score, OriginImportance.origin_id)
            stmt = scored
            if after is not None and after[0] != UNSCORED:
                bound = tuple_(literal(after[0]), literal(after[1]))
                stmt = stmt.where(pair < bound if f.descending else pair > bound)
            keys = [OriginImportance.score, OriginImportance.origin_id]
        else:
            stmt = unscored
            if after is not None and after[0] == UNSCORED:
                stmt = stmt.where(Origin.id < after[1] if f.descending else Origin.id > after[1])
            keys = [Origin.id]
        order = [k.desc() for k in keys] if f.descending else [k.asc() for k in keys]
        rows += session.scalars(stmt.order_by(*order).limit(want)).all()
        after = None  # later parts start from their beginning
    if rows:  # the scores cursors are made of, in the identity map
        session.scalars(
            select(OriginImportance).where(OriginImportance.origin_id.in_([r.id for r in rows]))
        ).all()
    next_cursor = cursor_for(f, rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def count(session: Session, f: OriginFilters) -> int:
    """How many origins match (all pages): the same filters, counted over the indexes
    they use."""
    matching = _filtered(session, f).with_only_columns(Origin.id).subquery()
    return session.scalar(select(func.count()).select_from(matching)) or 0


def cursor_for(f: OriginFilters, origin: Origin) -> str:
    """The cursor that continues the list right after ``origin``."""
    return encode_cursor(_cursor_kind(f), [_sort_value(origin, f.sort), origin.id])


def _sort_value(origin: Origin, sort: OriginSort) -> object:
    match sort:
        case OriginSort.ID:
            return origin.id
        case OriginSort.STARS:
            return origin.stars if origin.stars is not None else -1
        case OriginSort.FORKS:
            return origin.forks if origin.forks is not None else -1
        case OriginSort.CREATED:
            return origin.forge_created_at.isoformat() if origin.forge_created_at else None
        case OriginSort.UPDATED:
            return origin.forge_updated_at.isoformat() if origin.forge_updated_at else None
        case OriginSort.SCANNED:
            return origin.last_scanned_at.isoformat() if origin.last_scanned_at else None
        case OriginSort.IMPORTANCE:
            session = object_session(origin)
            found = session.get(OriginImportance, origin.id) if session is not None else None
            return found.score if found is not None else UNSCORED


def _decode(f: OriginFilters, cursor: str) -> tuple[object, int]:
    value, last_id = decode_cursor(_cursor_kind(f), cursor, 2)
    if not isinstance(last_id, int):
        raise InvalidCursor(f"cursor {cursor!r} does not belong to this list")
    if f.sort in TIME_SORTS:
        if value is None:
            return text("'-infinity'::timestamptz"), last_id
        try:
            return datetime.fromisoformat(str(value)), last_id
        except ValueError as exc:
            raise InvalidCursor(f"cursor {cursor!r} does not belong to this list") from exc
    if f.sort is OriginSort.IMPORTANCE and isinstance(value, int | float):
        return float(value), last_id
    if not isinstance(value, int):
        raise InvalidCursor(f"cursor {cursor!r} does not belong to this list")
    return value, last_id


def parse_sort(value: str) -> tuple[OriginSort, bool]:
    """``stars`` ascending, ``-stars`` descending."""
    descending = value.startswith("-")
    try:
        return OriginSort(value.lstrip("-")), descending
    except ValueError as exc:
        choices = ", ".join(s.value for s in OriginSort)
        raise Problem(f"unknown sort {value!r}: use one of {choices}, '-' for descending") from exc
