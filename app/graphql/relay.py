"""Relay-style connections (edges, nodes, pageInfo) on the REST layer's keyset cursors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from app.kit.pagination import MAX_PAGE_SIZE
from app.kit.problems import Problem

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(
        description="How many items the whole list holds, all pages together. Counted "
        "only when selected (one extra indexed COUNT query); null where a list cannot "
        "count cheaply."
    )
    async def total_count(self) -> int | None:
        return await self.counter() if self.counter is not None else None


def check_first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise Problem(f"`first` must be between 1 and {MAX_PAGE_SIZE}, got {first}")
    return first


def connection(
    rows: Sequence[RowT],
    first: int,
    node: Callable[[RowT], NodeT],
    cursor: Callable[[RowT], str],
    counter: Callable[[], Awaitable[int]] | None = None,
) -> Connection[NodeT]:
    """Build a connection from ``first + 1`` fetched rows (the extra one says 'more')."""
    page = rows[:first]
    edges = [Edge(cursor=cursor(r), node=node(r)) for r in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
        ),
        counter=counter,
    )
