from __future__ import annotations

import json

import pytest

from app.codemeta.readers import load_codemeta, normalize_orcid
from tests.codemeta.conftest import read


def test_codemeta_v2_real_file() -> None:
    parsed = load_codemeta(read("codemeta/cffconvert.codemeta.json"))
    assert parsed.ok
    assert parsed.mapping == "codemeta-2.0"
    assert parsed.fields["name"] == "cffconvert"
    assert parsed.fields["codeRepository"].endswith("cff-converter-python")
    druskat = parsed.fields["author"][3]
    assert druskat["@id"] == "https://orcid.org/0000-0003-4925-7248"
    assert druskat["familyName"] == "Druskat"
    # An Apache license *page* URL is not an SPDX id: noted, not guessed.
    assert "license" not in parsed.fields
    assert parsed.problems
    assert "not mapped to SPDX" in parsed.problems[0]["reason"]


def test_codemeta_v2_spdx_url_and_orcid_with_x_checksum() -> None:
    parsed = load_codemeta(read("codemeta/codemeta-project.codemeta.json"))
    assert parsed.mapping == "codemeta-2.0"
    assert parsed.fields["license"] == "Apache-2.0"
    assert parsed.fields["programmingLanguage"] == ["JSON-LD"]
    assert parsed.fields["author"][0]["@id"] == "https://orcid.org/0000-0002-1642-628X"


def test_codemeta_v3_real_file() -> None:
    parsed = load_codemeta(read("codemeta/codemetapy-3.0.4.codemeta.json"))
    assert parsed.ok
    assert parsed.mapping == "codemeta-3.0"
    assert parsed.fields["name"] == "CodeMetaPy"
    assert parsed.fields["license"] == "GPL-3.0-only"
    assert parsed.fields["author"][0]["@id"] == "https://orcid.org/0000-0002-1046-0006"


def test_both_compact_key_forms_read_the_same() -> None:
    plain = {
        "@context": "https://w3id.org/codemeta/3.0",
        "type": "SoftwareSourceCode",
        "name": "x",
        "author": [
            {"type": "Person", "id": "https://orcid.org/0000-0002-1825-0097", "givenName": "J"}
        ],
    }
    prefixed = {
        "@context": ["https://doi.org/10.5063/schema/codemeta-2.0", "http://schema.org"],
        "@type": "SoftwareSourceCode",
        "schema:name": "x",
        "http://schema.org/author": [
            {
                "@type": "Person",
                "@id": "https://orcid.org/0000-0002-1825-0097",
                "schema:givenName": "J",
            }
        ],
    }
    a = load_codemeta(json.dumps(plain)).fields
    b = load_codemeta(json.dumps(prefixed)).fields
    assert a == b
    assert a["author"][0]["@id"] == "https://orcid.org/0000-0002-1825-0097"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "JSON error"),
        ("[]", "not a JSON object"),
        ('{"name": "x"}', "no CodeMeta @context"),
        ('{"@context": "https://w3id.org/codemeta/3.0", "name": ["x"]}', "name must be text"),
        ('{"@context": "https://w3id.org/codemeta/3.0", "author": [3]}', "author entries"),
    ],
)
def test_invalid_codemeta_gives_no_fields(text: str, reason: str) -> None:
    parsed = load_codemeta(text)
    assert parsed.invalid is not None
    assert reason in parsed.invalid
    assert parsed.fields == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097"),
        ("http://orcid.org/0000-0002-1642-628x", "https://orcid.org/0000-0002-1642-628X"),
        ("https://orcid.org/0000-0002-1825-0098", None),  # bad check digit
        ("orcid.org/foo", None),
    ],
)
def test_orcid_normalization(value: str, expected: str | None) -> None:
    assert normalize_orcid(value) == expected
