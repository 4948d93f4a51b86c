"""GraphQL types and fields of papers."""

from __future__ import annotations

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON

from app.graphql.context import Context
from app.graphql.convert import to_gql
from app.graphql.relay import Connection, check_first, connection
from app.kit.pagination import DEFAULT_PAGE_SIZE, count_rows, decode_id_cursor, encode_cursor
from app.kit.problems import Problem
from app.models.enums import PaperLinkKind
from app.papers import repository
from app.papers.identifiers import paper_key, parse_identifier
from app.papers.schemas import EvidenceOut, OriginPaperOut, PaperOut


@pydantic_type(model=PaperOut, all_fields=True)
class PaperType:
    authors: JSON = strawberry.field(description="As the resolver gave them.")


@pydantic_type(model=EvidenceOut, all_fields=True)
class Evidence:
    pass


@pydantic_type(model=OriginPaperOut, all_fields=True)
class OriginPaper:
    pass


@strawberry.type
class PaperQuery:
    @strawberry.field(description="A paper by DOI, arXiv id or HAL id, in any usual form.")
    async def paper(
        self, info: strawberry.Info[Context, None], identifier: str
    ) -> PaperType | None:
        parsed = parse_identifier(identifier)
        if parsed is None:
            raise Problem(f"{identifier!r} is not a DOI, arXiv id or HAL id")
        row = await info.context.db(repository.paper_by_key, paper_key(parsed))
        return to_gql(PaperType, PaperOut.of(row)) if row is not None else None

    @strawberry.field(
        description="Papers, by id (REST /v1/papers); `linkKind` keeps those linked to an "
        "origin by that kind of link."
    )
    async def papers(
        self,
        info: strawberry.Info[Context, None],
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        link_kind: PaperLinkKind | None = None,
    ) -> Connection[PaperType]:
        check_first(first)
        rows = await info.context.db(
            repository.list_papers,
            after_id=decode_id_cursor("papers", after),
            limit=first + 1,
            kind=link_kind,
        )
        return connection(
            rows,
            first,
            lambda r: to_gql(PaperType, PaperOut.of(r)),
            lambda r: encode_cursor("papers", [r.id]),
            counter=lambda: info.context.db(count_rows, repository.papers_query(link_kind)),
        )

    @strawberry.field(description="The papers of an origin, with link kinds and evidence.")
    async def origin_papers(
        self, info: strawberry.Info[Context, None], origin_id: int
    ) -> list[OriginPaper]:
        rows = await info.context.db(repository.links_of_origin, origin_id)
        return [to_gql(OriginPaper, OriginPaperOut.of(link, paper)) for link, paper in rows]


@strawberry.type
class PaperOriginLink:
    origin_id: int
    origin_url: str
    kind: PaperLinkKind
    evidence: Evidence


@strawberry.type
class PaperOriginQuery:
    @strawberry.field(description="The origins linked to a paper, with link kinds.")
    async def paper_origins(
        self, info: strawberry.Info[Context, None], paper_id: int
    ) -> list[PaperOriginLink]:
        rows = await info.context.db(repository.origins_of_paper, paper_id)
        return [
            PaperOriginLink(
                origin_id=o.id,
                origin_url=o.url,
                kind=link.kind,
                evidence=to_gql(Evidence, EvidenceOut.of(link)),
            )
            for link, o in rows
        ]
