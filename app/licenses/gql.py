"""GraphQL types and fields of the license catalog."""

from __future__ import annotations

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type

from app.graphql.context import Context
from app.graphql.convert import to_gql
from app.graphql.relay import Connection, check_first, connection
from app.kit.pagination import count_rows, decode_cursor, encode_cursor
from app.licenses import repository
from app.licenses.findings import EffectiveLicenseOut, LicenseFindingOut, ProvenanceOut
from app.licenses.schemas import LicenseOut


@pydantic_type(model=LicenseOut, all_fields=True)
class License:
    pass


@pydantic_type(model=ProvenanceOut, all_fields=True)
class Provenance:
    pass


@pydantic_type(model=LicenseFindingOut, all_fields=True)
class LicenseFinding:
    pass


@pydantic_type(model=EffectiveLicenseOut, all_fields=True)
class EffectiveLicense:
    pass


def license_node(row: object) -> License:
    return to_gql(License, LicenseOut.model_validate(row))


@strawberry.type
class LicenseQuery:
    @strawberry.field(description="The license catalog (SPDX + ScanCode LicenseDB).")
    async def licenses(
        self,
        info: strawberry.Info[Context, None],
        first: int = 50,
        after: str | None = None,
        category: str | None = None,
        q: str | None = None,
    ) -> Connection[License]:
        check_first(first)
        key = str(decode_cursor("licenses", after, 1)[0]) if after else None
        rows = await info.context.db(
            repository.list_licenses, after=key, limit=first + 1, category=category, q=q
        )
        return connection(
            rows,
            first,
            license_node,
            lambda r: encode_cursor("licenses", [r.spdx_id.lower()]),
            counter=lambda: info.context.db(
                count_rows, repository.licenses_query(category=category, q=q)
            ),
        )

    @strawberry.field(description="One license by SPDX id (case-insensitive) or ScanCode key.")
    async def license(self, info: strawberry.Info[Context, None], spdx_id: str) -> License | None:
        row = await info.context.db(repository.get_by_spdx_id, spdx_id)
        return license_node(row) if row is not None else None
