"""Per-request GraphQL context: one session, DataLoaders, and a way to run sync SQL.

Resolvers are async (DataLoaders batch across the whole query), while the data layer
is synchronous SQLAlchemy; :meth:`Context.db` runs a repository call in a worker
thread, one at a time per request since a Session is not thread-safe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from app.forges.schemas import RawMetadataOut
from app.graphql.cost import CostBudget
from app.licenses.findings import LicenseFindingOut
from app.origins import repository as origins
from app.origins.schemas import (
    DetectedLicenseOut,
    IssueStatsOut,
    LanguageOut,
    VisitOut,
)
from app.papers import repository as papers
from app.papers.schemas import OriginPaperOut

T = TypeVar("T")


class Context(BaseContext):
    def __init__(
        self, session: Session, has_api_key: bool, cost_budget: CostBudget | None = None
    ) -> None:
        super().__init__()
        self.session = session
        self.has_api_key = has_api_key
        self.cost_budget = cost_budget or CostBudget.defaults()
        self._lock = asyncio.Lock()
        self.origin_licenses: DataLoader[int, list[LicenseFindingOut]] = DataLoader(
            load_fn=self._load_origin_licenses
        )
        # The origin detail, one query per field for all the origins of a request;
        # REST's detail view calls the same repository functions with one id.
        self.origin_latest_visit: DataLoader[int, VisitOut | None] = DataLoader(
            load_fn=self._load_origin_latest_visit
        )
        self.origin_languages: DataLoader[int, list[LanguageOut]] = DataLoader(
            load_fn=self._load_origin_languages
        )
        self.origin_issue_stats: DataLoader[int, IssueStatsOut] = DataLoader(
            load_fn=self._load_origin_issue_stats
        )
        self.origin_detected_licenses: DataLoader[int, list[DetectedLicenseOut]] = DataLoader(
            load_fn=self._load_origin_detected_licenses
        )
        self.origin_raw_payloads: DataLoader[int, list[RawMetadataOut]] = DataLoader(
            load_fn=self._load_origin_raw_payloads
        )
        self.origin_papers: DataLoader[int, list[OriginPaperOut]] = DataLoader(
            load_fn=self._load_origin_papers
        )

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        async with self._lock:
            return await anyio.to_thread.run_sync(partial(fn, self.session, *args, **kwargs))

    async def _load_origin_licenses(self, keys: list[int]) -> list[list[LicenseFindingOut]]:
        found = await self.db(origins.license_findings, keys)
        return [[LicenseFindingOut.of(f) for f in found.get(k, [])] for k in keys]

    async def _load_origin_latest_visit(self, keys: list[int]) -> list[VisitOut | None]:
        found = await self.db(origins.latest_visits, keys)
        return [VisitOut.of(v) if (v := found.get(k)) is not None else None for k in keys]

    async def _load_origin_languages(self, keys: list[int]) -> list[list[LanguageOut]]:
        found = await self.db(origins.languages, keys)
        return [LanguageOut.breakdown(found.get(k, [])) for k in keys]

    async def _load_origin_issue_stats(self, keys: list[int]) -> list[IssueStatsOut]:
        found = await self.db(origins.issue_stats, keys)
        return [IssueStatsOut.of(found.get(k, [])) for k in keys]

    async def _load_origin_detected_licenses(
        self, keys: list[int]
    ) -> list[list[DetectedLicenseOut]]:
        found = await self.db(origins.detected_licenses, keys)
        return [[DetectedLicenseOut.of(r) for r in found.get(k, [])] for k in keys]

    async def _load_origin_papers(self, keys: list[int]) -> list[list[OriginPaperOut]]:
        found = await self.db(papers.links_of_origins, keys)
        return [[OriginPaperOut.of(link, paper) for link, paper in found[k]] for k in keys]

    async def _load_origin_raw_payloads(self, keys: list[int]) -> list[list[RawMetadataOut]]:
        found = await self.db(origins.raw_payloads, keys)
        return [[RawMetadataOut.of(r) for r in found.get(k, [])] for k in keys]


def get_context(request: Request) -> Iterator[Context]:
    from app.kit.api import api_key_of, is_valid_key

    factory: sessionmaker[Session] = request.app.state.sessionmaker
    session = factory()
    try:
        settings = request.app.state.settings
        yield Context(
            session,
            has_api_key=is_valid_key(api_key_of(request), settings),
            cost_budget=CostBudget.of(settings),
        )
        session.rollback()  # queries only: nothing to commit
    finally:
        session.close()
