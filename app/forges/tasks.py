"""Forge metadata tasks: import a dump, re-derive from stored payloads, refresh an
origin, crawl its issues; and beat's refresh of the stalest origins.

Import and re-derive are resumable: progress counts lines (or payloads) whose batch
has committed, so a retried or redelivered job skips what is already done; and both
are idempotent anyway (a stored payload is not stored or applied twice). Fetching
jobs wait as long as a rate limit says before their next try.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings
from app.forges.clients import ForgeClient, RateLimited, TransientFetchError, retry_countdown
from app.forges.fetch import (
    FetchReport,
    GoneAtSource,
    client_from_settings,
    crawl_issues,
    refresh_origin,
    stalest_origins,
)
from app.forges.imports import import_lines
from app.forges.ingest import IngestOutcome
from app.forges.rederive import rederive
from app.forges.uploads import delete_upload
from app.jobs import kinds, service
from app.jobs.runner import job_task
from app.jobs.service import JobContext, PermanentJobError
from app.kit.celery import periodic_task
from app.kit.db import unit_of_work
from app.models.enums import JobItemState


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def _delete_upload(params: dict[str, object]) -> None:
    """Once an import is over, succeeded or failed, its uploaded dump goes."""
    path = params.get("path")
    if isinstance(path, str) and params.get("upload"):
        delete_upload(get_settings(), path)


@job_task(kinds.FORGE_IMPORT, on_final=_delete_upload)
def import_dump(context: JobContext) -> dict[str, object]:
    path = Path(str(context.params.get("path", "")))
    if not path.is_file():
        raise PermanentJobError(f"dump file {path} does not exist or is not a file")
    total = _count_lines(path)
    done = context.resumed_from  # lines whose batch committed in an earlier attempt

    def on_item(line_no: int, outcome: IngestOutcome) -> None:
        if outcome.status == "failed":
            context.item(
                f"line-{line_no}",
                JobItemState.FAILED,
                outcome.error,
                {"line": line_no, "raw_metadata_id": outcome.raw_metadata_id},
            )

    def on_batch(last_line: int) -> None:
        context.progress(last_line, total)

    with path.open("rb") as lines:
        report = import_lines(
            lines,
            context.factory,
            batch_size=get_settings().import_batch_lines,
            on_item=on_item,
            on_batch=on_batch,
            skip=done,
        )
    context.progress(total, total)
    return {**report.as_dict(), "resumed_after_line": done}


@job_task(kinds.FORGE_REDERIVE)
def rederive_payloads(context: JobContext) -> dict[str, object]:
    mapper = context.params.get("mapper")
    report = rederive(
        context.factory, mapper=str(mapper) if mapper else None, progress=context.progress
    )
    return report.as_dict()


def _origin_id(context: JobContext) -> int:
    value = context.params.get("origin_id")
    if not isinstance(value, int):
        raise PermanentJobError("params.origin_id must be an integer")
    return value


def _fetch_countdown(exc: Exception, retries: int) -> float | None:
    """A rate limit's own wait (with jitter) before the next try of a fetching job."""
    if isinstance(exc, RateLimited | TransientFetchError):
        return retry_countdown(exc, retries)
    return None


Fetch = Callable[[ForgeClient, int, sessionmaker[Session] | None], FetchReport]


def _fetch(context: JobContext, fetch: Fetch) -> dict[str, object]:
    """Fetch for one origin; rate limits and transient errors propagate so the task
    retries them later, a project gone at its source fails the job for good."""
    with client_from_settings(get_settings()) as client:
        try:
            return fetch(client, _origin_id(context), context.factory).as_dict()
        except GoneAtSource as exc:
            raise PermanentJobError(str(exc)) from exc


@job_task(kinds.FORGE_REFRESH, countdown=_fetch_countdown)
def refresh(context: JobContext) -> dict[str, object]:
    """Fetch one origin's repository or package record."""
    return _fetch(context, refresh_origin)


@job_task(kinds.FORGE_ISSUES, countdown=_fetch_countdown)
def issues(context: JobContext) -> dict[str, object]:
    """Fetch one origin's issues and pull/merge requests."""
    return _fetch(context, crawl_issues)


@periodic_task(
    "forges.refresh_stale", every=lambda settings: timedelta(seconds=settings.beat_refresh_seconds)
)
def refresh_stale() -> int:
    """Beat: send refresh jobs for the origins whose data is oldest."""
    with unit_of_work() as uow:
        ids = stalest_origins(uow.session, get_settings().refresh_batch)
        for origin_id in ids:
            service.submit(uow, kinds.FORGE_REFRESH, {"origin_id": origin_id})
    return len(ids)
