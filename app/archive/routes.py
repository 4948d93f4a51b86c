"""``/v1/swhid/{swhid}``, ``/v1/contents/{key}`` and the paged parts of archive
objects: a content's occurrences, a directory's entries, a snapshot's branches."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response

from app.archive import service
from app.archive.schemas import (
    BranchOut,
    ContentOut,
    DirectoryEntryOut,
    OccurrenceOut,
    ResolvedOut,
)
from app.keys.auth import VARY_BY_CALLER, Caller
from app.kit.api import UoW, problems
from app.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, next_link
from app.kit.params import Cursor

router = APIRouter(prefix="/v1", tags=["archive"])
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
ContentKey = Annotated[
    str, Path(description="swh:1:cnt:<hex>, sha1:<hex>, sha256:<hex> or sha1_git:<hex>")
]
T = TypeVar("T")


def _page(paged: service.Paged[T], request: Request, response: Response) -> Page[T]:
    """The page as REST shows it, with its ``Link: rel=next`` header."""
    response.headers.update(next_link(request.url, paged.next_cursor))
    return paged.page()


@router.get("/swhid/{swhid:path}", response_model=ResolvedOut)
def resolve_swhid(
    uow: UoW,
    caller: Caller,
    response: Response,
    swhid: str = Path(description="Any SWHID, core or qualified (swh:1:cnt:...;origin=...)."),
) -> ResolvedOut:
    """What CodeCommons knows of any SWHID. A directory's entries, a snapshot's
    branches and a content's occurrences are cut at a first page: ``*_count`` says
    how many there are and ``*_next_cursor`` continues on the paged endpoint.
    Revision and release authors show their e-mail domain only (``Name
    <withheld@domain>``) unless the caller's key has the admin scope."""
    response.headers["Vary"] = VARY_BY_CALLER
    show = caller is not None and caller.is_admin
    return service.resolve(uow.session, swhid, show_personal=show)


@router.get("/contents/{key}", response_model=ContentOut, responses=problems(400))
def get_content(uow: UoW, key: ContentKey) -> ContentOut:
    return service.get_content(uow.session, key)


@router.get("/contents/{key}/occurrences", response_model=Page[OccurrenceOut])
def list_content_occurrences(
    uow: UoW,
    request: Request,
    response: Response,
    key: ContentKey,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[OccurrenceOut]:
    """Every place a content appears (origin, snapshot, path), oldest first, with
    the licenses it inherits there."""
    return _page(service.content_occurrences(uow.session, key, cursor, limit), request, response)


@router.get("/directories/{swhid:path}/entries", response_model=Page[DirectoryEntryOut])
def list_directory_entries(
    uow: UoW,
    request: Request,
    response: Response,
    swhid: str = Path(description="A directory SWHID (swh:1:dir:...)."),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[DirectoryEntryOut]:
    """A directory's entries by name (byte order)."""
    return _page(service.directory_entries(uow.session, swhid, cursor, limit), request, response)


@router.get("/snapshots/{swhid:path}/branches", response_model=Page[BranchOut])
def list_snapshot_branches(
    uow: UoW,
    request: Request,
    response: Response,
    swhid: str = Path(description="A snapshot SWHID (swh:1:snp:...)."),
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[BranchOut]:
    """A snapshot's branches by name (byte order)."""
    return _page(service.snapshot_branches(uow.session, swhid, cursor, limit), request, response)
