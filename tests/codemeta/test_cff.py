"""CITATION.cff against the CFF specification's own example files (fixtures/cff/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.codemeta.readers import load_cff
from tests.codemeta.conftest import FIXTURES, read

CFF = FIXTURES / "cff"
PASSING = sorted(
    [*CFF.glob("1.0.3/*.cff"), *CFF.glob("1.1.0/software-*.cff"), *CFF.glob("1.2.0/pass/*.cff")]
)
FAILING = sorted([*CFF.glob("1.1.0/fail-*.cff"), *CFF.glob("1.2.0/fail/*.cff")])


@pytest.mark.parametrize("path", PASSING, ids=lambda p: str(p.relative_to(CFF)))
def test_spec_examples_that_pass_parse(path: Path) -> None:
    parsed = load_cff(path.read_text(encoding="utf-8"), path.name)
    assert parsed.ok, parsed.invalid
    assert parsed.mapping == f"cff-{path.relative_to(CFF).parts[0]}"
    assert parsed.fields["name"]
    assert parsed.fields["author"]


@pytest.mark.parametrize("path", FAILING, ids=lambda p: str(p.relative_to(CFF)))
def test_spec_examples_that_fail_are_invalid_and_give_nothing(path: Path) -> None:
    parsed = load_cff(path.read_text(encoding="utf-8"), path.name)
    assert not parsed.ok
    assert parsed.invalid
    assert parsed.invalid.startswith("schema:")
    assert parsed.fields == {}
    assert parsed.document is None


def test_mapping_follows_the_crosswalk() -> None:
    parsed = load_cff(read("cff/1.2.0/pass/software-with-a-doi-expanded.cff"))
    fields = parsed.fields
    assert fields["name"] == "My Research Tool"
    assert fields["version"] == "1.0.4"
    assert fields["license"] == "Apache-2.0"
    assert fields["codeRepository"] == "https://github.com/sdruskat/my-research-tool"
    assert fields["url"] == "https://sdruskat.github.io/my-research-tool"
    assert fields["keywords"][0] == "McAuthor's algorithm"
    assert fields["identifier"] == [
        {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.5281/zenodo.1234"}
    ]
    assert fields["author"] == [
        {
            "@type": "Person",
            "givenName": "Stephan",
            "familyName": "Druskat",
            "email": "mail@sdruskat.net",
            "@id": "https://orcid.org/0000-0003-4925-7248",
        }
    ]


def test_entity_authors_are_organizations() -> None:
    parsed = load_cff(read("cff/1.1.0/software-container.cff"))
    assert parsed.fields["author"][0] == {
        "@type": "Organization",
        "name": "Humboldt-Universität zu Berlin",
    }


def test_dates_stay_strings_for_the_schema() -> None:
    parsed = load_cff(read("cff/1.2.0/pass/minimal.cff"))
    assert parsed.document["date-released"] == "2018-07-22"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("cff-version: 1.2.0\ntitle: [unclosed", "YAML error"),
        ("- just\n- a list\n", "not a YAML mapping"),
        ("title: no version\n", "unsupported or missing cff-version"),
        ("cff-version: 9.9.9\n", "unsupported or missing cff-version"),
        (
            "cff-version: 1.2.0\nmessage: m\ntitle: 42\nauthors:\n  - name: X\n",
            "schema:",
        ),
    ],
)
def test_broken_files_are_problems(text: str, reason: str) -> None:
    parsed = load_cff(text)
    assert parsed.invalid is not None
    assert parsed.invalid.startswith(reason)
    assert parsed.fields == {}
