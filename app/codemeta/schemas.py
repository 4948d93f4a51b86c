"""What the CodeMeta endpoints return."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CodeMetaOut(BaseModel):
    origin_id: int
    snapshot_id: int | None
    record: dict[str, object]
    sources: dict[str, object] = Field(description="Field -> files and mappings it came from.")
    problems: list[object] = Field(description="Files that could not be read, and why.")
