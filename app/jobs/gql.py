"""GraphQL types and fields of jobs."""

from __future__ import annotations

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON

from app.graphql.context import Context
from app.graphql.convert import to_gql
from app.graphql.relay import Connection, check_first, connection
from app.jobs import repository
from app.jobs.schemas import JobOut, ProgressOut
from app.kit.pagination import count_rows, decode_id_cursor, encode_cursor
from app.models.enums import JobState


@pydantic_type(model=ProgressOut, all_fields=True)
class Progress:
    pass


@pydantic_type(model=JobOut)
class Job:
    id: strawberry.auto
    kind: strawberry.auto
    state: strawberry.auto
    progress: strawberry.auto
    attempts: strawberry.auto
    error: strawberry.auto
    params: JSON
    requested_by: strawberry.auto
    result: JSON | None
    items: JSON
    created_at: strawberry.auto
    started_at: strawberry.auto
    finished_at: strawberry.auto
    updated_at: strawberry.auto
    heartbeat_at: strawberry.auto
    lease_expires_at: strawberry.auto


@strawberry.type
class JobQuery:
    @strawberry.field(description="Background jobs, newest first.")
    async def jobs(
        self,
        info: strawberry.Info[Context, None],
        first: int = 50,
        after: str | None = None,
        state: JobState | None = None,
        kind: str | None = None,
    ) -> Connection[Job]:
        check_first(first)
        rows = await info.context.db(
            repository.list_jobs,
            state=state,
            kind=kind,
            before_id=decode_id_cursor("jobs", after),
            limit=first + 1,
        )
        return connection(
            rows,
            first,
            lambda r: to_gql(Job, JobOut.of(r, {})),
            lambda r: encode_cursor("jobs", [r.id]),
            counter=lambda: info.context.db(count_rows, repository.jobs_query(state, kind)),
        )

    @strawberry.field
    async def job(self, info: strawberry.Info[Context, None], id: int) -> Job | None:
        row = await info.context.db(repository.get, id)
        return to_gql(Job, JobOut.of(row, {})) if row is not None else None
