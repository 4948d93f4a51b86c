"""What the license endpoints return."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LicenseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    spdx_id: str = Field(
        description="SPDX identifier, or LicenseRef-scancode-* when SPDX lists none."
    )
    key: str = Field(description="ScanCode LicenseDB key.")
    name: str | None
    category: str | None = Field(description="ScanCode category (Permissive, Copyleft, ...).")
    is_exception: bool
    is_deprecated: bool
    is_spdx_listed: bool
    osi_approved: bool | None
    fsf_libre: bool | None
    other_spdx_ids: list[str]
    source: str


class CategoryOut(BaseModel):
    category: str
    licenses: int
