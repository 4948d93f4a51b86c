"""``POST /v1/lookup``: resolve up to 1000 identifiers in one request."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.kit.api import UoW
from app.lookup.service import MAX_ITEMS, lookup

router = APIRouter(prefix="/v1", tags=["lookup"])


class LookupIn(BaseModel):
    items: list[str] = Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description=(
            "SWHIDs (core or qualified, any type), origin URLs (any usual spelling, former "
            "URLs too) or package URLs (pkg:pypi/six, pkg:npm/ms, pkg:cargo/serde, "
            "pkg:github/owner/name)."
        ),
    )


class LookupItemOut(BaseModel):
    input: str
    kind: str = Field(description="swhid, url or purl")
    status: str = Field(description="matched, missing, ambiguous or invalid")
    object_type: str | None = None
    swhid: str | None = None
    origin_id: int | None = None
    url: str | None = Field(default=None, description="The origin's canonical URL.")
    candidates: list[str] | None = Field(default=None, description="When ambiguous.")
    error: str | None = Field(default=None, description="When invalid: what is wrong.")


class LookupOut(BaseModel):
    results: list[LookupItemOut] = Field(description="One per input, in input order.")


@router.post("/lookup", response_model=LookupOut)
def batch_lookup(uow: UoW, body: LookupIn) -> LookupOut:
    """Which of these does CodeCommons know? Read-only, so no API key is needed."""
    return LookupOut(results=[LookupItemOut(**asdict(r)) for r in lookup(uow.session, body.items)])
