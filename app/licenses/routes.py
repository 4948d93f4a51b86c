"""``/v1/licenses``: the catalog."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.kit.api import UoW
from app.kit.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_cursor,
    encode_cursor,
    next_link,
)
from app.kit.params import Cursor
from app.kit.problems import NotFound
from app.licenses import repository
from app.licenses.schemas import CategoryOut, LicenseOut

router = APIRouter(prefix="/v1/licenses", tags=["licenses"])


@router.get("", response_model=Page[LicenseOut])
def list_licenses(
    uow: UoW,
    request: Request,
    response: Response,
    category: Annotated[str | None, Query(description="e.g. Permissive, Copyleft")] = None,
    is_exception: bool | None = None,
    spdx_listed: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Substring of id or name")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[LicenseOut]:
    after = str(decode_cursor("licenses", cursor, 1)[0]) if cursor else None
    rows = repository.list_licenses(
        uow.session,
        after=after,
        limit=limit + 1,
        category=category,
        is_exception=is_exception,
        spdx_listed=spdx_listed,
        q=q,
    )
    items = [LicenseOut.model_validate(r) for r in rows[:limit]]
    next_cursor = (
        encode_cursor("licenses", [items[-1].spdx_id.lower()]) if len(rows) > limit else None
    )
    response.headers.update(next_link(request.url, next_cursor))
    return Page[LicenseOut](items=items, next_cursor=next_cursor)


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(uow: UoW) -> list[CategoryOut]:
    return [CategoryOut(category=c, licenses=n) for c, n in repository.categories(uow.session)]


@router.get("/{spdx_id}", response_model=LicenseOut)
def get_license(uow: UoW, spdx_id: str) -> LicenseOut:
    found = repository.get_by_spdx_id(uow.session, spdx_id)
    if found is None:
        raise NotFound(f"no license with SPDX id or ScanCode key {spdx_id!r}")
    return LicenseOut.model_validate(found)
