"""GraphQL fields of the opt-out registry: the vocabulary, the public aggregates and
chain, and a request as its author sees it (with the token as an argument; anyone
else gets the same not-found error as for an id that does not exist)."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy.orm import Session
from strawberry.scalars import JSON

from app.graphql.context import Context
from app.optouts import purposes, registry, service


@strawberry.type
class OptoutPurpose:
    id: str
    parent: str | None
    description: str
    aipref: str
    content_signals: str


@strawberry.type
class OptoutRegistry:
    version: int
    head: str | None
    requests_by_status: JSON
    active_by_scope: JSON
    active_by_method: JSON
    active_by_purpose: JSON


@strawberry.type
class OptoutChainEntry:
    seq: int
    at: str
    kind: str
    payload_digest: str
    prev_hash: str
    hash: str


@strawberry.type
class OptoutRequestView:
    id: str
    status: str
    status_reason: str | None
    method: str
    scope: JSON
    purposes: list[str]
    activated_version: int | None
    withdrawn_version: int | None


def _request(session: Session, public_id: str, token: str) -> OptoutRequestView:
    found = service.authorize(session, public_id, token, None)
    return OptoutRequestView(
        id=found.public_id,
        status=found.status,
        status_reason=found.status_reason,
        method=found.method,
        scope=service.scope_view(session, found),  # type: ignore[arg-type]
        purposes=list(found.rules),
        activated_version=found.activated_version,
        withdrawn_version=found.withdrawn_version,
    )


def _registry(session: Session) -> dict[str, Any]:
    return registry.statistics(session)


@strawberry.type
class OptoutQuery:
    @strawberry.field(description="The opt-out purpose vocabulary and its external mapping.")
    def optout_purposes(self) -> list[OptoutPurpose]:
        table = {row["node"]: row for row in purposes.mapping_table()}
        return [
            OptoutPurpose(
                id=u.value,
                parent=parent.value if (parent := purposes.PARENT[u]) is not None else None,
                description=purposes.DESCRIPTIONS[u],
                aipref=table[u.value]["aipref"],
                content_signals=table[u.value]["content_signals"],
            )
            for u in purposes.Use
        ]

    @strawberry.field(description="Public aggregates of the opt-out registry.")
    async def optout_registry(self, info: strawberry.Info[Context, None]) -> OptoutRegistry:
        stats = await info.context.db(_registry)
        return OptoutRegistry(**stats)

    @strawberry.field(description="The registry's hash chain, without its details.")
    async def optout_chain(
        self, info: strawberry.Info[Context, None], after: int = 0, first: int = 100
    ) -> list[OptoutChainEntry]:
        if not 1 <= first <= 1000:
            raise ValueError("first must be between 1 and 1000")
        rows = await info.context.db(registry.public_chain, after=after, limit=first)
        return [OptoutChainEntry(**row) for row in rows]

    @strawberry.field(description="Your opt-out request, with the token you were given.")
    async def optout_request(
        self, info: strawberry.Info[Context, None], id: str, token: str
    ) -> OptoutRequestView:
        return await info.context.db(_request, id, token)
