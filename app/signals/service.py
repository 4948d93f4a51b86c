"""The signal jobs both the API and the CLI start: import OSV advisories, and refresh
(match advisories, assign domains, compute importance) from what is stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.forges.ingest import IngestOutcome
from app.jobs import kinds
from app.jobs import repository as jobs
from app.jobs.service import JobContext, PermanentJobError
from app.kit.db import unit_of_work
from app.models import Origin
from app.models.enums import JobItemState, OriginKind
from app.signals import repository as signals
from app.signals.domains.assign import assign_all
from app.signals.importance.score import compute_all, record_dependencies, score_origins
from app.signals.vulnerabilities import repository as advisories
from app.signals.vulnerabilities.imports import (
    DEFAULT_AUTHORITY,
    REDERIVE_BATCH,
    import_items,
    read_items,
    rederive_advisories,
)
from app.signals.vulnerabilities.matching import match_all


def refresh(session: Session) -> dict[str, object]:
    """Recompute every derived signal; each step is re-runnable and versioned."""
    return {
        "advisories": match_all(session).as_dict(),
        "domains": assign_all(session).as_dict(),
        "importance": compute_all(session).as_dict(),
    }


def refresh_all(factory: sessionmaker[Session] | None = None) -> dict[str, object]:
    with unit_of_work(factory) as uow:
        return refresh(uow.session)


REFRESH_BATCH = 1000  # origins per transaction of the refresh job
MAX_REFRESH_BATCH = 50_000


def _batches(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def recompute_origins(session: Session, batch: list[int], totals: dict[str, int]) -> None:
    """Advisory matches, domains and importance of one batch of origins, adding to
    ``totals``; the batch's stale marks are consumed (it is recomputed now)."""
    signals.forget_pending(session, batch)
    matched = match_all(session, batch)
    totals["advisory_matches_current"] += matched.current
    totals["origins_with_advisories"] += matched.origins
    assigned = assign_all(session, batch)
    totals["domain_assignments"] += assigned.assignments
    scored = score_origins(session, batch)
    totals["importance_signals"] += scored.signals
    totals["origins_scored"] += scored.origins


def refresh_pending_body(context: JobContext, size: int) -> dict[str, object]:
    """Recompute the origins queued in ``signal_pending`` (their papers changed), a
    batch per transaction, until the queue is empty: each batch is claimed and
    recomputed in one transaction, so a crash puts it back for the retry."""
    with unit_of_work(context.factory) as uow:
        total = signals.pending_count(uow.session)
    totals: dict[str, int] = defaultdict(int)
    done, batches = 0, 0
    context.progress(0, total)
    while True:
        with unit_of_work(context.factory) as uow:
            batch = signals.claim_pending(uow.session, size)
            if batch:
                recompute_origins(uow.session, batch, totals)
        if not batch:
            break
        done, batches = done + len(batch), batches + 1
        context.progress(done, max(total, done))
    return {"pending": True, "origins": done, "batches": batches, **totals}


def pending_refresh(session: Session) -> bool:
    """Origins wait in ``signal_pending`` and no refresh is queued or running."""
    return signals.pending_count(session) > 0 and not jobs.has_active(
        session, kinds.SIGNALS_REFRESH
    )


def refresh_body(context: JobContext) -> dict[str, object]:
    """The refresh job, in batches of origins, each its own transaction: first the
    dependencies every package declares (dependents are counted from all of them),
    then, per batch, advisory matches, domains and importance (each batch reads the
    origins linked to it). Progress counts packages then origins; a retried job
    resumes after the last batch it committed (every batch is idempotent, so one
    redone after a crash changes nothing). Origins added meanwhile are picked up by
    the next refresh."""
    size = context.params.get("batch_size", REFRESH_BATCH)
    if not isinstance(size, int) or not 1 <= size <= MAX_REFRESH_BATCH:
        raise PermanentJobError(f"batch_size must be an integer from 1 to {MAX_REFRESH_BATCH}")
    if context.params.get("pending"):
        return refresh_pending_body(context, size)
    with unit_of_work(context.factory) as uow:
        packages = list(
            uow.session.scalars(
                select(Origin.id).where(Origin.kind == OriginKind.PACKAGE).order_by(Origin.id)
            )
        )
        origins = list(uow.session.scalars(select(Origin.id).order_by(Origin.id)))
    total = len(packages) + len(origins)
    totals: dict[str, int] = defaultdict(int)
    position, batches = 0, 0
    context.progress(min(context.resumed_from, total), total)
    for phase, ids in (("dependencies", packages), ("origins", origins)):
        for batch in _batches(ids, size):
            end = position + len(batch)
            if end <= context.resumed_from:
                position = end
                continue
            with unit_of_work(context.factory) as uow:
                session = uow.session
                if phase == "dependencies":
                    totals["dependencies"] += record_dependencies(session, batch).dependencies
                else:
                    recompute_origins(session, batch, totals)
            batches += 1
            position = end
            context.progress(position, total)
    return {"packages": len(packages), "origins": len(origins), "batches": batches, **totals}


