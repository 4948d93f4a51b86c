"""Write what projects say about themselves (CodeMeta record) and their paper links.

Shared by the scan pipeline (files of a snapshot) and forge ingestion (registry
payloads such as PyPI's project URLs), so a link has one shape whatever its source.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from sqlalchemy.orm import Session

from app.codemeta.readers import build_record, loader_for
from app.models import PaperLink
from app.papers import TOOL, TOOL_VERSION, repository
from app.papers.links import (
    PaperLinkCandidate,
    links_from_cff,
    links_from_codemeta,
    links_from_pypi,
    links_from_zenodo,
    scan_readme,
)

README_NAMES = ("readme", "readme.md", "readme.rst", "readme.txt", "readme.markdown")


def wanted_file(path: str) -> bool:
    """Files the metadata pass keeps: metadata files near the root, root READMEs."""
    depth = path.count("/")
    name = posixpath.basename(path).lower()
    if depth == 0 and name in README_NAMES:
        return True
    return depth <= 1 and loader_for(path) is not None


def _file_links(
    path: str, text: str, parsed_by_path: Mapping[str, object]
) -> list[PaperLinkCandidate]:
    name = posixpath.basename(path).lower()
    parsed = parsed_by_path.get(path)
    if name in README_NAMES:
        return scan_readme(text, path).links
    if parsed is None or not getattr(parsed, "ok", False):
        return []
    if name == "citation.cff":
        return links_from_cff(parsed, text)  # type: ignore[arg-type]
    if name == "codemeta.json":
        return links_from_codemeta(parsed, text)  # type: ignore[arg-type]
    if name == ".zenodo.json":
        return links_from_zenodo(parsed, text)  # type: ignore[arg-type]
    return []


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
    parsed_by_path = {p.path: p for p in result.files}
    candidates: list[PaperLinkCandidate] = []
    for path, text in sorted(files.items()):
        candidates += _file_links(path, text, parsed_by_path)
    links = [_link(session, origin_id, c, content_ids.get(c.path or "")) for c in candidates]
    repository.replace_links(session, origin_id, TOOL, links, from_payload=False)
    return len(result.record), len(links)


def record_registry_links(
    session: Session,
    *,
    origin_id: int,
    raw_metadata_id: int,
    info: Mapping[str, object],
    mapper_version: str,
) -> int:
    """Links a registry payload declares (PyPI project URLs labelled Paper, ...)."""
    candidates = links_from_pypi(info)
    links = [
        _link(
            session,
            origin_id,
            c,
            None,
            raw_metadata_id=raw_metadata_id,
            mapper_version=mapper_version,
        )
        for c in candidates
    ]
    repository.replace_links(session, origin_id, TOOL, links, from_payload=True)
    return len(links)


def _link(
    session: Session,
    origin_id: int,
    candidate: PaperLinkCandidate,
    content_id: int | None,
    *,
    raw_metadata_id: int | None = None,
    mapper_version: str | None = None,
) -> PaperLink:
    paper = repository.paper_for_key(session, candidate.key)
    return PaperLink(
        paper_id=paper.id,
        origin_id=origin_id,
        kind=candidate.kind,
        evidence_content_id=content_id,
        evidence_path=candidate.path,
        evidence_line=candidate.line,
        identifier_as_found=candidate.identifier_as_found,
        tool=TOOL,
        tool_version=TOOL_VERSION,
        raw_metadata_id=raw_metadata_id,
        mapper_version=mapper_version,
    )
