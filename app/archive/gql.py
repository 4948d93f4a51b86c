"""GraphQL types and fields of archive objects."""

from __future__ import annotations

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON

from app.archive import schemas, service
from app.graphql.context import Context
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


@strawberry.type
class ArchiveQuery:
    @strawberry.field(
        description="A content by SWHID (swh:1:cnt:...) or sha1:/sha256:/sha1_git:<hex>."
    )
    async def content(self, info: strawberry.Info[Context, None], key: str) -> Content:
        return Content.from_pydantic(await info.context.db(service.get_content, key))

    @strawberry.field(name="resolveSWHID", description="What CodeCommons knows of any SWHID.")
    async def resolve_swhid(
        self, info: strawberry.Info[Context, None], swhid: str
    ) -> ResolvedObject:
        return ResolvedObject.from_pydantic(await info.context.db(service.resolve, swhid))
