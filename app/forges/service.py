"""Forge work the API asks for: register an origin by its URL, queue its fetching.

The fetching itself runs in the workers (:mod:`app.forges.fetch`, jobs
``forges.refresh`` and ``forges.issues``); these functions only create the jobs, in
the caller's unit of work, so their tasks are sent once it commits.
"""

from __future__ import annotations

from app.forges.register import register_url
from app.forges.schemas import FetchOut
from app.jobs import kinds
from app.jobs.service import submit
from app.kit.db import UnitOfWork
from app.models import Job


def queue_fetch(uow: UnitOfWork, url: str, *, issues: bool) -> FetchOut:
    """The origin of ``url`` (registered if new) and the jobs that fetch it."""
    origin = register_url(uow.session, url)
    jobs = [queue_refresh(uow, origin.id).id]
    if issues:
        jobs.append(queue_issue_crawl(uow, origin.id).id)
    return FetchOut(origin_id=origin.id, url=origin.url, jobs=jobs)


def queue_refresh(uow: UnitOfWork, origin_id: int) -> Job:
    return submit(uow, kinds.FORGE_REFRESH, {"origin_id": origin_id})


def queue_issue_crawl(uow: UnitOfWork, origin_id: int) -> Job:
    return submit(uow, kinds.FORGE_ISSUES, {"origin_id": origin_id})
