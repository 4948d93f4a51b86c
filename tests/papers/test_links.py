from __future__ import annotations

import json

from app.codemeta.readers import load_cff, load_codemeta, load_zenodo
from app.models.enums import PaperLinkKind
from app.papers.identifiers import PaperKey, Scheme
from app.papers.links import (
    links_from_cff,
    links_from_codemeta,
    links_from_pypi,
    links_from_zenodo,
    scan_readme,
)
from tests.codemeta.conftest import read

PREFERRED = PaperLinkKind.PREFERRED_CITATION


def kinds(candidates: list) -> dict[str, PaperLinkKind]:  # type: ignore[type-arg]
    return {c.identifier: c.kind for c in candidates}


def test_cff_references_and_software_doi() -> None:
    text = read("cff/1.2.0/pass/bjmorgan-bsym.cff")
    links = links_from_cff(load_cff(text), text)
    assert kinds(links) == {
        "10.21105/joss.00370": PaperLinkKind.REFERENCE,
        "10.5281/zenodo.596912": PaperLinkKind.SOFTWARE_DOI,
    }
    joss = next(c for c in links if c.identifier == "10.21105/joss.00370")
    assert joss.line == text.splitlines().index("    doi: 10.21105/joss.00370 ") + 1
    assert joss.path == "CITATION.cff"


def test_cff_preferred_citation_and_non_zenodo_top_level_doi() -> None:
    text = (
        "cff-version: 1.2.0\nmessage: cite\ntitle: tool\nauthors:\n  - name: Team\n"
        "doi: 10.1000/journal.paper\n"
        "preferred-citation:\n  type: article\n  title: The paper\n  authors:\n    - name: Team\n"
        "  doi: 10.1000/journal.paper\n"
        "references:\n  - type: article\n    title: Other\n    authors:\n      - name: X\n"
        "    url: https://arxiv.org/abs/2101.00001v2\n"
    )
    links = links_from_cff(load_cff(text), text)
    assert kinds(links) == {
        "10.1000/journal.paper": PREFERRED,  # top-level copy not repeated as reference
        "2101.00001": PaperLinkKind.REFERENCE,
    }
    pref = links[0]
    assert pref.line == 12
    assert pref.detail == "preferred-citation"
    arxiv = links[1]
    assert arxiv.key == PaperKey(Scheme.ARXIV, "2101.00001")
    assert arxiv.version == "v2"


def test_invalid_cff_gives_no_links() -> None:
    text = read("cff/1.2.0/fail/additional-key.cff")
    assert links_from_cff(load_cff(text), text) == []


def test_codemeta_reference_publication_and_citation() -> None:
    doc = {
        "@context": "https://w3id.org/codemeta/3.0",
        "name": "x",
        "identifier": "https://doi.org/10.5281/zenodo.42",
        "referencePublication": {
            "@type": "ScholarlyArticle",
            "@id": "https://doi.org/10.21105/joss.01234",
        },
        "citation": ["https://arxiv.org/abs/1706.03762", {"identifier": "hal-01234567"}],
    }
    text = json.dumps(doc, indent=2)
    links = links_from_codemeta(load_codemeta(text), text)
    assert kinds(links) == {
        "10.21105/joss.01234": PREFERRED,
        "1706.03762": PaperLinkKind.REFERENCE,
        "hal-01234567": PaperLinkKind.REFERENCE,
        "10.5281/zenodo.42": PaperLinkKind.SOFTWARE_DOI,
    }
    assert all(c.line for c in links)


