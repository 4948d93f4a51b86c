"""Forge metadata over REST: imports, raw payloads (provenance), owners, issues.

What is asked of one origin (its payloads, a fetch, a refresh, an issue crawl) is
under ``/v1/origins``, in :mod:`app.origins.routes`, which calls :mod:`app.forges.service`.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.forges import repository
from app.forges.schemas import (
    IssueOut,
    OwnerDetail,
    RawMetadataDetail,
    RederiveIn,
)
from app.jobs import kinds, service
from app.jobs.schemas import JobOut
from app.keys.auth import VARY_BY_CALLER, Caller, Submitter
from app.kit.api import SettingsDep, UoW, problems
from app.kit.db import unit_of_work
from app.kit.httpcache import set_last_modified
from app.kit.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_id_cursor,
    id_page,
)
from app.kit.params import Cursor, OriginId, OwnerId, RawId
from app.kit.problems import NotFound, PayloadTooLarge, Problem
from app.models import Owner
from app.models.enums import IssueKind, IssueState

router = APIRouter(prefix="/v1", tags=["forge metadata"])
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
MAX_UPLOAD_BYTES = 2 * 1024**3


@router.post(
    "/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses=problems(413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-ndjson": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def start_import(request: Request, key: Submitter, settings: SettingsDep) -> JobOut:
    """Upload a JSON Lines dump of raw payloads (streamed to disk, never held in
    memory) and import it in the background; the job reports failed lines."""
    folder = Path(settings.data_dir) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.jsonl"
    size = 0
    with target.open("wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                target.unlink(missing_ok=True)
                raise PayloadTooLarge(f"dump larger than {MAX_UPLOAD_BYTES} bytes; use the CLI")
            out.write(chunk)
    if size == 0:
        target.unlink(missing_ok=True)
        raise Problem("the request body is empty: send the dump as application/x-ndjson")
    factory = request.app.state.sessionmaker
    with unit_of_work(factory) as uow:
        job = service.submit(
            uow,
            kinds.FORGE_IMPORT,
            {"path": str(target.resolve()), "bytes": size},
            requested_by=key.name,
        )
    return JobOut.of(job, {})


@router.post("/rederive", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def start_rederive(uow: UoW, _key: Submitter, body: RederiveIn | None = None) -> JobOut:
    """Map every stored payload again with today's mappers, in the background."""
    params: dict[str, object] = {"mapper": body.authority} if body and body.authority else {}
    return JobOut.of(service.submit(uow, kinds.FORGE_REDERIVE, params), {})


@router.get("/raw/{raw_id}", response_model=RawMetadataDetail)
def get_raw(uow: UoW, caller: Caller, raw_id: RawId, response: Response) -> RawMetadataDetail:
    """A stored payload, verbatim, with who said it, when, and how it was fetched.
    Stored payloads never change, so their fetch time is an exact ``Last-Modified``."""
    raw = repository.raw_by_id(uow.session, raw_id)
    if raw is None:
        raise NotFound(f"no stored payload with id {raw_id}")
    set_last_modified(response, raw.fetched_at)
    response.headers["Vary"] = VARY_BY_CALLER
    show = caller is not None and caller.is_admin
    return RawMetadataDetail.with_payload(raw, show_personal=show)


@router.get("/owners", response_model=Page[OwnerDetail])
def list_owners(
    uow: UoW,
    request: Request,
    response: Response,
    forge: str | None = None,
    login: str | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[OwnerDetail]:
    rows = repository.list_owners(
        uow.session,
        forge=forge,
        login=login,
        after_id=decode_id_cursor("owners", cursor),
        limit=limit + 1,
    )
    return id_page(rows, limit, "owners", OwnerDetail.of, request.url, response.headers)


@router.get("/owners/{owner_id}", response_model=OwnerDetail)
def get_owner(uow: UoW, owner_id: OwnerId) -> OwnerDetail:
    owner = uow.session.get(Owner, owner_id)
    if owner is None:
        raise NotFound(f"no owner with id {owner_id}")
    return OwnerDetail.of(owner)


@router.get("/issues", response_model=Page[IssueOut])
def list_issues(
    uow: UoW,
    request: Request,
    response: Response,
    origin_id: OriginId | None = None,
    kind: IssueKind | None = None,
    state: IssueState | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[IssueOut]:
    """Issues and pull/merge requests of every forge, in one vocabulary."""
    rows = repository.list_issues(
        uow.session,
        origin_id=origin_id,
        kind=kind.value if kind else None,
        state=state.value if state else None,
        after_id=decode_id_cursor("issues", cursor),
        limit=limit + 1,
    )
    return id_page(rows, limit, "issues", IssueOut.of, request.url, response.headers)
