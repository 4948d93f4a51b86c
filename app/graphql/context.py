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

from app.licenses.findings import LicenseFindingOut
from app.origins import repository as origins

T = TypeVar("T")


class Context(BaseContext):
    def __init__(self, session: Session, has_api_key: bool) -> None:
        super().__init__()
        self.session = session
        self.has_api_key = has_api_key
        self._lock = asyncio.Lock()
        self.origin_licenses: DataLoader[int, list[LicenseFindingOut]] = DataLoader(
            load_fn=self._load_origin_licenses
        )

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        async with self._lock:
            return await anyio.to_thread.run_sync(partial(fn, self.session, *args, **kwargs))

    async def _load_origin_licenses(self, keys: list[int]) -> list[list[LicenseFindingOut]]:
        found = await self.db(origins.license_findings, keys)
        return [[LicenseFindingOut.of(f) for f in found.get(k, [])] for k in keys]


def get_context(request: Request) -> Iterator[Context]:
    from app.kit.api import api_key_of

    factory: sessionmaker[Session] = request.app.state.sessionmaker
    session = factory()
    try:
        keys = {k.get_secret_value() for k in request.app.state.settings.api_keys}
        yield Context(session, has_api_key=api_key_of(request) in keys)
        session.rollback()  # queries only: nothing to commit
    finally:
        session.close()
