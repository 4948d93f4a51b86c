"""Telling those who already built: withdrawals per build, a change feed per dataset
and signed webhooks.

When an opt-out takes effect (its verification, an operator's approval: every path
goes through :func:`app.optouts.service.activate`), the registry queues the job
``datasets.withdrawals``. Its body, :func:`compute`, brings every finished build up
to the registry's current version:

* for each build whose withdrawals were computed up to an older version, the contents
  excluded for the build's purpose now (the same resolution a new build runs, shared
  between builds of one purpose) are intersected with its manifest; the new ones are
  recorded in ``dataset_withdrawal`` at the current version (a content is withdrawn
  from a build once, at the first version that covers it);
* each build with new withdrawals gets one entry in its dataset's change feed (JSON
  Feed 1.1 and Atom, :mod:`app.optouts.feed`) and one signed delivery per webhook
  subscription of the topic ``dataset:<id>:withdrawals`` (:mod:`app.optouts.webhooks`:
  HMAC-SHA256, retried with exponential backoff).

Idempotent: a build is locked while it is brought up to date and remembers the
version it reached, so a redelivered or concurrent job finds nothing new and
announces nothing twice. Only SWHIDs leave the service: never the opt-out, its scope
or who asked (a public list of what a person withdrew can be used against them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.orm import Session

from app.datasets import optouts
from app.datasets.schemas import WithdrawalOut, WithdrawalsOut
from app.jobs.service import JobContext
from app.kit.db import UnitOfWork, unit_of_work
from app.kit.pagination import decode_cursor, encode_cursor
from app.kit.problems import InvalidCursor
from app.kit.swhid import ObjectType, format_swhid
from app.models import Dataset, DatasetBuild, DatasetRevision, DatasetWithdrawal
from app.optouts import registry, webhooks
from app.optouts.feed import Entry

FEED_SWHIDS = 1000  # SWHIDs carried in one feed entry (the rest: its withdrawals URL)
FEED_ENTRIES = 100


def topic(dataset_id: int) -> str:
    return f"dataset:{int(dataset_id)}:withdrawals"


def feed_path(dataset_id: int) -> str:
    return f"/v1/datasets/{int(dataset_id)}/withdrawals/feed.json"


def withdrawals_path(dataset_id: int, number: int, since: int) -> str:
    return f"/v1/datasets/{int(dataset_id)}/builds/{int(number)}/withdrawals?since={int(since)}"


@dataclass
class BuildWithdrawals:
    build_id: int
    dataset_id: int
    number: int
    new: int


def _pending_builds(session: Session, version: int) -> list[DatasetBuild]:
    reached = func.coalesce(
        DatasetBuild.withdrawals_version, DatasetBuild.optout_registry_version, -1
    )
    return list(
        session.scalars(
            select(DatasetBuild)
            .where(DatasetBuild.state == "succeeded", reached < version)
            .order_by(DatasetBuild.id)
            # Wait (never skip): a job that started at an older version may hold a
            # build; skipping it would leave it short of this newer version. Locks are
            # taken in id order, so two jobs cannot deadlock.
            .with_for_update()
        ).all()
    )


def compute(uow: UnitOfWork) -> dict[str, Any]:
    """Bring every finished build's withdrawals up to the current registry version and
    announce the new ones (feed entries are read from the table; webhooks queued)."""
    session = uow.session
    version = registry.current_version(session)
    done: list[BuildWithdrawals] = []
    sets: dict[str, optouts.Prepared | None] = {}
    for build in _pending_builds(session, version):
        revision = session.get(DatasetRevision, build.revision_id)
        assert revision is not None
        prepared = sets.get(revision.purpose)
        if revision.purpose not in sets:
            prepared = optouts.prepare(
                session, revision.purpose, version, f"wd_{len(sets)}", refresh=not sets
            )
            sets[revision.purpose] = prepared
        new = 0
        if prepared is not None and prepared.total:
            result = session.execute(
                text(
                    "INSERT INTO dataset_withdrawal (build_id, sha1_git, registry_version) "
                    "SELECT m.build_id, m.sha1_git, :version FROM dataset_manifest m "
                    f"JOIN {prepared.table} x ON x.content_id = m.content_id "
                    "WHERE m.build_id = :build "
                    "ON CONFLICT DO NOTHING"
                ),
                {"version": version, "build": build.id},
            )
            new = int(getattr(result, "rowcount", 0) or 0)
        build.withdrawals_version = version
        done.append(BuildWithdrawals(build.id, build.dataset_id, build.number, new))
    session.flush()
    announced = [b for b in done if b.new]
    for item in announced:
        entries = [e for e in build_entries(session, item.build_id) if _version_of(e) == version]
        dataset = session.get(Dataset, item.dataset_id)
        assert dataset is not None
        webhooks.publish(
            uow,
            topic(item.dataset_id),
            f"Withdrawals from {dataset.name}",
            feed_path(item.dataset_id),
            entries,
        )
    return {
        "registry_version": version,
        "builds": len(done),
        "withdrawn": sum(b.new for b in done),
        "announced": len(announced),
    }


def withdrawals_body(context: JobContext) -> dict[str, object]:
    """The job ``datasets.withdrawals`` (its params name the version that queued it,
    for the record; it always brings builds up to the current version)."""
    with unit_of_work(context.factory) as uow:
        return compute(uow)


def _version_of(entry: Entry) -> int:
    return int(entry.data.get("registry_version", -1))


def _entries(session: Session, where: Any, limit: int) -> list[Entry]:
    groups = session.execute(
        select(
            DatasetWithdrawal.build_id,
            DatasetWithdrawal.registry_version,
            func.count(),
            func.max(DatasetWithdrawal.created_at),
        )
        .where(where)
        .group_by(DatasetWithdrawal.build_id, DatasetWithdrawal.registry_version)
        .order_by(func.max(DatasetWithdrawal.created_at).desc(), DatasetWithdrawal.build_id)
        .limit(limit)
    ).all()
    out = []
    for build_id, version, count, at in groups:
        build = session.get(DatasetBuild, build_id)
        assert build is not None
        out.append(_entry(session, build, int(version), int(count), at))
    return out


def _entry(session: Session, build: DatasetBuild, version: int, count: int, at: datetime) -> Entry:
    shas = session.scalars(
        select(DatasetWithdrawal.sha1_git)
        .where(
            DatasetWithdrawal.build_id == build.id, DatasetWithdrawal.registry_version == version
        )
        .order_by(DatasetWithdrawal.sha1_git)
        .limit(FEED_SWHIDS)
    ).all()
    path = withdrawals_path(build.dataset_id, build.number, version - 1)
    return Entry(
        id=f"tag:codecommons,2026:dataset/{build.dataset_id}/build/{build.number}/withdrawals/{version}",
        title=f"Build {build.number}: {count} file(s) withdrawn at registry version {version}",
        updated=at,
        text=(
            f"{count} file(s) of build {build.number} are now opted out for its purpose; "
            "drop them before training again. SWHIDs at the url (paged)."
        ),
        url=path,
        data={
            "dataset_id": build.dataset_id,
            "build": build.number,
            "registry_version": version,
            "files": count,
            "swhids": [format_swhid(ObjectType.CONTENT, bytes(s)) for s in shas],
            "complete": count <= FEED_SWHIDS,
            "withdrawals": path,
        },
    )


def build_entries(session: Session, build_id: int) -> list[Entry]:
    return _entries(session, DatasetWithdrawal.build_id == build_id, FEED_ENTRIES)


def dataset_entries(session: Session, dataset_id: int) -> list[Entry]:
    """The dataset's feed: one entry per build and registry version, newest first."""
    builds = select(DatasetBuild.id).where(DatasetBuild.dataset_id == dataset_id)
    return _entries(session, DatasetWithdrawal.build_id.in_(builds), FEED_ENTRIES)


