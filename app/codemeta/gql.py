"""GraphQL fields of CodeMeta records."""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.scalars import JSON

from app.codemeta import repository
from app.graphql.context import Context
from app.kit.personal import without_emails


@strawberry.type
class CodeMetaQuery:
    @strawberry.field(
        description="An origin's CodeMeta record (JSON-LD shaped), or null; e-mail fields "
        "only for admin keys."
    )
    async def origin_metadata(
        self, info: strawberry.Info[Context, None], origin_id: int
    ) -> JSON | None:
        row = await info.context.db(repository.latest_metadata, origin_id)
        if row is None:
            return None
        caller = info.context.caller
        record = (
            row.record if caller is not None and caller.is_admin else without_emails(row.record)
        )
        value = {"record": record, "sources": row.sources, "problems": row.problems}
        return cast(JSON, value)  # strawberry's JSON scalar is typed as a NewType
