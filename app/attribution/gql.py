"""GraphQL ``attribution``: the same answer as ``POST /v1/attribution``."""

from __future__ import annotations

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type

from app.attribution import service
from app.attribution.schemas import (
    AttributionIn,
    AttributionOccurrenceOut,
    AttributionOut,
    FileMatchOut,
    LicenseFindingBriefOut,
    LineRangeOut,
    MembershipBriefOut,
    ObligationsOut,
    OriginLicenseOut,
)
from app.graphql.context import Context
from app.graphql.convert import to_gql


@pydantic_type(model=LineRangeOut, all_fields=True)
class AttributionLineRange:
    pass


@pydantic_type(model=AttributionOccurrenceOut, all_fields=True)
class AttributionOccurrence:
    pass


@pydantic_type(model=LicenseFindingBriefOut, all_fields=True)
class AttributionLicenseFinding:
    pass


@pydantic_type(model=OriginLicenseOut, all_fields=True)
class AttributionOriginLicense:
    pass


@pydantic_type(model=ObligationsOut, all_fields=True)
class LicenseObligations:
    pass


@pydantic_type(model=MembershipBriefOut, all_fields=True)
class AttributionMembership:
    pass


@pydantic_type(model=FileMatchOut, all_fields=True)
class AttributionMatch:
    pass


@pydantic_type(model=AttributionOut, all_fields=True)
class Attribution:
    pass


@strawberry.type
class AttributionQuery:
    @strawberry.field(
        description="Archived files resembling a snippet (one line to 64 KB), best first, "
        "with matched line ranges, occurrences, licenses, obligations and authors' names."
    )
    async def attribution(
        self,
        info: strawberry.Info[Context, None],
        snippet: str,
        language: str | None = None,
        first: int = 10,
        occurrences: int = 3,
        dataset: str | None = None,
        dataset_build: int | None = None,
    ) -> Attribution:
        request = AttributionIn(
            snippet=snippet,
            language=language,
            limit=first,
            occurrences=occurrences,
            dataset=dataset,
            dataset_build=dataset_build,
        )
        return to_gql(Attribution, await info.context.db(service.attribute, request))
