"""``/v1/swhid/{swhid}`` and ``/v1/contents/{key}``."""

from __future__ import annotations

from fastapi import APIRouter, Path

from app.archive import service
from app.archive.schemas import ContentOut, ResolvedOut
from app.kit.api import UoW

router = APIRouter(prefix="/v1", tags=["archive"])


@router.get("/swhid/{swhid:path}", response_model=ResolvedOut)
def resolve_swhid(
    uow: UoW,
    swhid: str = Path(description="Any SWHID, core or qualified (swh:1:cnt:...;origin=...)."),
) -> ResolvedOut:
    return service.resolve(uow.session, swhid)


@router.get("/contents/{key}", response_model=ContentOut)
def get_content(
    uow: UoW,
    key: str = Path(description="swh:1:cnt:<hex>, sha1:<hex>, sha256:<hex> or sha1_git:<hex>"),
) -> ContentOut:
    return service.get_content(uow.session, key)
