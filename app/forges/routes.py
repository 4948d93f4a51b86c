"""Forge metadata over REST: imports, raw payloads (provenance), owners, issues.

What is asked of one origin (its payloads, a fetch, a refresh, an issue crawl) is
under ``/v1/origins``, in :mod:`app.origins.routes`, which calls :mod:`app.forges.service`.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from app.forges import repository
from app.forges.schemas import (
    IssueOut,
    OwnerDetail,
    RawMetadataDetail,
    RederiveIn,
)
from app.forges.uploads import uploads_dir
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
    memory) and import it in the background; the job reports failed lines, and the
    upload is deleted once the job is over (succeeded or failed)."""
    folder = uploads_dir(settings)
    target = folder / f"{uuid.uuid4().hex}.jsonl"
    # The body is written as it arrives with anyio's async file (each write in a worker
    # thread) and the job submitted in a worker thread: nothing here blocks the event
    # loop, however large the upload or slow the disk.
    size = 0
    try:
        async with await anyio.open_file(target, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise PayloadTooLarge(f"dump larger than {MAX_UPLOAD_BYTES} bytes; use the CLI")
                await out.write(chunk)
        if size == 0:
            raise Problem("the request body is empty: send the dump as application/x-ndjson")
        factory = request.app.state.sessionmaker
        return await run_in_threadpool(_submit_import, factory, target, size, key.name)
    except BaseException:
        # Refused (too large, empty, broker down): no job exists to delete the file.
        await anyio.Path(target).unlink(missing_ok=True)
        raise


def _submit_import(
    factory: sessionmaker[Session], target: Path, size: int, requested_by: str
) -> JobOut:
    with unit_of_work(factory, require_broker=True) as uow:
        job = service.submit(
            uow,
            kinds.FORGE_IMPORT,
            {"path": str(target.resolve()), "bytes": size, "upload": True},
            requested_by=requested_by,
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
