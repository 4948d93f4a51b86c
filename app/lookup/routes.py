"""``POST /v1/lookup``: resolve up to 1000 identifiers in one request."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from app.kit.api import UoW
from app.kit.boundary import RequestModel
from app.lookup.service import MAX_ITEMS, LookupResult, lookup

router = APIRouter(prefix="/v1", tags=["lookup"])


class LookupIn(RequestModel):
    items: list[str] = Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description=(
            "SWHIDs (core or qualified, any type), origin URLs (any usual spelling, former "
            "URLs too) or package URLs (pkg:pypi/six, pkg:npm/ms, pkg:cargo/serde, "
            "pkg:github/owner/name)."
        ),
    )


class LookupOut(BaseModel):
    results: list[LookupResult] = Field(description="One per input, in input order.")


@router.post("/lookup", response_model=LookupOut)
def batch_lookup(uow: UoW, body: LookupIn) -> Response:
    """Which of these does CodeCommons know? Read-only, so no API key is needed."""
    # Serialized here, once: FastAPI would dump the model to dicts and validate them
    # again against the response model before serializing (≈10 ms per 1000 items).
    out = LookupOut(results=lookup(uow.session, body.items))
    return Response(out.model_dump_json(), media_type="application/json")
