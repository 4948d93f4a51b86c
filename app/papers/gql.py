"""GraphQL types and fields of papers."""

from __future__ import annotations

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON

from app.graphql.context import Context
from app.kit.problems import Problem
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
        return PaperType.from_pydantic(PaperOut.of(row)) if row is not None else None

    @strawberry.field(description="The papers of an origin, with link kinds and evidence.")
    async def origin_papers(
        self, info: strawberry.Info[Context, None], origin_id: int
    ) -> list[OriginPaper]:
        rows = await info.context.db(repository.links_of_origin, origin_id)
        return [OriginPaper.from_pydantic(OriginPaperOut.of(link, paper)) for link, paper in rows]
