"""SQL for origins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CTE,
    BigInteger,
    BindParameter,
    ColumnElement,
    LargeBinary,
    TableValuedAlias,
    and_,
    any_,
    bindparam,
    column,
    distinct,
    func,
    not_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import Session, defer

from app.forges.repository import url_holders
from app.forges.urls import normalize_url
from app.models import (
    Content,
    ContentFact,
    Issue,
    LicenseFinding,
    Origin,
    OriginAlias,
    PathOccurrence,
    RawMetadata,
    ScanSummary,
    Snapshot,
    Visit,
)
from app.models.enums import IssueKind, IssueState, LicenseSource


def get(session: Session, origin_id: int) -> Origin | None:
    return session.get(Origin, origin_id)


def get_by_url(session: Session, url: str) -> Origin | None:
    """By URL as given or normalized (scheme, host case, ``www.``, ``.git``, trailing
    slash), current or former (rename, transfer): the origin that held it last."""
    try:
        candidates = list(dict.fromkeys([url, normalize_url(url)]))
    except ValueError:  # not a URL with a host: only an exact match can apply
        candidates = [url]
    for candidate in candidates:
        holders = url_holders(session, candidate)
        if holders:
            return holders[0]
    return None


def get_by_swhid_id(session: Session, swhid_id: bytes) -> Origin | None:
    """Several origins share an origin SWHID when they held one URL in turn (SWH's
    origin is the URL): the one fetched last is the one it names now."""
    return session.scalars(
        select(Origin)
        .where(Origin.swhid_id == swhid_id)
        .order_by(Origin.last_fetched_at.desc().nulls_last(), Origin.id)
        .limit(1)
    ).first()


def by_ids(session: Session, ids: Sequence[int]) -> dict[int, Origin]:
    if not ids:
        return {}
    return {o.id: o for o in session.scalars(select(Origin).where(Origin.id.in_(ids)))}


def license_findings(
    session: Session, origin_ids: Sequence[int]
) -> dict[int, list[LicenseFinding]]:
    """Findings attached to each origin (declared by forges, reconciled, ...)."""
    out: dict[int, list[LicenseFinding]] = {i: [] for i in origin_ids}
    if not origin_ids:
        return out
    rows = session.scalars(
        select(LicenseFinding)
        .where(LicenseFinding.origin_id.in_(origin_ids))
        .order_by(LicenseFinding.origin_id, LicenseFinding.id)
    )
    for finding in rows:
        out[finding.origin_id or 0].append(finding)
    return out


def aliases(session: Session, origin_id: int) -> Sequence[OriginAlias]:
    """The URLs the origin was known by before (``origin_alias`` also holds its
    current one, with the period it has been seen there)."""
    return session.scalars(
        select(OriginAlias)
        .join(Origin, Origin.id == OriginAlias.origin_id)
        .where(OriginAlias.origin_id == origin_id, OriginAlias.url != Origin.url)
        .order_by(OriginAlias.id)
    ).all()


# --- the detail view, batched: each function takes many origins and runs one query ---
#
# GraphQL's DataLoaders call these with the origins of a whole page, REST with one id;
# every result holds a key for every origin asked for.

RAW_PAYLOADS_LIMIT = 20
EXAMPLE_PATHS = 3


@dataclass(frozen=True)
class LatestVisit:
    visit: Visit
    snapshot: Snapshot | None
    files: int


@dataclass(frozen=True)
class LanguageCount:
    language: str
    files: int
    bytes: int


@dataclass(frozen=True)
class IssueCount:
    kind: IssueKind
    state: IssueState
    count: int
    last_updated_at: datetime | None


@dataclass(frozen=True)
class DetectedLicense:
    expression: str
    files: int
    sources: list[LicenseSource]
    example_paths: list[bytes]


def _ids(origin_ids: Sequence[int]) -> BindParameter[Sequence[int]]:
    """The ids as one array parameter (``= ANY(:ids)``, ``unnest(:ids)``), whatever
    their number, so the statement text does not change with the page size."""
    return bindparam(None, list(origin_ids), type_=ARRAY(BigInteger))


def _id_table(origin_ids: Sequence[int]) -> TableValuedAlias:
    return (
        func.unnest(_ids(origin_ids))
        .table_valued(column("id", BigInteger), name="ids")
        .render_derived(name="ids")
    )


def latest_visits(session: Session, origin_ids: Sequence[int]) -> dict[int, LatestVisit | None]:
    """Each origin's newest visit (whatever its status), its snapshot, and how many
    files the snapshot holds (an index-only count on path_occurrence)."""
    out: dict[int, LatestVisit | None] = dict.fromkeys(origin_ids)
    if not origin_ids:
        return out
    ids = _id_table(origin_ids)
    newest = (
        select(Visit.id)
        .where(Visit.origin_id == ids.c.id)
        .order_by(Visit.date.desc(), Visit.id.desc())
        .limit(1)
        .correlate(ids)
        .lateral("newest")
    )
    files = (
        select(func.count())
        .select_from(PathOccurrence)
        .where(
            PathOccurrence.origin_id == Visit.origin_id,
            PathOccurrence.snapshot_id == Visit.snapshot_id,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(Visit, Snapshot, files)
        .select_from(ids)
        .join(newest, true())
        .join(Visit, Visit.id == newest.c.id)
        .outerjoin(Snapshot, Snapshot.id == Visit.snapshot_id)
    )
    for visit, snapshot, count in rows:
        out[visit.origin_id] = LatestVisit(visit, snapshot, int(count or 0))
    return out


def _latest_snapshots(origin_ids: Sequence[int]) -> CTE:
    """(origin_id, snapshot_id) of each origin's newest visit that produced a snapshot:
    a failed or ongoing visit does not hide the files of the one before."""
    ids = _id_table(origin_ids)
    newest = (
        select(Visit.snapshot_id)
        .where(Visit.origin_id == ids.c.id, Visit.snapshot_id.is_not(None))
        .order_by(Visit.date.desc(), Visit.id.desc())
        .limit(1)
        .correlate(ids)
        .lateral("newest")
    )
    return (
        select(ids.c.id.label("origin_id"), newest.c.snapshot_id)
        .select_from(ids)
        .join(newest, true())
        .cte("latest_snapshot")
    )


def languages(session: Session, origin_ids: Sequence[int]) -> dict[int, list[LanguageCount]]:
    """Files and bytes per language in each origin's latest snapshot, largest first.

    As GitHub Linguist does, vendored, generated and binary files are left out, and so
    are files without a language (including those not analysed yet).

    A scan stores the breakdown of the snapshot it recorded in ``scan_summary`` (see
    ``app/scans/summary.py``): computed on read it costs two index lookups per file,
    ~260 ms at 30,000 files. Only origins whose latest snapshot has no stored
    breakdown (filled by other means, or scanned before this existed) are computed."""
    out: dict[int, list[LanguageCount]] = {i: [] for i in origin_ids}
    if not origin_ids:
        return out
    snap = _latest_snapshots(origin_ids)
    missing = []
    for origin_id, stored in session.execute(
        select(snap.c.origin_id, ScanSummary.languages)
        .select_from(snap)
        .outerjoin(
            ScanSummary,
            and_(
                ScanSummary.origin_id == snap.c.origin_id,
                ScanSummary.snapshot_id == snap.c.snapshot_id,
            ),
        )
    ):
        if isinstance(stored, list):
            out[origin_id] = [LanguageCount(*row) for row in stored]
        else:
            missing.append(origin_id)
    if missing:
        out.update(count_languages(session, _latest_snapshots(missing)))
    return out


def _files_of(snap: CTE) -> ColumnElement[bool]:
    """Join condition: the files of each (origin_id, snapshot_id) of ``snap`` (served
    by the occurrence table's unique (origin_id, snapshot_id, path) index)."""
    return and_(
        PathOccurrence.origin_id == snap.c.origin_id,
        PathOccurrence.snapshot_id == snap.c.snapshot_id,
    )


def count_languages(session: Session, snap: CTE) -> dict[int, list[LanguageCount]]:
    """The breakdown of each (origin_id, snapshot_id) of ``snap``."""
    out: dict[int, list[LanguageCount]] = {}
    files = func.count().label("files")
    size = func.sum(Content.length).label("bytes")
    rows = session.execute(
        select(snap.c.origin_id, ContentFact.language, files, size)
        .select_from(snap)
        .join(PathOccurrence, _files_of(snap))
        .join(ContentFact, ContentFact.content_id == PathOccurrence.content_id)
        .join(Content, Content.id == PathOccurrence.content_id)
        .where(
            ContentFact.language.is_not(None),
            not_(ContentFact.is_vendored),
            not_(ContentFact.is_generated),
            not_(ContentFact.is_binary),
        )
        .group_by(snap.c.origin_id, ContentFact.language)
        .order_by(snap.c.origin_id, size.desc(), files.desc(), ContentFact.language)
    )
    for origin_id, language, n, total in rows:
        out.setdefault(origin_id, []).append(LanguageCount(language, int(n), int(total or 0)))
    return out


def issue_stats(session: Session, origin_ids: Sequence[int]) -> dict[int, list[IssueCount]]:
    """Issues and pull requests per kind and normalized state, with the newest
    ``forge_updated_at`` of each group (on the (origin_id, state, kind) index)."""
    out: dict[int, list[IssueCount]] = {i: [] for i in origin_ids}
    if not origin_ids:
        return out
    rows = session.execute(
        select(
            Issue.origin_id,
            Issue.kind,
            Issue.state,
            func.count(),
            func.max(Issue.forge_updated_at),
        )
        .where(Issue.origin_id == any_(_ids(origin_ids)))
        .group_by(Issue.origin_id, Issue.kind, Issue.state)
    )
    for origin_id, kind, state, n, updated in rows:
        out[origin_id].append(IssueCount(kind, state, int(n), updated))
    return out


def detected_licenses(
    session: Session, origin_ids: Sequence[int]
) -> dict[int, list[DetectedLicense]]:
    """License expressions found in the files of each origin's latest snapshot: per
    expression the files, the kinds of evidence, and the first paths in path order.

    Vendored files count (their licenses bind whoever redistributes them); findings
    whose text could not be mapped to an expression are left out, as in the
    ``detected`` side of the license index."""
    out: dict[int, list[DetectedLicense]] = {i: [] for i in origin_ids}
    if not origin_ids:
        return out
    snap = _latest_snapshots(origin_ids)
    files = func.count(distinct(PathOccurrence.id)).label("files")
    paths = type_coerce(
        func.array_agg(aggregate_order_by(distinct(PathOccurrence.path), PathOccurrence.path)),
        ARRAY(LargeBinary),
    )
    rows = session.execute(
        select(
            snap.c.origin_id,
            LicenseFinding.expression,
            files,
            func.array_agg(
                aggregate_order_by(distinct(LicenseFinding.source), LicenseFinding.source)
            ),
            paths[1:EXAMPLE_PATHS],
        )
        .select_from(snap)
        .join(PathOccurrence, _files_of(snap))
        .join(LicenseFinding, LicenseFinding.content_id == PathOccurrence.content_id)
        .where(LicenseFinding.expression.is_not(None))
        .group_by(snap.c.origin_id, LicenseFinding.expression)
        .order_by(snap.c.origin_id, files.desc(), LicenseFinding.expression)
    )
    for origin_id, expression, n, sources, examples in rows:
        out[origin_id].append(
            DetectedLicense(
                expression,
                int(n),
                [LicenseSource(s) for s in sources],
                [bytes(p) for p in examples or []],
            )
        )
    return out


def raw_payloads(
    session: Session, origin_ids: Sequence[int], *, limit: int = RAW_PAYLOADS_LIMIT
) -> dict[int, list[RawMetadata]]:
    """Each origin's newest stored payloads (without their bytes), newest first: the
    first page of ``/v1/origins/{id}/raw`` in the other order."""
    out: dict[int, list[RawMetadata]] = {i: [] for i in origin_ids}
    if not origin_ids:
        return out
    ids = _id_table(origin_ids)
    newest = (
        select(RawMetadata.id)
        .where(RawMetadata.origin_id == ids.c.id)
        .order_by(RawMetadata.fetched_at.desc(), RawMetadata.id.desc())
        .limit(limit)
        .correlate(ids)
        .lateral("newest")
    )
    rows = session.scalars(
        select(RawMetadata)
        .select_from(ids)
        .join(newest, true())
        .join(RawMetadata, RawMetadata.id == newest.c.id)
        .options(defer(RawMetadata.payload))
        .order_by(RawMetadata.origin_id, RawMetadata.fetched_at.desc(), RawMetadata.id.desc())
    )
    for raw in rows:
        out[raw.origin_id or 0].append(raw)
    return out
