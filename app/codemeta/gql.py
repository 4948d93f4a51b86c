"""GraphQL fields of CodeMeta records."""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.scalars import JSON

from app.codemeta import repository
from app.graphql.context import Context


@strawberry.type
class CodeMetaQuery:
    @strawberry.field(description="An origin's CodeMeta record (JSON-LD shaped), or null.")
    async def origin_metadata(
        self, info: strawberry.Info[Context, None], origin_id: int
    ) -> JSON | None:
        row = await info.context.db(repository.latest_metadata, origin_id)
        if row is None:
            return None
        value = {"record": row.record, "sources": row.sources, "problems": row.problems}
        return cast(JSON, value)  # strawberry's JSON scalar is typed as a NewType
