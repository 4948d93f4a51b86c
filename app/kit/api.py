"""FastAPI plumbing shared by every route: the unit of work, API keys, and the problems
each operation is documented to answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import APIKeyHeader, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.kit.db import UnitOfWork, unit_of_work
from app.kit.httpcache import CACHED_PREFIX
from app.kit.problems import PROBLEM_JSON, ProblemDetail
from app.kit.ratelimit import is_exempt


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    """One unit of work per request, committed before the response is sent; a request
    creating a job is refused (503) while the broker is down."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with unit_of_work(factory, require_broker=True) as uow:
        yield uow


# scope="function": commit (or roll back) before the response leaves, so a client
# never sees a success for a transaction that then fails to commit.
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def api_key_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


# Declared as security schemes so the OpenAPI document says which operations need a
# key and how to send it; neither refuses by itself (``auto_error=False``): a missing
# or bad key is our 401 problem, and a key without the scope our 403, both raised by
# app.keys.auth, which resolves keys to callers.
BEARER = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`.")
X_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")


# --- media types the contract names (``response_class=``) --------------------------------


class BibTeXResponse(PlainTextResponse):
    media_type = "application/x-bibtex"


class YAMLResponse(PlainTextResponse):
    media_type = "application/x-yaml"


class JSONLDResponse(JSONResponse):
    media_type = "application/ld+json"


# --- the problems each operation can answer, in the OpenAPI document -------------------

PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "Bad request: a cursor not issued for this list (`invalid-cursor`), or a value "
    "this operation cannot use (`validation-error`).",
    401: "No valid API key (`unauthorized`).",
    403: "The API key lacks the scope this operation needs (`forbidden`).",
    404: "No such resource (`not-found`).",
    409: "The request conflicts with the current state (`conflict`).",
    413: "The request body is too large (`payload-too-large`).",
    416: "The `Range` starts past the end (`range-not-satisfiable`); `Content-Range: "
    "bytes */<length>` gives the length.",
    422: "A parameter, header or body field failed validation (`validation-error`, "
    "`invalid-swhid`); `errors` names each field.",
    429: "Over the client's request budget (`rate-limited`); `Retry-After` says when to retry.",
    503: "A server it needs is unreachable for the moment (`unavailable`): the database, "
    "or the job broker for a submission; nothing was done, `Retry-After` says when to retry.",
}
NOT_MODIFIED = {
    "description": "Not Modified: the `If-None-Match` ETag (or `If-Modified-Since` date) "
    "still matches; no body."
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for problems an operation answers beyond the ones
    :func:`document_problems` infers (give them in the route decorator)."""
    return {
        status: {
            "description": PROBLEM_DESCRIPTIONS[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def inferred_problems(path: str, operation: dict[str, Any]) -> list[int]:
    """The problems an operation of the OpenAPI document can answer, from its shape:

    * 422 always: the text guard refuses NUL in any path, query or header, and
      FastAPI validates parameters and bodies;
    * 400 with a ``cursor`` (``invalid-cursor``) or a request body (one that is not
      JSON at all is refused before validation);
    * 401 and 403 when it needs an API key with a scope (it has ``security``); 404
      with path parameters (they name a resource); 429 unless the rate limiter exempts
      its path;
    * 503 always: any of them may find the database restarting.
    """
    parameters = operation.get("parameters", [])
    statuses = {422, 503}
    cursor = any(p["in"] == "query" and p["name"] == "cursor" for p in parameters)
    if cursor or "requestBody" in operation:
        statuses.add(400)
    if operation.get("security"):
        statuses.update((401, 403))
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if not is_exempt(path):
        statuses.add(429)
    return sorted(statuses)


def _is_default_422(response: dict[str, Any]) -> bool:
    """FastAPI's own ``422 HTTPValidationError``, which this API never sends."""
    return "HTTPValidationError" in str(response.get("content", {}))


def _answers_json(operation: dict[str, Any]) -> bool:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    return any(media == "application/json" or media.endswith("+json") for media in content)


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what each operation really answers: the
    problem+json responses (one ``Problem`` schema) in place of FastAPI's default
    ``422 HTTPValidationError``, and the ``304`` of the conditional GETs.

    Applied once, to the generated document, so every route gets it without a word
    in its decorator; a route answering more than its shape tells declares the rest
    with ``responses=problems(...)``, which is kept."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                if _is_default_422(responses.get("422", {})):
                    del responses["422"]
                for status, doc in problems(*inferred_problems(path, operation)).items():
                    responses.setdefault(str(status), doc)
                if method == "get" and path.startswith(CACHED_PREFIX) and _answers_json(operation):
                    responses.setdefault("304", NOT_MODIFIED)
        problem = ProblemDetail.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        if "HTTPValidationError" not in json.dumps(schema["paths"]):
            components.pop("HTTPValidationError", None)
            components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
