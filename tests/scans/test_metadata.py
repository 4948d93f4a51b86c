"""A scan stores the snapshot's CodeMeta record and typed, evidenced paper links."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Content, Paper, PaperLink, ProjectMetadata
from app.models.enums import PaperLinkKind
from app.scans.service import run_scan
from tests.codemeta.conftest import FIXTURES as PAPERS

CITATION = """\
cff-version: 1.2.0
message: "If you use this software, please cite it as below."
title: corner.py
version: 2.3.0
doi: 10.5281/zenodo.53155
authors:
  - family-names: Foreman-Mackey
    given-names: Daniel
    orcid: https://orcid.org/0000-0002-9328-5652
preferred-citation:
  type: article
  title: "corner.py: Scatterplot matrices in Python"
  doi: 10.21105/joss.00024
  authors:
    - family-names: Foreman-Mackey
      given-names: Daniel
"""


def test_citation_and_readme_become_typed_links(
    tmp_path: Path, db: Session, session_factory: sessionmaker[Session]
) -> None:
    tree = tmp_path / "corner"
    tree.mkdir()
    (tree / "CITATION.cff").write_text(CITATION)
    shutil.copy(PAPERS / "readmes" / "corner-2.3.0.README.md", tree / "README.md")
    shutil.copy(PAPERS / "manifests" / "corner-2.3.0.pyproject.toml", tree / "pyproject.toml")
    outcome = run_scan(
        str(tree), origin_url="https://github.com/dfm/corner.py", factory=session_factory
    )
    metadata = db.scalars(
        select(ProjectMetadata).where(ProjectMetadata.origin_id == outcome.origin_id)
    ).one()
    assert metadata.record["name"] == "corner.py"
    assert metadata.sources["name"][0]["path"] == "CITATION.cff"
    assert metadata.sources["name"][0]["swhid"].startswith("swh:1:cnt:")
    links = db.execute(
        select(PaperLink, Paper).join(Paper).where(PaperLink.origin_id == outcome.origin_id)
    ).all()
    by_doi = {(paper.doi, link.kind) for link, paper in links}
    assert ("10.21105/joss.00024", PaperLinkKind.PREFERRED_CITATION) in by_doi
    assert ("10.21105/joss.00024", PaperLinkKind.README_MENTION) in by_doi
    assert ("10.5281/zenodo.53155", PaperLinkKind.SOFTWARE_DOI) in by_doi
    # The README's BibTeX code block repeats the DOI: it is not a preferred citation.
    readme = [link for link, _ in links if link.evidence_path == "README.md"]
    assert {link.kind for link in readme} == {PaperLinkKind.README_MENTION}
    evidence = db.get(Content, readme[0].evidence_content_id)
    assert evidence is not None
    # One paper per identifier, however many links point to it.
    assert len({paper.id for _, paper in links if paper.doi == "10.21105/joss.00024"}) == 1
