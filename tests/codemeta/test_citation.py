from __future__ import annotations

import json

import yaml

from app.codemeta.citation import bibtex_escape, to_bibtex, to_cff, to_codemeta_json
from app.codemeta.readers import build_record, load_cff, load_codemeta
from app.codemeta.readers.cff import validate_cff
from tests.codemeta.conftest import read


def _record() -> dict:  # type: ignore[type-arg]
    files = {
        "CITATION.cff": read("cff/1.2.0/pass/software-with-a-doi-expanded.cff"),
        "pyproject.toml": read("manifests/corner-2.3.0.pyproject.toml"),
    }
    return build_record(files).record


def test_codemeta_roundtrip() -> None:
    text = to_codemeta_json(_record())
    doc = json.loads(text)
    assert doc["@context"] == "https://w3id.org/codemeta/3.0"
    assert doc["license"] == "https://spdx.org/licenses/Apache-2.0"
    again = load_codemeta(text)
    assert again.ok
    assert again.mapping == "codemeta-3.0"
    assert again.fields["license"] == "Apache-2.0"
    assert again.fields["author"] == _record()["author"]


def test_cff_output_validates_against_the_1_2_0_schema() -> None:
    text = to_cff(_record())
    doc = yaml.safe_load(text)
    assert validate_cff(doc, "1.2.0") == []
    assert doc["doi"] == "10.5281/zenodo.1234"
    assert doc["authors"][0]["orcid"] == "https://orcid.org/0000-0003-4925-7248"
    assert load_cff(text).ok


def test_cff_output_for_an_organization_and_or_license() -> None:
    record = build_record({"Cargo.toml": read("manifests/itoa-1.0.1.Cargo.toml")}).record
    text = to_cff(record)
    doc = yaml.safe_load(text)
    assert validate_cff(doc, "1.2.0") == []
    assert doc["license"] == ["MIT", "Apache-2.0"]


def test_bibtex_entry_and_escaping() -> None:
    record = {
        "name": "50% of C# & R_tools {v2}",
        "author": [
            {"@type": "Person", "givenName": "Hèrm", "familyName": "Hofmeyer"},
            {"@type": "Organization", "name": "Smith and Sons"},
        ],
        "version": "1.0",
        "identifier": [
            {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.5281/zenodo.1"}
        ],
        "codeRepository": "https://example.org/a_b#x",
    }
    entry = to_bibtex(record, key="tool")
    assert entry.startswith("@software{tool,\n")
    assert r"title = {50\% of C\# \& R\_tools \{v2\}}" in entry
    assert "author = {Hofmeyer, Hèrm and {Smith and Sons}}" in entry
    assert "doi = {10.5281/zenodo.1}" in entry
    assert r"url = {https://example.org/a_b\#x}" in entry
    assert bibtex_escape("a\\b~c^") == r"a\textbackslash{}b\textasciitilde{}c\textasciicircum{}"