def _batch_size(context: JobContext, default: int) -> int:
    size = context.params.get("batch_size", default)
    if not isinstance(size, int) or not 1 <= size <= MAX_REFRESH_BATCH:
        raise PermanentJobError(f"batch_size must be an integer from 1 to {MAX_REFRESH_BATCH}")
    return size


def _job_created(context: JobContext) -> datetime:
    """When the job was submitted: the advisories written since are the ones whose
    origins are matched again."""
    with unit_of_work(context.factory) as uow:
        job = jobs.get(uow.session, context.job_id)
        return job.created_at if job is not None else jobs.db_now(uow.session)


def _record_failures(context: JobContext) -> Callable[[int, IngestOutcome], None]:
    """A failed OSV record becomes a failed job item, with its reason."""

    def on_item(number: int, outcome: IngestOutcome) -> None:
        if outcome.status == "failed":
            context.item(
                f"record-{number}",
                JobItemState.FAILED,
                outcome.error,
                {"record": number, "raw_metadata_id": outcome.raw_metadata_id},
            )

    return on_item


def import_advisories_body(context: JobContext) -> dict[str, object]:
    """Import an OSV file (zip, JSON or JSON Lines), then match the origins the
    written advisories concern again, batch by batch (:func:`rematch_changed`)."""
    path = Path(str(context.params.get("path", "")))
    if not path.is_file():
        raise PermanentJobError(f"advisory file {path} does not exist or is not a file")
    authority = str(context.params.get("authority") or DEFAULT_AUTHORITY)
    size = _batch_size(context, REFRESH_BATCH)  # origins per matching batch

    def on_batch(last: int) -> None:
        context.progress(last, None, "importing")

    since = _job_created(context)
    try:
        report = import_items(
            read_items(path, authority),
            context.factory,
            on_item=_record_failures(context),
            on_batch=on_batch,
            skip=context.resumed_from,
        )
    except ValueError as exc:
        raise PermanentJobError(str(exc)) from exc
    matched = rematch_changed(
        context.factory,
        since,
        size,
        lambda done, total: context.progress(done, total, "matching"),
    )
    return {**report.as_dict(), "matched": matched}


def rederive_advisories_body(context: JobContext) -> dict[str, object]:
    """Map every stored OSV record again (:func:`rederive_advisories`, a batch per
    transaction), then match the origins the rewritten advisories concern again. The
    job's progress counts the records whose batch committed: a retried job resumes
    after them (a batch redone changes nothing). One job of this kind runs at a time
    per submission, and its batches take turns with imports' on the advisory lock."""
    size = _batch_size(context, REDERIVE_BATCH)
    since = _job_created(context)
    report = rederive_advisories(
        context.factory,
        batch_size=size,
        resume_from=context.resumed_from,
        progress=lambda done, total: context.progress(done, total, "rederiving"),
        on_item=_record_failures(context),
    )
    matched = rematch_changed(
        context.factory,
        since,
        REFRESH_BATCH,
        lambda done, total: context.progress(done, total, "matching"),
    )
    return {**report.as_dict(), "resumed_after_record": context.resumed_from, "matched": matched}


def rematch_changed(
    factory: sessionmaker[Session] | None,
    since: datetime,
    size: int = REFRESH_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Match again the origins the advisories written since ``since`` concern, in
    batches of ``size`` origins, each its own transaction (a large import never holds
    one transaction over the whole table); ``progress(done, total)`` after each.

    Each batch recomputes its origins' matches with every advisory, so the rows are
    those of a whole-table :func:`match_all`; the import runs wholly before (a resumed
    job may skip records: they were stored before any matching started)."""
    with unit_of_work(factory) as uow:
        changed = advisories.advisories_changed_since(uow.session, since)
        origins = advisories.origins_concerned(uow.session, changed)
    totals = {"advisories": len(changed), "origins": len(origins), "batches": 0, "current": 0}
    if progress is not None:
        progress(0, len(origins))
    for done, batch in enumerate(_batches(origins, size), start=1):
        with unit_of_work(factory) as uow:
            totals["current"] += match_all(uow.session, batch).current
        totals["batches"] = done
        if progress is not None:
            progress(min(done * size, len(origins)), len(origins))
    return totals
