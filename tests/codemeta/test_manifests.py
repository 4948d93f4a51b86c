"""Real manifests from registries (PyPI sdists, npm tarball, Debian packages)."""

from __future__ import annotations

import pytest

from app.codemeta.readers import (
    load_cargo_toml,
    load_description,
    load_gemspec,
    load_package_json,
    load_pkg_info,
    load_pom,
    load_pyproject,
    load_setup_cfg,
    load_zenodo,
)
from tests.codemeta.conftest import read


def test_pyproject_pep621() -> None:
    parsed = load_pyproject(read("manifests/corner-2.3.0.pyproject.toml"))
    assert parsed.mapping == "pyproject-pep621"
    f = parsed.fields
    assert (f["name"], f["license"]) == ("corner", "BSD-2-Clause")  # "BSD 2-Clause License"
    assert f["codeRepository"] == "https://github.com/dfm/corner.py"
    assert f["url"] == "https://corner.readthedocs.io"
    assert "version" not in f  # dynamic
    assert f["programmingLanguage"] == ["Python"]


def test_pyproject_poetry() -> None:
    parsed = load_pyproject(read("manifests/pendulum-2.1.2.pyproject.toml"))
    assert parsed.mapping == "pyproject-poetry"
    assert parsed.fields["author"] == [
        {"@type": "Person", "name": "Sébastien Eustace", "email": "sebastien@eustace.io"}
    ]
    assert parsed.fields["license"] == "MIT"


def test_pyproject_without_project_metadata_is_valid_and_empty() -> None:
    parsed = load_pyproject('[build-system]\nrequires = ["setuptools"]\n')
    assert parsed.ok
    assert parsed.fields == {}


def test_pyproject_wrong_types_are_invalid() -> None:
    parsed = load_pyproject('[project]\nname = "x"\nauthors = "me"\n')
    assert parsed.invalid == "authors must be an array"
    assert parsed.fields == {}
    assert load_pyproject("[project\n").invalid.startswith("TOML error")  # type: ignore[union-attr]


def test_pkg_info() -> None:
    parsed = load_pkg_info(read("manifests/emcee-3.1.6.PKG-INFO"))
    f = parsed.fields
    assert (f["name"], f["version"], f["license"]) == ("emcee", "3.1.6", "MIT")
    assert f["author"] == [
        {"@type": "Person", "name": "Daniel Foreman-Mackey", "email": "foreman.mackey@gmail.com"}
    ]
    assert f["codeRepository"] == "https://github.com/dfm/emcee"


def test_pkg_info_without_name_is_invalid() -> None:
    assert load_pkg_info("Summary: nothing\n").invalid == "not core metadata: no Name field"


def test_setup_cfg_with_ambiguous_license() -> None:
    parsed = load_setup_cfg(read("manifests/python-dateutil-2.9.0.post0.setup.cfg"))
    assert parsed.fields["name"] == "python-dateutil"
    assert parsed.fields["codeRepository"] == "https://github.com/dateutil/dateutil"
    assert "license" not in parsed.fields  # "Dual License" + BSD and Apache classifiers
    assert parsed.problems


def test_package_json() -> None:
    parsed = load_package_json(read("manifests/citation-js-0.7.22.package.json"))
    f = parsed.fields
    assert f["name"] == "citation-js"
    assert f["codeRepository"] == "https://github.com/larsgw/citation.js"
    assert f["url"] == "https://citation.js.org/"
    assert f["programmingLanguage"] == ["JavaScript"]


def test_package_json_wrong_type() -> None:
    assert load_package_json('{"name": 3}').invalid == "name must be a string"


def test_cargo_toml_legacy_slash_license() -> None:
    parsed = load_cargo_toml(read("manifests/itoa-1.0.1.Cargo.toml"))
    assert parsed.fields["license"] == "MIT OR Apache-2.0"
    assert parsed.fields["author"][0] == {
        "@type": "Person",
        "name": "David Tolnay",
        "email": "dtolnay@gmail.com",
    }
    slash = load_cargo_toml('[package]\nname = "x"\nlicense = "MIT/Apache-2.0"\n')
    assert slash.fields["license"] == "MIT OR Apache-2.0"


def test_pom() -> None:
    parsed = load_pom(read("manifests/commons-cli-1.5.0.pom.xml"))
    assert parsed.fields["name"] == "Apache Commons CLI"
    assert parsed.fields["version"] == "1.5.0"
    assert load_pom("<project><name>x").invalid.startswith("XML error")  # type: ignore[union-attr]


def test_pom_rejects_entities() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><project><name>&a;</name></project>'
    )
    assert load_pom(bomb).invalid is not None


def test_r_description() -> None:
    parsed = load_description(read("manifests/RColorBrewer.DESCRIPTION"))
    f = parsed.fields
    assert f["name"] == "RColorBrewer"
    assert f["license"] == "Apache-2.0"
    assert f["author"] == [
        {
            "@type": "Person",
            "givenName": "Erich",
            "familyName": "Neuwirth",
            "email": "erich.neuwirth@univie.ac.at",
        }
    ]
    assert f["description"].startswith("Provides color schemes")


def test_r_description_authors_r_with_orcid_and_roles() -> None:
    text = (
        "Package: pkg\nVersion: 1.0\nLicense: GPL (>= 2)\n"
        'Authors@R: c(person("Ann", "Lee", role = c("aut", "cre"),\n'
        '    comment = c(ORCID = "0000-0002-1825-0097")),\n'
        '    person("Bob", "Ray", role = "ctb"))\n'
    )
    f = load_description(text).fields
    assert f["license"] == "GPL-2.0-or-later"
    assert f["author"] == [
        {
            "@type": "Person",
            "givenName": "Ann",
            "familyName": "Lee",
            "@id": "https://orcid.org/0000-0002-1825-0097",
        }
    ]


def test_gemspec_literals_only() -> None:
    parsed = load_gemspec(read("manifests/rainbow-3.1.1.gemspec"))
    f = parsed.fields
    assert (f["name"], f["version"], f["license"]) == ("rainbow", "3.1.1", "MIT")
    assert [a["name"] for a in f["author"]] == ["Marcin Kulik", "Olle Jonsson"]
    assert f["codeRepository"] == "https://github.com/sickill/rainbow"
    computed = load_gemspec("Gem::Specification.new do |s|\n  s.name = NAME\nend\n")
    assert computed.ok
    assert computed.fields == {}
    assert computed.problems


def test_zenodo_json() -> None:
    parsed = load_zenodo(read("zenodo/cffconvert.zenodo.json"))
    f = parsed.fields
    assert f["name"] == "cffconvert"
    assert f["license"] == "Apache-2.0"
    assert f["author"][0] == {
        "@type": "Person",
        "givenName": "Jurriaan H.",
        "familyName": "Spaaks",
        "@id": "https://orcid.org/0000-0002-7064-4069",
    }
    repo = load_zenodo(read("zenodo/castelao-inception.zenodo.json")).fields["codeRepository"]
    assert repo == "https://github.com/castelao/inception/tree/v0.0.3"


@pytest.mark.parametrize(
    "text", ['{"creators": "me"}', '{"title": ["x"]}', '{"creators": [{"orcid": "x"}]}']
)
def test_zenodo_wrong_types(text: str) -> None:
    parsed = load_zenodo(text)
    assert parsed.invalid is not None
    assert parsed.fields == {}
