"""The signal jobs both the API and the CLI start: import OSV advisories, and refresh
(match advisories, assign domains, compute importance) from what is stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.forges.ingest import IngestOutcome
from app.jobs.service import JobContext, PermanentJobError
from app.kit.db import unit_of_work
from app.models.enums import JobItemState
from app.signals.domains.assign import assign_all
from app.signals.importance.score import compute_all
from app.signals.vulnerabilities.imports import DEFAULT_AUTHORITY, import_items, read_items
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


def refresh_body(context: JobContext) -> dict[str, object]:
    context.progress(0, 1)
    result = refresh_all(context.factory)
    context.progress(1, 1)
    return result


def import_advisories_body(context: JobContext) -> dict[str, object]:
    """Import an OSV file (zip, JSON or JSON Lines), then match it to origins."""
    path = Path(str(context.params.get("path", "")))
    if not path.is_file():
        raise PermanentJobError(f"advisory file {path} does not exist or is not a file")
    authority = str(context.params.get("authority") or DEFAULT_AUTHORITY)

    def on_item(number: int, outcome: IngestOutcome) -> None:
        if outcome.status == "failed":
            context.item(
                f"record-{number}",
                JobItemState.FAILED,
                outcome.error,
                {"record": number, "raw_metadata_id": outcome.raw_metadata_id},
            )

    def on_batch(last: int) -> None:
        context.progress(last, None)

    try:
        report = import_items(
            read_items(path, authority),
            context.factory,
            on_item=on_item,
            on_batch=on_batch,
            skip=context.resumed_from,
        )
    except ValueError as exc:
        raise PermanentJobError(str(exc)) from exc
    with unit_of_work(context.factory) as uow:
        matched = match_all(uow.session).as_dict()
    return {**report.as_dict(), "matched": matched}