def page(
    session: Session, build: DatasetBuild, since: int, after: tuple[int, bytes] | None, limit: int
) -> list[DatasetWithdrawal]:
    """Withdrawals found after registry version ``since``, by (version, SWHID)."""
    stmt = select(DatasetWithdrawal).where(
        DatasetWithdrawal.build_id == build.id, DatasetWithdrawal.registry_version > since
    )
    if after is not None:
        stmt = stmt.where(
            tuple_(DatasetWithdrawal.registry_version, DatasetWithdrawal.sha1_git) > after
        )
    return list(
        session.scalars(
            stmt.order_by(DatasetWithdrawal.registry_version, DatasetWithdrawal.sha1_git).limit(
                limit
            )
        ).all()
    )


def cursor_kind(build: DatasetBuild, since: int) -> str:
    """A cursor belongs to one build and one ``since``: another list refuses it."""
    return f"withdrawals:{build.id}:{since}"


def decode_after(kind: str, cursor: str | None) -> tuple[int, bytes] | None:
    if cursor is None:
        return None
    version, sha = decode_cursor(kind, cursor, 2)
    if not isinstance(version, int) or not isinstance(sha, str) or len(sha) != 40:
        raise InvalidCursor("cursor does not belong to this list")
    try:
        return version, bytes.fromhex(sha)
    except ValueError as exc:
        raise InvalidCursor("cursor does not belong to this list") from exc


def item_cursor(kind: str, item: WithdrawalOut) -> str:
    return encode_cursor(kind, [item.registry_version, item.swhid.rsplit(":", 1)[-1]])


def listing(
    session: Session, build: DatasetBuild, since: int, cursor: str | None, limit: int
) -> WithdrawalsOut:
    """One page of a build's withdrawals after registry version ``since``, as REST,
    GraphQL and the CLI serve it: SWHIDs and versions, never who asked."""
    kind = cursor_kind(build, since)
    rows = page(session, build, since, decode_after(kind, cursor), limit + 1)
    items = [
        WithdrawalOut(
            swhid=format_swhid(ObjectType.CONTENT, bytes(r.sha1_git)),
            registry_version=r.registry_version,
        )
        for r in rows[:limit]
    ]
    return WithdrawalsOut(
        dataset_id=build.dataset_id,
        build=build.number,
        build_registry_version=build.optout_registry_version,
        checked_version=build.withdrawals_version,
        items=items,
        next_cursor=item_cursor(kind, items[-1]) if len(rows) > limit else None,
    )
