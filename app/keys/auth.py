"""Who a request is, and whether it may do what it asks: the one place routes,
GraphQL and the opt-out operator checks go through.

``Submitter`` and ``Admin`` are route parameters (``key: Submitter``): without a key
the answer is ``401 /problems/unauthorized``, with a key lacking the scope
``403 /problems/forbidden``. Both declare the security schemes of
:mod:`app.kit.api`, so the OpenAPI document says which operations need a key, and
set the request's unit of work's ``actor``, so jobs record who asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session, sessionmaker

from app.keys.service import Principal, Scope, resolve
from app.kit.api import BEARER, X_API_KEY, UoW, api_key_of
from app.kit.problems import Forbidden, Unauthorized


def caller_of(request: Request, presented: str | None) -> Principal | None:
    """The caller a presented key names, looked up in a short session of its own (a
    route streaming an upload must not hold a connection for it)."""
    if not presented:
        return None
    settings = request.app.state.settings
    factory: sessionmaker[Session] | None = request.app.state.sessionmaker
    if factory is None:
        return resolve(None, presented, settings)
    with factory() as session:
        return resolve(session, presented, settings)


def caller_of_request(request: Request) -> Principal | None:
    """The caller of a request (``Authorization: Bearer`` or ``X-API-Key``), or None."""
    return caller_of(request, api_key_of(request))


def _requirement(scope: Scope) -> Callable[..., Principal]:
    def require(
        request: Request,
        uow: UoW,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
        header: Annotated[str | None, Security(X_API_KEY)],
    ) -> Principal:
        presented = (bearer.credentials.strip() or None) if bearer is not None else header or None
        if presented is None:
            raise Unauthorized("this endpoint needs an API key (Authorization: Bearer <key>)")
        principal = caller_of(request, presented)
        if principal is None:
            raise Unauthorized("the API key is not valid")
        if not principal.can(scope):
            raise Forbidden(f"this needs an API key with the {scope.value!r} scope")
        uow.actor = principal.name
        return principal

    require.__name__ = f"require_{scope.value}"
    return require


Reader = Annotated[Principal, Depends(_requirement(Scope.READ))]
Submitter = Annotated[Principal, Depends(_requirement(Scope.SUBMIT))]
Admin = Annotated[Principal, Depends(_requirement(Scope.ADMIN))]


def optional_caller(request: Request) -> Principal | None:
    """The caller when a valid key is presented, else None (anonymous): for reads
    whose answer depends on who asks (personal data)."""
    return caller_of_request(request)


Caller = Annotated[Principal | None, Depends(optional_caller)]

#: The ``Vary`` of an answer that depends on who asks (caches must not share it).
VARY_BY_CALLER = "Authorization, X-API-Key"
