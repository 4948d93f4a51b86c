"""A snapshot's CodeMeta record: written by the scan, read by the origin endpoints.

The scan hands over the snapshot's metadata files and root READMEs
(:func:`wanted_file` says which); :func:`record_snapshot_metadata` merges the files
into one record with the file behind each field, and has :mod:`app.papers` write the
paper links the same files (and the READMEs) give. Readers get the newest record of
an origin with :func:`origin_record`, as it is or rendered as codemeta.json, BibTeX
and CITATION.cff.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.codemeta import repository
from app.codemeta.citation import to_cff, to_codemeta
from app.codemeta.readers import build_record, loader_for
from app.codemeta.schemas import CodeMetaOut
from app.kit.problems import NotFound, Problem
from app.models import Origin
from app.papers import TOOL, TOOL_VERSION
from app.papers.service import is_readme, record_file_links


def wanted_file(path: str) -> bool:
    """Files the metadata pass keeps: metadata files near the root, root READMEs."""
    if is_readme(path):
        return True
    return path.count("/") <= 1 and loader_for(path) is not None


def record_snapshot_metadata(
    session: Session,
    *,
    origin_id: int,
    snapshot_id: int,
    files: Mapping[str, str],
    content_ids: Mapping[str, int],
    swhids: Mapping[str, str],
) -> tuple[int, int]:
    """Store the CodeMeta record of a snapshot and the origin's file-evidenced paper
    links. Returns (fields in the record, links)."""
    result = build_record({p: t for p, t in files.items() if loader_for(p) is not None})
    sources = {
        field: [{**src, "swhid": swhids.get(src.get("path", ""), "")} for src in srcs]
        for field, srcs in result.sources.items()
    }
    repository.upsert_project_metadata(
        session,
        origin_id,
        snapshot_id,
        {
            "record": result.record,
            "sources": sources,
            "problems": result.problems,
            "tool": TOOL,
            "tool_version": TOOL_VERSION,
        },
    )
    links = record_file_links(
        session,
        origin_id=origin_id,
        files=files,
        parsed_by_path={p.path: p for p in result.files},
        content_ids=content_ids,
    )
    return len(result.record), links


def origin_record(session: Session, origin: Origin) -> CodeMetaOut:
    """The origin's newest CodeMeta record, its repository defaulting to the origin's
    URL, with the files behind each field."""
    metadata = repository.latest_metadata(session, origin.id)
    if metadata is None:
        raise NotFound(f"origin {origin.id} has no intrinsic metadata yet (scan it first)")
    record = dict(metadata.record)
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
