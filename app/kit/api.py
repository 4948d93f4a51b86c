"""FastAPI dependencies shared by every route: the unit of work and API keys."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.kit.db import UnitOfWork, unit_of_work
from app.kit.problems import Unauthorized


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    """One unit of work per request, committed before the response is sent."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with unit_of_work(factory) as uow:
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


def is_valid_key(presented: str | None, settings: Settings) -> bool:
    """Whether the key is one of the configured ones (constant-time comparisons)."""
    if presented is None:
        return False
    return any(
        secrets.compare_digest(presented.encode(), key.get_secret_value().encode())
        for key in settings.api_keys
    )


def require_api_key(request: Request, settings: SettingsDep) -> str:
    """Writes need one of the configured API keys (``Authorization: Bearer`` or
    ``X-API-Key``)."""
    presented = api_key_of(request)
    if presented is None:
        raise Unauthorized("this endpoint needs an API key (Authorization: Bearer <key>)")
    if is_valid_key(presented, settings):
        return presented
    raise Unauthorized("the API key is not valid")


ApiKey = Annotated[str, Depends(require_api_key)]
