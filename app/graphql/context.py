"""Per-request GraphQL context: one session, a way to run sync SQL, and DataLoaders.

Resolvers are async (DataLoaders batch across the whole query), while the data layer
is synchronous SQLAlchemy; :meth:`Context.db` runs a repository call in a worker
thread, one at a time per request since a Session is not thread-safe.

Features batch their per-object fields without registering anything here:
:meth:`Context.loader` gives the request's DataLoader over any batch function
``(session, keys) -> one value per key``, one loader per function per request (the
origin detail's parts are such functions, see :mod:`app.origins.detail`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from app.graphql.cost import CostBudget
from app.keys.auth import caller_of_request
from app.keys.service import Principal

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Batch = Callable[[Session, Sequence[K]], Sequence[V]]


class Context(BaseContext):
    def __init__(
        self,
        session: Session,
        has_api_key: bool,
        cost_budget: CostBudget | None = None,
        caller: Principal | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.has_api_key = has_api_key
        # Who asks (None: anonymous); what personal data an answer shows depends on it.
        self.caller = caller
        self.cost_budget = cost_budget or CostBudget.defaults()
        self._lock = asyncio.Lock()
        self._loaders: dict[Callable[..., Any], DataLoader[Any, Any]] = {}

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        async with self._lock:
            return await anyio.to_thread.run_sync(partial(fn, self.session, *args, **kwargs))

    def loader(self, batch: Batch[K, V]) -> DataLoader[K, V]:
        """This request's DataLoader over ``batch``: the keys asked for while a query
        resolves are loaded together, in one call of ``batch``."""
        found = self._loaders.get(batch)
        if found is None:

            async def load(keys: list[K]) -> Sequence[V]:
                return await self.db(batch, keys)

            found = self._loaders[batch] = DataLoader(load_fn=load)
        return found


def get_context(request: Request) -> Iterator[Context]:
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    session = factory()
    try:
        settings = request.app.state.settings
        caller = caller_of_request(request)
        yield Context(
            session,
            has_api_key=caller is not None,
            cost_budget=CostBudget.of(settings),
            caller=caller,
        )
        session.rollback()  # queries only: nothing to commit
    finally:
        session.close()
