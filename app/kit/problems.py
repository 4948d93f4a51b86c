"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error a client can cause has a stable ``type`` (a relative URI under
``/problems/``, documented there) so scripts can branch on it; ``detail`` says what
was wrong in words. Domain code raises :class:`Problem` subclasses; the handlers
installed by :func:`install_problem_handlers` render them, FastAPI's validation
errors and HTTP exceptions alike.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.kit.db import unavailable_reason
from app.kit.swhid import InvalidSWHID

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
# Seconds a client is told to wait when the database is unreachable (a restart takes
# a few seconds; the pool reconnects by itself).
DATABASE_RETRY_AFTER = 2

# slug -> (title, what it means); served at /problems/{slug}.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "invalid-swhid": ("Invalid SWHID", "A SWHID in the request is malformed."),
    "invalid-cursor": ("Invalid cursor", "The pagination cursor is malformed or stale."),
    "validation-error": ("Invalid request", "A parameter or the body failed validation."),
    "not-found": ("Not found", "No such resource."),
    "unauthorized": ("API key required", "This endpoint needs a valid API key."),
    "forbidden": (
        "Scope missing",
        "The API key is valid but lacks the scope this needs (read, submit, admin).",
    ),
    "rate-limited": ("Too many requests", "The client's request budget is used up."),
    "conflict": ("Conflict", "The request conflicts with the current state."),
    "payload-too-large": (
        "Payload too large",
        "The request body is larger than this endpoint takes.",
    ),
    "query-too-costly": (
        "GraphQL query too costly",
        "The operation's estimated cost (fields times page sizes) exceeds the client's "
        "budget; ask for smaller pages or fewer fields, or send an API key.",
    ),
    "range-not-satisfiable": (
        "Range not satisfiable",
        "The requested byte range starts past the end of the representation; "
        "`Content-Range: bytes */<length>` gives its length.",
    ),
    "http-error": ("HTTP error", "A protocol-level error (method, media type...)."),
    "unavailable": (
        "Service unavailable",
        "A server this request needs (the database, or the job broker for a submission) "
        "cannot be reached for the moment; nothing was done. Retry after `Retry-After` "
        "seconds.",
    ),
    "internal-error": ("Internal error", "A fault on our side; it has been logged."),
}


class FieldError(BaseModel):
    location: str = Field(description="Where: `query.limit`, `body.items.3`, `path.origin_id`...")
    message: str


class ProblemDetail(BaseModel):
    """RFC 9457 problem details, as every error of this API is answered."""

    model_config = ConfigDict(title="Problem", extra="allow")

    type: str = Field(description="`/problems/{slug}`: stable; `GET` it for what it means.")
    title: str
    status: int
    detail: str = Field(description="What was wrong with this request, in words.")
    instance: str | None = Field(default=None, description="The path that was asked for.")
    errors: list[FieldError] | None = Field(
        default=None, description="On validation errors: each field refused, and why."
    )


class Problem(Exception):
    """An error with an HTTP status and a stable problem type."""

    status: int = 400
    slug: str = "validation-error"
    headers: dict[str, str] | None = None  # sent with the problem (e.g. Content-Range)

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(Problem):
    status = 404
    slug = "not-found"


class InvalidCursor(Problem):
    status = 400
    slug = "invalid-cursor"


class Unauthorized(Problem):
    status = 401
    slug = "unauthorized"


class Forbidden(Problem):
    status = 403
    slug = "forbidden"


class Conflict(Problem):
    status = 409
    slug = "conflict"


class PayloadTooLarge(Problem):
    status = 413
    slug = "payload-too-large"


class RangeNotSatisfiable(Problem):
    status = 416
    slug = "range-not-satisfiable"

    def __init__(self, detail: str, length: int) -> None:
        super().__init__(detail)
        self.headers = {"Content-Range": f"bytes */{length}"}


class Unavailable(Problem):
    """A dependency is down for the moment; the answer says when to try again."""

    status = 503
    slug = "unavailable"

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ProblemResponse(JSONResponse):
    """``application/problem+json``, ASCII-escaped: a problem may quote the bad input
    back (a path, a parameter name), and input can hold a lone surrogate that UTF-8
    cannot encode; escaped, every string renders."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def problem_response(
    status: int,
    slug: str,
    detail: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    title = PROBLEM_TYPES.get(slug, ("Error", ""))[0]
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return ProblemResponse(body, status_code=status, headers=headers)


def _validation_detail(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    cleaned = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        cleaned.append({"location": ".".join(loc), "message": str(error.get("msg", ""))})
    first = cleaned[0] if cleaned else {"location": "", "message": "invalid request"}
    where = f" ({first['location']})" if first["location"] else ""
    return f"{first['message']}{where}", cleaned


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Unavailable) else None
        return problem_response(
            exc.status,
            exc.slug,
            exc.detail,
            instance=request.url.path,
            headers={**(headers or {}), **(exc.headers or {})} or None,
            **exc.extensions,
        )

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The database is down, or has no connection for this request (a burst larger
        # than the pool or than the server's limit): transient, so a 503 that says
        # when to retry. A 500 would say we are broken. Any other database error is.
        reason = unavailable_reason(exc)
        if reason is None:
            return await _internal(request, exc)
        log.warning("%s on %s: %s", reason, request.url.path, _cause(exc))
        return problem_response(
            503,
            "unavailable",
            f"{reason} for the moment; retry shortly",
            instance=request.url.path,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
        )

    @app.exception_handler(InvalidSWHID)
    async def _swhid(request: Request, exc: InvalidSWHID) -> JSONResponse:
        return problem_response(422, "invalid-swhid", str(exc), instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        for error in errors:
            ctx_error = (error.get("ctx") or {}).get("error")
            if isinstance(ctx_error, InvalidSWHID):
                return problem_response(
                    422, "invalid-swhid", str(ctx_error), instance=request.url.path
                )
        detail, cleaned = _validation_detail(errors)
        return problem_response(
            422, "validation-error", detail, instance=request.url.path, errors=cleaned
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 401: "unauthorized", 429: "rate-limited"}.get(
            exc.status_code, "http-error"
        )
        return problem_response(
            exc.status_code,
            slug,
            str(exc.detail),
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s", request.url.path, exc_info=exc)
        return problem_response(
            500,
            "internal-error",
            "internal error; it has been logged",
            instance=request.url.path,
        )

    app.add_exception_handler(Exception, _internal)


def _cause(exc: Exception) -> object:
    """What a log line says of a database error: the driver's message, not
    SQLAlchemy's text of it, which adds the statement and its parameters (a
    caller's data, at WARNING for every request of a burst)."""
    return exc.orig if isinstance(exc, DBAPIError) else exc
