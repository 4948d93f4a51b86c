"""Write the links from projects to papers; resolve papers' titles, authors, year
and venue.

Links: shared by the scan (files of a snapshot, through :mod:`app.codemeta.recording`)
and forge ingestion (registry payloads such as PyPI's project URLs), so a link has
one shape whatever its source.

Resolution: Crossref, DataCite, arXiv and OpenAlex. Without a network the papers stay
``unresolved`` with the reason noted, and a later run tries again; a definite 404 is
``not_found``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

import httpx
from sqlalchemy.orm import Session, sessionmaker

from app.jobs import kinds
from app.jobs import repository as jobs
from app.kit.db import unit_of_work
from app.models import Paper, PaperLink
from app.models.enums import PaperStatus
from app.papers import TOOL, TOOL_VERSION, repository
from app.papers.identifiers import PaperKey, Scheme
from app.papers.links import (
    PaperLinkCandidate,
    StructuredFile,
    links_from_cff,
    links_from_codemeta,
    links_from_pypi,
    links_from_zenodo,
    scan_readme,
)
from app.papers.resolve import (
    ArxivClient,
    CrossrefClient,
    DataCiteClient,
    OpenAlexClient,
    Resolver,
    resolve,
)

Progress = Callable[[int, int | None], None]

README_NAMES = ("readme", "readme.md", "readme.rst", "readme.txt", "readme.markdown")


def is_readme(path: str) -> bool:
    """A README at the root of the snapshot: the one place mentions count."""
    return path.count("/") == 0 and posixpath.basename(path).lower() in README_NAMES


def _file_links(
    path: str, text: str, parsed_by_path: Mapping[str, StructuredFile]
) -> list[PaperLinkCandidate]:
    name = posixpath.basename(path).lower()
    parsed = parsed_by_path.get(path)
    if name in README_NAMES:
        return scan_readme(text, path).links
    if parsed is None or not parsed.ok:
        return []
    if name == "citation.cff":
        return links_from_cff(parsed, text)
    if name == "codemeta.json":
        return links_from_codemeta(parsed, text)
    if name == ".zenodo.json":
        return links_from_zenodo(parsed, text)
    return []


def record_file_links(
    session: Session,
    *,
    origin_id: int,
    files: Mapping[str, str],
    parsed_by_path: Mapping[str, StructuredFile],
    content_ids: Mapping[str, int],
) -> int:
    """Replace the origin's file-evidenced paper links with those of a snapshot's
    files (READMEs, and the metadata files as :mod:`app.codemeta` read them).
    Returns how many links."""
    candidates: list[PaperLinkCandidate] = []
    for path, text in sorted(files.items()):
        candidates += _file_links(path, text, parsed_by_path)
    links = [_link(session, origin_id, c, content_ids.get(c.path or "")) for c in candidates]
    repository.replace_links(session, origin_id, TOOL, links, from_payload=False)
    return len(links)


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


# --- resolution ---


def default_resolvers(client: httpx.Client) -> list[Resolver]:
    return [
        CrossrefClient(client),
        DataCiteClient(client),
        ArxivClient(client),
        OpenAlexClient(client),
    ]


def key_of(paper: Paper) -> PaperKey | None:
    if paper.doi:
        return PaperKey(Scheme.DOI, paper.doi)
    if paper.arxiv_id:
        return PaperKey(Scheme.ARXIV, paper.arxiv_id)
    if paper.hal_id:
        return PaperKey(Scheme.HAL, paper.hal_id)
    return None


def resolve_papers(
    resolvers: Sequence[Resolver],
    factory: sessionmaker[Session] | None = None,
    *,
    limit: int = 500,
    progress: Progress | None = None,
) -> dict[str, int]:
    counts = {status.value: 0 for status in PaperStatus}
    counts["origins_queued_for_signals"] = 0
    with unit_of_work(factory) as uow:
        ids = repository.unresolved_ids(uow.session, limit)
    for n, paper_id in enumerate(ids, start=1):
        with unit_of_work(factory) as uow:
            paper = uow.session.get(Paper, paper_id)
            key = key_of(paper) if paper else None
            if paper is None or key is None:
                continue
            answer = resolve(key, resolvers)
            paper.status = answer.status
            paper.resolution_note = answer.error
            if answer.metadata is not None:
                paper.title = answer.metadata.title
                paper.authors = list(answer.metadata.authors)
                paper.year = answer.metadata.year
                paper.venue = answer.metadata.venue
                paper.fields = list(answer.metadata.fields)
                paper.resolved_by = answer.metadata.source
                paper.resolved_at = datetime.now(UTC)
                if paper.fields:  # the domains of the origins linked to it change
                    counts["origins_queued_for_signals"] += repository.mark_linked_origins_stale(
                        uow.session, [paper.id], f"paper {paper.id} resolved with fields"
                    )
            counts[answer.status.value] += 1
        if progress is not None:
            progress(n, len(ids))
    return counts


def pending_resolution(session: Session) -> bool:
    """Unresolved papers exist and no resolution job is already queued or running."""
    return repository.has_unresolved(session) and not jobs.has_active(session, kinds.PAPERS_RESOLVE)
