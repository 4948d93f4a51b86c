"""``/healthz`` (the process is alive) and ``/readyz`` (it can do its work)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app import __version__
from app.health.service import check_broker, check_database

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str


class CheckOut(BaseModel):
    ok: bool
    detail: str
    current: str | None = None
    head: str | None = None


class Readiness(BaseModel):
    status: str  # "ready" or "not ready"
    checks: dict[str, CheckOut]


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok", version=__version__)


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready; the checks say why."}},
)
async def readyz(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    database, migrations = await run_in_threadpool(check_database, request.app.state.engine)
    broker = await run_in_threadpool(
        check_broker, str(settings.redis_url) if settings.redis_url else None
    )
    checks = {
        "database": CheckOut(ok=database.ok, detail=database.detail),
        "migrations": CheckOut(
            ok=migrations.ok,
            detail=migrations.detail,
            current=migrations.extra.get("current"),  # type: ignore[arg-type]
            head=migrations.extra.get("head"),  # type: ignore[arg-type]
        ),
        "broker": CheckOut(ok=broker.ok, detail=broker.detail),
    }
    ready = all(c.ok for c in checks.values())
    body = Readiness(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
