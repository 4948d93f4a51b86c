"""The GraphQL schema: one Query composed of each domain's fields, with limits.

Limits protect the service from expensive queries: depth, tokens and aliases are
bounded, the estimated cost of an operation is checked against the request's budget
before it runs (:mod:`app.graphql.cost`), and parsing/validation results are cached
in bounded LRU caches.
"""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.fastapi import GraphQLRouter
from strawberry.types import ExecutionContext

from app.archive.gql import ArchiveQuery
from app.attribution.gql import AttributionQuery
from app.codemeta.gql import CodeMetaQuery
from app.datasets.gql import DatasetQuery
from app.forges.gql import ForgeQuery, OwnerQuery
from app.graphql.context import get_context
from app.graphql.cost import CostLimiter
from app.jobs.gql import JobQuery
from app.kit.boundary import GraphQLTextGuard
from app.kit.db import unavailable_reason
from app.kit.problems import Problem
from app.kit.swhid import InvalidSWHID
from app.kit.text import ELLIPSIS
from app.licenses.gql import LicenseQuery
from app.optouts.gql import OptoutQuery
from app.origins.gql import OriginQuery
from app.papers.gql import PaperOriginQuery, PaperQuery
from app.signals.gql import SignalsQuery

log = logging.getLogger(__name__)
MAX_DEPTH = 10
MAX_ERROR_MESSAGE = 500  # characters of a client error's message; the rest is cut


@strawberry.type
class Query(
    LicenseQuery,
    OriginQuery,
    ArchiveQuery,
    JobQuery,
    ForgeQuery,
    OwnerQuery,
    PaperQuery,
    PaperOriginQuery,
    CodeMetaQuery,
    SignalsQuery,
    OptoutQuery,
    DatasetQuery,
    AttributionQuery,
):
    """Entry points; each domain contributes its fields."""


class CodedErrorsSchema(strawberry.Schema):
    """Adds a stable ``extensions.code`` to errors a client caused (like REST's
    problem types), and keeps our own faults' messages out of responses."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        logged = []  # what strawberry logs with its traceback: all but the transient
        for error in errors:
            original = error.original_error
            code: str | None = None
            if isinstance(original, InvalidSWHID):
                code = "invalid-swhid"
            elif isinstance(original, Problem):
                code = original.slug
                if "retry_after" in original.extensions:  # REST's Retry-After (a 429)
                    retry = original.extensions["retry_after"]
                    error.extensions = {**(error.extensions or {}), "retryAfter": retry}
            elif isinstance(original, ValueError):
                code = "validation-error"
            elif original is not None and (reason := unavailable_reason(original)):
                # Transient (the database is down or out of connections), as REST's
                # 503: the client retries, nothing of ours is broken.
                cause = original.orig if isinstance(original, DBAPIError) else original
                log.warning("graphql: %s: %s", reason, cause)
                error.message = f"{reason} for the moment; retry shortly"
                code = "unavailable"
                error.extensions = {**(error.extensions or {}), "code": code}
                continue
            elif original is None or isinstance(original, GraphQLError):
                # Parsing, validation, or coercing a variable to its declared type.
                code = "graphql-validation"
            if code is not None:
                error.extensions = {**(error.extensions or {}), "code": code}
                # graphql-core quotes a bad literal of the document whole ("Int cannot
                # represent non-integer value: <30 KB>"): cut, as our own messages are.
                if len(error.message) > MAX_ERROR_MESSAGE:
                    error.message = error.message[:MAX_ERROR_MESSAGE] + ELLIPSIS
            else:
                error.message = "internal error; it has been logged"
                error.extensions = {"code": "internal-error"}
            logged.append(error)
        super().process_errors(logged, execution_context)


def build_schema(max_depth: int = MAX_DEPTH) -> strawberry.Schema:
    return CodedErrorsSchema(
        query=Query,
        extensions=[
            # Before anything reads an argument: text the database cannot store.
            GraphQLTextGuard,
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxTokensLimiter(max_token_count=5000),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            # Per request: the budget depends on the context (API key or not).
            CostLimiter,
            # Bounded LRU caches; strawberry keeps them at module level, shared.
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ],
    )


def graphql_router() -> GraphQLRouter[Any, None]:
    return GraphQLRouter(build_schema(), context_getter=get_context, graphql_ide="graphiql")
