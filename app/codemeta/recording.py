"""What a scan records of a snapshot's own metadata: its CodeMeta record and the
paper links of the same files.

The scan hands over the snapshot's metadata files and root READMEs
(:func:`wanted_file` says which); :func:`record_snapshot_metadata` merges the files
into one record with the file behind each field (:mod:`app.codemeta.readers`), and
has :mod:`app.papers` write the paper links the same files (and the READMEs) give.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from app.codemeta import repository
from app.codemeta.readers import build_record, loader_for
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
