"""GraphQL types and fields of origins."""

from __future__ import annotations

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type

from app.graphql.context import Context
from app.graphql.relay import Connection, check_first, connection
from app.kit.pagination import decode_id_cursor, encode_cursor
from app.licenses.gql import (  # noqa: F401 - registers nested types
    EffectiveLicense,
    LicenseFinding,
    Provenance,
)
from app.models.enums import OriginKind, PaperLinkKind
from app.origins import repository
from app.origins.schemas import OriginOut, OwnerOut


@pydantic_type(model=OwnerOut, all_fields=True)
class Owner:
    pass


@pydantic_type(model=OriginOut, all_fields=True)
class Origin:
    @strawberry.field(description="License findings attached to the origin, with provenance.")
    async def licenses(self, info: strawberry.Info[Context, None]) -> list[LicenseFinding]:
        # pydantic-derived fields are invisible to mypy's strawberry plugin
        found = await info.context.origin_licenses.load(self.id)  # type: ignore[attr-defined]
        return [LicenseFinding.from_pydantic(f) for f in found]


def origin_node(row: object) -> Origin:
    return Origin.from_pydantic(OriginOut.of(row))  # type: ignore[arg-type]


@strawberry.type
class OriginQuery:
    @strawberry.field(description="Repositories and packages.")
    async def origins(
        self,
        info: strawberry.Info[Context, None],
        first: int = 50,
        after: str | None = None,
        forge: str | None = None,
        kind: OriginKind | None = None,
        language: str | None = None,
        has_paper: bool | None = None,
        paper_link_kind: PaperLinkKind | None = None,
    ) -> Connection[Origin]:
        check_first(first)
        rows = await info.context.db(
            repository.list_origins,
            repository.OriginFilters(
                forge=forge,
                kind=kind,
                language=language,
                has_paper=has_paper,
                paper_link_kind=paper_link_kind,
            ),
            after_id=decode_id_cursor("origins", after),
            limit=first + 1,
        )
        return connection(rows, first, origin_node, lambda r: encode_cursor("origins", [r.id]))

    @strawberry.field(description="One origin by URL (also a former URL) or by id.")
    async def origin(
        self, info: strawberry.Info[Context, None], url: str | None = None, id: int | None = None
    ) -> Origin | None:
        if url is not None:
            row = await info.context.db(repository.get_by_url, url)
        elif id is not None:
            row = await info.context.db(repository.get, id)
        else:
            raise ValueError("give `url` or `id`")
        return origin_node(row) if row is not None else None
