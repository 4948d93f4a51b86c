"""What every request must satisfy before any handler runs: text the database can store.

A NUL or a lone surrogate reaching a query used to surface as a 500 (``PostgreSQL
text fields cannot contain NUL``, ``UnicodeEncodeError``), on whichever route
happened to read it. The rule (:func:`app.kit.text.text_error`) is applied here at
the doors text comes in by, so no route can forget it:

* :class:`TextGuardMiddleware` and :func:`storable_path_parameters`: the query
  string and header values of every HTTP request (``/graphql`` included), before
  routing, and the path parameters of every route;
* :class:`RequestModel`: every field of every JSON request body (a test checks that
  each body model of the API derives from it);
* :class:`GraphQLTextGuard`: every string argument and variable of a GraphQL
  operation, before it executes.

Each answers the REST way, a 422 ``/problems/validation-error`` naming the field, or
the GraphQL way, an error with ``extensions.code = "validation-error"`` and no data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from graphql import (
    ArgumentNode,
    ExecutionResult,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
)
from graphql.language import Visitor, visit
from pydantic import BaseModel, field_validator
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from app.kit.problems import Problem, problem_response
from app.kit.text import find_text_error, printable, text_error

# --- HTTP: query string, headers, path parameters --------------------------------------


class TextGuardMiddleware:
    """Refuses, with a 422 naming the parameter, any request whose query parameters
    or header values hold text the database cannot store.

    A pure ASGI middleware: it costs a scan of the query string and headers, and it
    runs before routing, so a route added tomorrow is covered too. (Path parameters
    are checked by :func:`storable_path_parameters`, which knows their names.)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = self._find(scope)
            if found is not None:
                where, why = found
                response = problem_response(
                    422,
                    "validation-error",
                    f"{why} ({where})",
                    instance=printable(scope["path"]),
                    errors=[{"location": where, "message": why}],
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _find(scope: Scope) -> tuple[str, str] | None:
        # Parsed exactly as Starlette parses it for the handlers (percent-decoded).
        for name, value in QueryParams(scope.get("query_string", b"")).multi_items():
            if (why := text_error(value) or text_error(name)) is not None:
                return f"query.{printable(name)}", why
        for raw_name, raw_value in scope.get("headers", ()):
            if b"\x00" in raw_value:
                return f"header.{raw_name.decode('latin-1')}", "must not contain NUL bytes"
        return None


def storable_path_parameters(request: Request) -> None:
    """App-wide dependency (``FastAPI(dependencies=...)``): every path parameter, by
    name, under the same rule. Not in the middleware, which runs before routing and
    so cannot name them; a path no route matches is a 404 and reaches no query."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and (why := text_error(value)) is not None:
            raise RequestValidationError(
                [{"type": "value_error", "loc": ("path", name), "msg": why, "input": None}]
            )


# --- JSON bodies ------------------------------------------------------------------------


class RequestModel(BaseModel):
    """The base of every request body: each field, at any depth, must be storable
    text (see :func:`text_error`). A refused field is a 422 naming it, like any
    other validation error."""

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        found = find_text_error(value)
        if found is not None:
            where, why = found
            raise ValueError(f"{why} (at {where})" if where else why)
        return value


# --- GraphQL ----------------------------------------------------------------------------


class _StringArguments(Visitor):
    """Collects ``(argument name, string literal)`` for every string literal given
    as (part of) a field or directive argument in a document."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        for value in _strings(node.value):
            self.found.append((node.name.value, value))


def _strings(node: ValueNode) -> Iterator[str]:
    stack: list[ValueNode] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, StringValueNode):
            yield item.value
        elif isinstance(item, ListValueNode):
            stack.extend(item.values)
        elif isinstance(item, ObjectValueNode):
            stack.extend(f.value for f in item.fields)


class GraphQLTextGuard(SchemaExtension):
    """Refuses an operation whose string arguments or variables hold text the
    database cannot store, before any resolver runs (REST's rule, GraphQL's way)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None:
            found = self._find()
            if found is not None:
                where, why = found
                message = f"{where} {why}"
                error = GraphQLError(
                    message, original_error=Problem(message), extensions={"field": where}
                )
                # A result set before execution replaces it: no resolver runs.
                context.result = ExecutionResult(data=None, errors=[error])
        yield

    def _find(self) -> tuple[str, str] | None:
        context = self.execution_context
        variables = context.variables or {}
        for name, value in variables.items():
            found = find_text_error(value, f"${name}")
            if found is not None:
                return found
        if context.graphql_document is not None:
            visitor = _StringArguments()
            visit(context.graphql_document, visitor)
            for name, value in visitor.found:
                if (why := text_error(value)) is not None:
                    return f"argument {name!r}", why
        return None
