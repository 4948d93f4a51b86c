"""Declared licenses in package manifests, mapped through app.licenses.spdx."""

from __future__ import annotations

import json

import pytest

from app.licenses.detection.manifests import TOOL, declared_licenses
from app.models.enums import LicenseSource


def expressions(path: str, text: str) -> list[str | None]:
    return [f.expression for f in declared_licenses(path, text)]


def test_package_json_string_and_legacy_array():
    findings = declared_licenses(
        "web/package.json", '{\n  "name": "x",\n  "license": "(MIT OR Apache-2.0)"\n}'
    )
    (finding,) = findings
    assert finding.expression == "MIT OR Apache-2.0"
    assert finding.source is LicenseSource.MANIFEST_DECLARED
    assert finding.path == "web/package.json"
    assert finding.start_line == 3
    assert finding.tool == TOOL
    legacy = {"licenses": [{"type": "MIT"}, {"type": "GPL-2.0"}]}
    assert expressions("package.json", json.dumps(legacy)) == ["MIT", "GPL-2.0-only"]


def test_package_json_unmapped_keeps_text():
    (finding,) = declared_licenses("package.json", '{"license": "SEE LICENSE IN LICENSE.txt"}')
    assert finding.expression is None
    assert finding.original_text == "SEE LICENSE IN LICENSE.txt"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[project]\nname = "x"\nlicense = "Apache-2.0 OR MIT"\n', ["Apache-2.0 OR MIT"]),
        ('[project]\nlicense = {text = "MIT License"}\n', ["MIT"]),
        ('[project]\nlicense = {file = "LICENSE"}\n', [None]),
        ('[project]\nlicense-expression = "BSD-3-Clause"\n', ["BSD-3-Clause"]),
        (
            '[project]\nclassifiers = ["License :: OSI Approved :: MIT License",'
            ' "Programming Language :: Python"]\n',
            ["MIT"],
        ),
        ('[tool.poetry]\nlicense = "GPL-3.0-or-later"\n', ["GPL-3.0-or-later"]),
        ('[project]\nname = "x"\n', []),
    ],
)
def test_pyproject(toml: str, expected: list[str | None]):
    assert expressions("pyproject.toml", toml) == expected


def test_pkg_info_prefers_license_expression():
    metadata = (
        "Metadata-Version: 2.4\nName: x\nLicense-Expression: MIT\n"
        "Classifier: License :: OSI Approved :: BSD License\n\nlong description\n"
    )
    assert expressions("x-1.0.dist-info/METADATA", metadata) == ["MIT"]
    legacy = (
        "Metadata-Version: 2.1\nName: x\nLicense: BSD\n"
        "Classifier: License :: OSI Approved :: Apache Software License\n"
    )
    findings = declared_licenses("PKG-INFO", legacy)
    assert [(f.expression, f.original_text) for f in findings] == [
        (None, "BSD"),
        (None, "License :: OSI Approved :: Apache Software License"),
    ]


def test_setup_cfg():
    cfg = (
        "[metadata]\nname = x\nlicense = MIT\nclassifiers =\n"
        "    License :: OSI Approved :: MIT License\n    Framework :: Django\n"
    )
    assert expressions("setup.cfg", cfg) == ["MIT", "MIT"]


def test_cargo_toml_legacy_slash_and_license_file():
    assert expressions("Cargo.toml", '[package]\nlicense = "MIT/Apache-2.0"\n') == [
        "MIT OR Apache-2.0"
    ]
    (finding,) = declared_licenses("Cargo.toml", '[package]\nlicense-file = "COPYRIGHT"\n')
    assert finding.expression is None
    assert finding.note == "see file COPYRIGHT"


def test_pom_xml_with_namespace():
    pom = """<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <licenses>
    <license>
      <name>The Apache Software License, Version 2.0</name>
      <url>https://www.apache.org/licenses/LICENSE-2.0.txt</url>
    </license>
    <license><name>Eclipse Public License 2.0</name></license>
  </licenses>
  <dependencies><dependency><licenses><license><name>GPL</name></license></licenses>
  </dependency></dependencies>
</project>"""
    assert expressions("pom.xml", pom) == ["Apache-2.0", "EPL-2.0"]


def test_composer_array_is_a_choice():
    assert expressions("composer.json", '{"license": ["LGPL-2.1-only", "GPL-3.0-or-later"]}') == [
        "LGPL-2.1-only OR GPL-3.0-or-later"
    ]
    assert expressions("composer.json", '{"license": "MIT"}') == ["MIT"]


def test_gemspec():
    gemspec = (
        "Gem::Specification.new do |spec|\n"
        '  spec.name = "x"\n'
        '  spec.licenses = ["MIT", "Ruby"]\n'
        "end\n"
    )
    assert expressions("x.gemspec", gemspec) == ["MIT", "Ruby"]
    assert expressions("y.gemspec", "s.license = 'BSD-2-Clause'\n") == ["BSD-2-Clause"]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("GPL (>= 2)", "GPL-2.0-or-later"),
        ("MIT + file LICENSE", "MIT"),
        ("GPL-2 | GPL-3", "GPL-2.0-only OR GPL-3.0-only"),
        ("LGPL (>= 2.1)", "LGPL-2.1-or-later"),
        ("GPL-3 + file LICENSE", None),  # extra terms in the file: not the plain GPL
        ("file LICENSE", None),
    ],
)
def test_r_description(field: str, expected: str | None):
    text = f"Package: x\nVersion: 1.0\nLicense: {field}\nEncoding: UTF-8\n"
    assert expressions("DESCRIPTION", text) == [expected]


def test_broken_or_unknown_manifest_declares_nothing():
    assert declared_licenses("package.json", "{not json") == []
    assert declared_licenses("pom.xml", "<project>") == []
    assert declared_licenses("Makefile", "license: MIT") == []
