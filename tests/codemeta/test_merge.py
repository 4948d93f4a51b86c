from __future__ import annotations

from app.codemeta.readers import build_record, loader_for
from tests.codemeta.conftest import read


def test_precedence_sources_and_problems() -> None:
    files = {
        "CITATION.cff": read("cff/1.2.0/pass/bjmorgan-bsym.cff"),
        "pyproject.toml": read("manifests/corner-2.3.0.pyproject.toml"),
        "codemeta.json": read("codemeta/codemetapy-3.0.4.codemeta.json"),
        "web/package.json": "{broken",
        "src/notes.txt": "ignored",
    }
    result = build_record(files)
    assert result.record["name"] == "CodeMetaPy"  # codemeta.json first
    assert result.sources["name"] == [{"path": "codemeta.json", "mapping": "codemeta-3.0"}]
    dois = [i["value"] for i in result.record["identifier"] if i["propertyID"] == "DOI"]
    assert "10.5281/zenodo.596912" in dois  # union: the CFF DOI is kept
    assert {"path": "CITATION.cff", "mapping": "cff-1.2.0"} in result.sources["identifier"]
    assert result.problems[0]["path"] == "web/package.json"
    assert result.problems[0]["reason"].startswith("JSON error")


def test_invalid_file_contributes_nothing() -> None:
    files = {
        "CITATION.cff": read("cff/1.2.0/fail/additional-key.cff"),
        "pyproject.toml": read("manifests/corner-2.3.0.pyproject.toml"),
    }
    result = build_record(files)
    assert result.record["name"] == "corner"
    assert all(s[0]["path"] == "pyproject.toml" for s in result.sources.values())
    assert result.problems == [
        {"path": "CITATION.cff", "reason": result.files[0].invalid}  # type: ignore[dict-item]
    ]


def test_cff_beats_manifests_and_root_beats_nested() -> None:
    files = {
        "vendor/x/CITATION.cff": read("cff/1.2.0/pass/minimal.cff"),
        "CITATION.cff": read("cff/1.2.0/pass/software-with-a-doi.cff"),
        "PKG-INFO": read("manifests/emcee-3.1.6.PKG-INFO"),
    }
    result = build_record(files)
    assert result.record["name"] == "My Research Tool"
    assert result.sources["name"][0]["path"] == "CITATION.cff"
    assert result.record["license"] == "MIT"  # only the manifest declares one
    assert result.sources["license"][0]["mapping"] == "pkg-info"


def test_loader_detection() -> None:
    assert loader_for("a/b/rainbow.gemspec") is not None
    assert loader_for("DESCRIPTION") is not None
    assert loader_for("README.md") is None
