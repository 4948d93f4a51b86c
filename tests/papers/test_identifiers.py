from __future__ import annotations

import pytest

from app.papers.identifiers import (
    PaperKey,
    Scheme,
    find_identifiers,
    normalize_doi,
    paper_key,
    parse_identifier,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1000/XYZ123", "10.1000/xyz123"),
        ("https://doi.org/10.21105/JOSS.00024", "10.21105/joss.00024"),
        ("http://dx.doi.org/10.1086/670067", "10.1086/670067"),
        ("doi:10.5281/zenodo.1234", "10.5281/zenodo.1234"),
        ("DOI: 10.1016/0092-8674(89)90900-8", "10.1016/0092-8674(89)90900-8"),
        ("10.1000/abc.", "10.1000/abc"),
        ("not a doi", None),
        ("10.12/too-short-prefix", None),
    ],
)
def test_normalize_doi(text: str, expected: str | None) -> None:
    assert normalize_doi(text) == expected


def test_doi_in_prose_trims_punctuation_and_unbalanced_parenthesis() -> None:
    found = find_identifiers("Please cite (https://doi.org/10.7717/peerj-cs.86).")
    assert [str(i) for i in found] == ["doi:10.7717/peerj-cs.86"]
    assert found[0].as_found == "10.7717/peerj-cs.86"


def test_doi_keeps_balanced_parentheses() -> None:
    found = find_identifiers("see 10.1016/0092-8674(89)90900-8, page 2")
    assert [i.value for i in found] == ["10.1016/0092-8674(89)90900-8"]


def test_badge_suffixes_are_not_part_of_the_doi() -> None:
    zenodo = "[![DOI](https://zenodo.org/badge/DOI/10.5281/zenodo.1234.svg)](https://doi.org/10.5281/zenodo.1234)"
    joss = "https://joss.theoj.org/papers/10.21105/joss.00024/status.svg"
    assert {i.value for i in find_identifiers(zenodo)} == {"10.5281/zenodo.1234"}
    assert [i.value for i in find_identifiers(joss)] == ["10.21105/joss.00024"]


def test_zenodo_dois_are_flagged() -> None:
    (ident,) = find_identifiers("doi:10.5281/zenodo.596912")
    assert ident.is_zenodo
    (other,) = find_identifiers("doi:10.21105/joss.00370")
    assert not other.is_zenodo


@pytest.mark.parametrize(
    ("text", "value", "version"),
    [
        ("arXiv:2101.00001v2", "2101.00001", "v2"),
        ("arxiv: 1202.3665", "1202.3665", None),
        ("https://arxiv.org/abs/1706.03762v7", "1706.03762", "v7"),
        ("https://arxiv.org/pdf/2101.00001v1.pdf", "2101.00001", "v1"),
        ("arXiv:hep-th/9901001", "hep-th/9901001", None),
        ("http://arxiv.org/abs/hep-ex/0307015v1", "hep-ex/0307015", "v1"),
        ("arXiv:math.GT/0309136", "math/0309136", None),
        ("img.shields.io/badge/arXiv-1202.3665-orange.svg", "1202.3665", None),
    ],
)
def test_arxiv_ids_in_text(text: str, value: str, version: str | None) -> None:
    (ident,) = find_identifiers(text)
    assert (ident.scheme, ident.value, ident.version) == (Scheme.ARXIV, value, version)


def test_bare_numbers_are_not_arxiv_ids() -> None:
    assert find_identifiers("version 2101.00001 released") == []


@pytest.mark.parametrize(
    ("text", "value", "version"),
    [
        ("hal-01234567", "hal-01234567", None),
        ("https://hal.science/hal-01234567v2", "hal-01234567", "v2"),
        ("tel-00000001v1", "tel-00000001", "v1"),
        ("inria-00123456", "inria-00123456", None),
    ],
)
def test_hal_ids(text: str, value: str, version: str | None) -> None:
    (ident,) = find_identifiers(text)
    assert (ident.scheme, ident.value, ident.version) == (Scheme.HAL, value, version)


def test_arxiv_id_and_its_doi_are_the_same_paper() -> None:
    by_doi = paper_key("https://doi.org/10.48550/arXiv.2101.00001")
    by_id = paper_key("arXiv:2101.00001v3")
    assert by_doi == by_id == PaperKey(Scheme.ARXIV, "2101.00001")
    (in_text,) = find_identifiers("DOI 10.48550/ARXIV.1706.03762")
    assert in_text.key == paper_key("https://arxiv.org/abs/1706.03762")


def test_zenodo_record_url_is_its_doi() -> None:
    (ident,) = find_identifiers("https://zenodo.org/records/3763274")
    assert ident.value == "10.5281/zenodo.3763274"
    assert ident.is_zenodo


def test_parse_identifier_rejects_version_strings() -> None:
    assert parse_identifier("1.0.4") is None
    with pytest.raises(ValueError, match="not a DOI"):
        paper_key("1.0.4")
