"""GraphQL types and fields of archive objects."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON

from app.archive import schemas, service
from app.graphql.context import Context
from app.graphql.convert import to_gql
from app.graphql.relay import Connection, Edge, PageInfo, check_first
from app.kit.pagination import DEFAULT_PAGE_SIZE
from app.licenses.gql import LicenseFinding  # noqa: F401 - registers nested types
from app.origins.gql import Origin  # noqa: F401 - registers nested types


@pydantic_type(model=schemas.ContentFactOut, all_fields=True)
class ContentFacts:
    pass


@pydantic_type(model=schemas.OccurrenceOut, all_fields=True)
class Occurrence:
    pass


@pydantic_type(model=schemas.ContentOut, all_fields=True)
class Content:
    pii: JSON = strawberry.field(description="Secret and PII findings by kind (counts only).")


@pydantic_type(model=schemas.DirectoryEntryOut, all_fields=True)
class DirectoryEntry:
    pass


@pydantic_type(model=schemas.DirectoryOut, all_fields=True)
class Directory:
    pass


@pydantic_type(model=schemas.RevisionOut, all_fields=True)
class Revision:
    pass


@pydantic_type(model=schemas.ReleaseOut, all_fields=True)
class Release:
    pass


@pydantic_type(model=schemas.BranchOut, all_fields=True)
class Branch:
    pass


@pydantic_type(model=schemas.SnapshotOut, all_fields=True)
class Snapshot:
    pass


@pydantic_type(model=schemas.ResolvedOut, all_fields=True)
class ResolvedObject:
    pass


OutT = TypeVar("OutT")
NodeT = TypeVar("NodeT")


def _connection(paged: service.Paged[OutT], node: Callable[[OutT], NodeT]) -> Connection[NodeT]:
    """A page of the service (the same page, cursors included, as REST's) as a
    connection."""
    edges = [Edge(cursor=cursor, node=node(item)) for cursor, item in paged.items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=paged.has_more, end_cursor=edges[-1].cursor if edges else None
        ),
    )


@strawberry.type
class ArchiveQuery:
    @strawberry.field(
        description="A content by SWHID (swh:1:cnt:...) or sha1:/sha256:/sha1_git:<hex>."
    )
    async def content(self, info: strawberry.Info[Context, None], key: str) -> Content:
        return to_gql(Content, await info.context.db(service.get_content, key))

    @strawberry.field(name="resolveSWHID", description="What CodeCommons knows of any SWHID.")
    async def resolve_swhid(
        self, info: strawberry.Info[Context, None], swhid: str
    ) -> ResolvedObject:
        caller = info.context.caller
        show = caller is not None and caller.is_admin
        resolved = await info.context.db(service.resolve, swhid, show_personal=show)
        return to_gql(ResolvedObject, resolved)

    @strawberry.field(
        description="Every place a content appears, oldest first (REST "
        "/v1/contents/{key}/occurrences)."
    )
    async def content_occurrences(
        self,
        info: strawberry.Info[Context, None],
        key: str,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Occurrence]:
        paged = await info.context.db(service.content_occurrences, key, after, check_first(first))
        return _connection(paged, partial(to_gql, Occurrence))

    @strawberry.field(
        description="A directory's entries by name (REST /v1/directories/{swhid}/entries)."
    )
    async def directory_entries(
        self,
        info: strawberry.Info[Context, None],
        swhid: str,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[DirectoryEntry]:
        paged = await info.context.db(service.directory_entries, swhid, after, check_first(first))
        return _connection(paged, partial(to_gql, DirectoryEntry))

    @strawberry.field(
        description="A snapshot's branches by name (REST /v1/snapshots/{swhid}/branches)."
    )
    async def snapshot_branches(
        self,
        info: strawberry.Info[Context, None],
        swhid: str,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Branch]:
        paged = await info.context.db(service.snapshot_branches, swhid, after, check_first(first))
        return _connection(paged, partial(to_gql, Branch))
