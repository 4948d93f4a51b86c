"""GraphQL types and fields of forge metadata: issues, owners, raw payloads."""

from __future__ import annotations

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON

from app.forges import repository
from app.forges.schemas import IssueOut, OwnerDetail, RawMetadataDetail, RawMetadataOut
from app.graphql.context import Context
from app.graphql.convert import to_gql
from app.graphql.relay import Connection, check_first, connection
from app.kit.pagination import count_rows, decode_id_cursor, encode_cursor
from app.licenses.gql import Provenance  # noqa: F401 - registers nested types
from app.models.enums import IssueKind, IssueState


@pydantic_type(model=IssueOut, all_fields=True)
class Issue:
    pass


@pydantic_type(model=OwnerDetail, all_fields=True)
class OwnerInfo:
    pass


@pydantic_type(model=RawMetadataOut, all_fields=True)
class RawPayloadInfo:
    pass


@pydantic_type(model=RawMetadataDetail, all_fields=True)
class RawPayload:
    payload: JSON = strawberry.field(
        description="The payload as stored (decoded JSON); e-mail addresses withheld "
        "unless the caller's key has the admin scope."
    )


@strawberry.type
class ForgeQuery:
    @strawberry.field(description="Issues and pull/merge requests, in one vocabulary.")
    async def issues(
        self,
        info: strawberry.Info[Context, None],
        first: int = 50,
        after: str | None = None,
        origin_id: int | None = None,
        kind: IssueKind | None = None,
        state: IssueState | None = None,
    ) -> Connection[Issue]:
        check_first(first)
        rows = await info.context.db(
            repository.list_issues,
            origin_id=origin_id,
            kind=kind.value if kind else None,
            state=state.value if state else None,
            after_id=decode_id_cursor("issues", after),
            limit=first + 1,
        )
        matching = repository.issues_query(
            origin_id, kind.value if kind else None, state.value if state else None
        )
        return connection(
            rows,
            first,
            lambda r: to_gql(Issue, IssueOut.of(r)),
            lambda r: encode_cursor("issues", [r.id]),
            counter=lambda: info.context.db(count_rows, matching),
        )

    @strawberry.field(description="A stored raw payload, verbatim, with its provenance.")
    async def raw_payload(self, info: strawberry.Info[Context, None], id: int) -> RawPayload | None:
        row = await info.context.db(repository.raw_by_id, id)
        if row is None:
            return None
        caller = info.context.caller
        show = caller is not None and caller.is_admin
        return to_gql(RawPayload, RawMetadataDetail.with_payload(row, show_personal=show))


@strawberry.type
class OwnerQuery:
    @strawberry.field(description="Accounts and organisations on forges and registries.")
    async def owners(
        self,
        info: strawberry.Info[Context, None],
        first: int = 50,
        after: str | None = None,
        forge: str | None = None,
        login: str | None = None,
    ) -> Connection[OwnerInfo]:
        check_first(first)
        rows = await info.context.db(
            repository.list_owners,
            forge=forge,
            login=login,
            after_id=decode_id_cursor("owners", after),
            limit=first + 1,
        )
        return connection(
            rows,
            first,
            lambda r: to_gql(OwnerInfo, OwnerDetail.of(r)),
            lambda r: encode_cursor("owners", [r.id]),
            counter=lambda: info.context.db(count_rows, repository.owners_query(forge, login)),
        )