def test_zenodo_related_identifiers() -> None:
    text = read("zenodo/castelao-inception.zenodo.json")
    links = links_from_zenodo(load_zenodo(text), text)
    assert kinds(links) == {"10.21105/joss.02063": PaperLinkKind.REFERENCE}  # relation: cites
    assert links[0].detail == "related_identifiers[cites]"
    described = json.dumps(
        {
            "related_identifiers": [
                {"identifier": "10.1000/paper", "relation": "isSupplementTo", "scheme": "doi"},
                {"identifier": "10.5281/zenodo.1", "relation": "isVersionOf", "scheme": "doi"},
                {"identifier": "arXiv:2101.00001", "relation": "isDocumentedBy", "scheme": "arxiv"},
            ]
        }
    )
    assert kinds(links_from_zenodo(load_zenodo(described), described)) == {
        "10.1000/paper": PREFERRED,
        "10.5281/zenodo.1": PaperLinkKind.SOFTWARE_DOI,
        "2101.00001": PREFERRED,
    }


def test_readme_badges_and_prose_but_not_the_bibtex_block() -> None:
    """corner.py: the JOSS DOI is in a badge, in prose and in a ```tex block."""
    scan = scan_readme(read("readmes/corner-2.3.0.README.md"), "README.md")
    assert [(c.identifier, c.kind, c.line) for c in scan.links] == [
        ("10.21105/joss.00024", PaperLinkKind.README_MENTION, 6)
    ]
    assert {s.reason for s in scan.skipped} == {"in a code block"}
    assert {s.line for s in scan.skipped} == {14, 15}


def test_rst_readme_arxiv_badge_and_literal_block() -> None:
    """emcee: arXiv badge + prose link; the paper's DOI only inside a ``::`` literal block."""
    scan = scan_readme(read("readmes/emcee-3.1.6.README.rst"), "README.rst")
    assert [(c.identifier, c.scheme, c.identifier_as_found) for c in scan.links] == [
        ("1202.3665", Scheme.ARXIV, "arXiv-1202.3665")
    ]
    assert [(s.identifier, s.reason) for s in scan.skipped] == [
        ("doi:10.1086/670067", "in a code block")
    ]


def test_readme_never_yields_a_preferred_citation() -> None:
    text = "# tool\n\nIf you use this, please cite https://doi.org/10.1000/ours.\n"
    (only,) = scan_readme(text).links
    assert only.kind is PaperLinkKind.README_MENTION


def test_dependency_citations_are_skipped() -> None:
    text = (
        "# tool\n\n"
        "This project uses NumPy; please also cite https://doi.org/10.1038/s41586-020-2649-2.\n\n"
        "Built on top of JAX (arXiv:1811.00001).\n\n"
        "## Acknowledgements\n\nWe thank the authors of doi:10.1000/thanks.\n\n"
        "## Citation\n\nCite our paper: https://doi.org/10.1000/ours\n"
    )
    scan = scan_readme(text)
    assert [c.identifier for c in scan.links] == ["10.1000/ours"]
    reasons = {s.identifier: s.reason for s in scan.skipped}
    assert reasons == {
        "doi:10.1038/s41586-020-2649-2": "in a dependency context",
        "arxiv:1811.00001": "in a dependency context",
        "doi:10.1000/thanks": "in section 'Acknowledgements'",
    }


def test_indented_code_and_inline_code_are_skipped() -> None:
    text = "Example:\n\n    resolve('10.1000/example')\n\nUse `doi:10.1000/inline` syntax.\n"
    scan = scan_readme(text)
    assert scan.links == []
    assert [s.reason for s in scan.skipped] == ["in a code block", "in inline code"]


def test_pypi_project_urls() -> None:
    info = {
        "project_urls": {
            "Paper": "https://doi.org/10.21105/joss.00024",
            "Documentation": "https://arxiv.org/abs/1202.3665",
            "Homepage": "https://doi.org/10.1000/not-labelled-as-paper",
            "Docs": "https://corner.readthedocs.io",
        }
    }
    links = links_from_pypi(info)
    assert [(c.identifier, c.kind, c.detail) for c in links] == [
        ("10.21105/joss.00024", PaperLinkKind.REGISTRY_LINK, "project_urls[Paper]"),
        ("1202.3665", PaperLinkKind.REGISTRY_LINK, "project_urls[Documentation]"),
    ]
    assert links_from_pypi({"project_urls": None}) == []
