"""An origin's CodeMeta record as the API serves it: the newest one
(:func:`origin_record`), as it is or rendered as codemeta.json and CITATION.cff
(BibTeX is :func:`app.codemeta.citation.to_bibtex`).

What a scan writes is :mod:`app.codemeta.recording`; it is kept apart so that the API
process does not load the file readers (YAML and JSON schema validators, Markdown)
it never runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.codemeta import repository
from app.codemeta.citation import to_cff, to_codemeta
from app.codemeta.schemas import CodeMetaOut
from app.kit.personal import without_emails
from app.kit.problems import NotFound, Problem
from app.models import Origin


def origin_record(session: Session, origin: Origin, *, show_personal: bool = False) -> CodeMetaOut:
    """The origin's newest CodeMeta record, its repository defaulting to the origin's
    URL, with the files behind each field; e-mail fields only for ``show_personal``
    (admin callers, :mod:`app.kit.personal`)."""
    metadata = repository.latest_metadata(session, origin.id)
    if metadata is None:
        raise NotFound(f"origin {origin.id} has no intrinsic metadata yet (scan it first)")
    record = dict(metadata.record if show_personal else without_emails(metadata.record))
    record.setdefault("codeRepository", origin.url)
    return CodeMetaOut(
        origin_id=origin.id,
        snapshot_id=metadata.snapshot_id,
        record=record,
        sources=metadata.sources,
        problems=metadata.problems,
    )


def codemeta_json(record: Mapping[str, Any]) -> str:
    return json.dumps(to_codemeta(record), indent=2, ensure_ascii=False)


def citation_cff(record: Mapping[str, Any]) -> str:
    """The record as CITATION.cff; a record CFF cannot hold (no title, no author) is
    the caller's problem, not a server error."""
    try:
        return to_cff(record)
    except ValueError as exc:
        raise Problem(f"cannot write a CITATION.cff: {exc}") from exc
