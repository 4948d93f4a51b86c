"""Licenses declared in package manifests found in a tree (source ``manifest_declared``).

Each manifest is read with the standard parser for its format (json, tomllib,
email.parser for PKG-INFO / METADATA, configparser, ElementTree, a regex for Ruby
gemspecs which are code, and a DCF reader for R's DESCRIPTION) and every declared
string goes through the declared-license mapper (:mod:`app.licenses.spdx`), so the
same string maps the same way wherever it was declared. What the mapper cannot map
stays unmapped with its text.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from email.parser import Parser
from pathlib import PurePosixPath
from typing import Any
from xml.etree import ElementTree

from app.licenses.detection.model import Finding
from app.licenses.spdx import (
    DeclaredLicense,
    licenses_from_crate,
    licenses_from_npm,
    licenses_from_pypi,
    map_classifier,
    map_license_text,
    spdx_expression,
)
from app.models.enums import LicenseSource

TOOL = "codecommons-manifest"
TOOL_VERSION = "1"

_SOURCE = LicenseSource.MANIFEST_DECLARED


def declared_licenses(path: str, text: str) -> list[Finding]:
    """Findings for the licenses ``path`` (a manifest) declares; ``[]`` if it is none."""
    name = PurePosixPath(path).name
    reader = _READERS.get(name)
    if reader is None and name.endswith(".gemspec"):
        reader = _gemspec
    if reader is None:
        return []
    try:
        declared = list(reader(text))
    except (ValueError, TypeError, KeyError, ElementTree.ParseError, configparser.Error):
        # A manifest we cannot parse declares nothing we can cite (json/toml errors are
        # ValueError subclasses).
        return []
    return [_finding(d, path, text) for d in declared]


def _package_json(text: str) -> Iterable[DeclaredLicense]:
    data = json.loads(text)
    return licenses_from_npm(data) if isinstance(data, Mapping) else ()


def _composer_json(text: str) -> Iterable[DeclaredLicense]:
    """composer.json ``license``: a string or an array, which Composer defines as a choice."""
    data = json.loads(text)
    value = data.get("license") if isinstance(data, Mapping) else None
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    found = [
        map_license_text(item, source=_SOURCE, detail="license")
        for item in items
        if isinstance(item, str)
    ]
    declared = [d for d in found if d is not None]
    if len(declared) > 1 and all(d.expression for d in declared):
        joined = " OR ".join(f"({d.expression})" for d in declared)
        expression = spdx_expression(joined)
        original = json.dumps(items)
        return [DeclaredLicense(expression, original, _SOURCE, "license array (choice)")]
    return declared


def _pyproject(text: str) -> Iterable[DeclaredLicense]:
    data = tomllib.loads(text)
    project = data.get("project") or {}
    out: list[DeclaredLicense] = []
    value = project.get("license")
    legacy_expression = project.get("license-expression")  # PEP 639 drafts
    if isinstance(value, str) or isinstance(legacy_expression, str):
        # PEP 639: a string is an SPDX expression and makes license classifiers obsolete.
        raw = value if isinstance(value, str) else str(legacy_expression)
        return [DeclaredLicense(spdx_expression(raw), raw, _SOURCE, "project.license")]
    if isinstance(value, Mapping):
        if isinstance(value.get("text"), str):
            found = map_license_text(value["text"], source=_SOURCE, detail="project.license.text")
            if found:
                out.append(found)
        if isinstance(value.get("file"), str):
            out.append(_see_file(value["file"], "project.license.file"))
    for classifier in project.get("classifiers") or []:
        if isinstance(classifier, str):
            mapped = map_classifier(classifier)
            if mapped:
                out.append(mapped)
    poetry = (data.get("tool") or {}).get("poetry") or {}
    if not out and isinstance(poetry.get("license"), str):
        found = map_license_text(poetry["license"], source=_SOURCE, detail="tool.poetry.license")
        if found:
            out.append(found)
    return out


def _pkg_info(text: str) -> Iterable[DeclaredLicense]:
    message = Parser().parsestr(text, headersonly=True)
    info: dict[str, Any] = {
        "license_expression": message.get("License-Expression"),
        "license": message.get("License"),
        "classifiers": message.get_all("Classifier") or [],
    }
    return licenses_from_pypi(info)


def _setup_cfg(text: str) -> Iterable[DeclaredLicense]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    if not parser.has_section("metadata"):
        return ()
    metadata = parser["metadata"]
    classifiers = [c.strip() for c in metadata.get("classifiers", "").splitlines() if c.strip()]
    info: dict[str, Any] = {
        "license_expression": metadata.get("license_expression"),
        "license": metadata.get("license"),
        "classifiers": classifiers,
    }
    return licenses_from_pypi(info)


def _cargo_toml(text: str) -> Iterable[DeclaredLicense]:
    package = tomllib.loads(text).get("package") or {}
    out = list(licenses_from_crate(package.get("license")))
    if isinstance(package.get("license-file"), str):
        out.append(_see_file(package["license-file"], "package.license-file"))
    return out


def _pom_xml(text: str) -> Iterable[DeclaredLicense]:
    # The stdlib parser is safe here: expat >= 2.4 bounds entity expansion and
    # ElementTree never fetches external entities.
    root = ElementTree.fromstring(text)  # noqa: S314
    out: list[DeclaredLicense] = []
    for licenses in (child for child in root if _local(child.tag) == "licenses"):
        for lic in (child for child in licenses if _local(child.tag) == "license"):
            name = next((c.text for c in lic if _local(c.tag) == "name" and c.text), None)
            if name:
                found = map_license_text(name, source=_SOURCE, detail="licenses/license/name")
                if found:
                    out.append(found)
    return out


_GEMSPEC = re.compile(
    r"\.licen[cs]es?\s*=\s*(?P<value>\[[^\]]*\]|%w[\[(][^\])]*[\])]|\"[^\"]*\"|'[^']*')"
)
_RUBY_STRING = re.compile(r"\"([^\"]*)\"|'([^']*)'")


def _gemspec(text: str) -> Iterable[DeclaredLicense]:
    """``spec.license = "MIT"`` / ``spec.licenses = ["MIT", "GPL-2.0"]`` (a gemspec is Ruby)."""
    out: list[DeclaredLicense] = []
    for found in _GEMSPEC.finditer(text):
        value = found.group("value")
        if value.startswith("%w"):
            names = value[3:-1].split()
        else:
            names = [a or b for a, b in _RUBY_STRING.findall(value)]
        for name in names:
            mapped = map_license_text(name, source=_SOURCE, detail="gemspec licenses")
            if mapped:
                out.append(mapped)
    return out


# CRAN's standard short names (R's share/licenses/license.db) that the SPDX mapper
# does not know; "GPL (>= 2)" forms are handled by _R_AT_LEAST.
_R_NAMES = {
    "GPL-2": "GPL-2.0-only",
    "GPL-3": "GPL-3.0-only",
    "LGPL-2": "LGPL-2.0-only",
    "LGPL-2.1": "LGPL-2.1-only",
    "LGPL-3": "LGPL-3.0-only",
    "AGPL-3": "AGPL-3.0-only",
    "Apache License 2.0": "Apache-2.0",
    "Apache License (== 2.0)": "Apache-2.0",
    "CC0": "CC0-1.0",
    "MPL-2.0": "MPL-2.0",
    "Unlimited": "",  # R's own "no restrictions" statement: no SPDX id, stays unmapped
}
# "+ file LICENSE" only fills in the holder for these templates; elsewhere it adds terms.
_R_TEMPLATE_FILE = {"MIT": "MIT", "BSD_2_clause": "BSD-2-Clause", "BSD_3_clause": "BSD-3-Clause"}
_R_AT_LEAST = re.compile(r"^(?P<name>A?GPL|LGPL)\s*\(\s*>=\s*(?P<version>[\d.]+)\s*\)$")
_R_VERSIONS = {"2": "2.0", "3": "3.0", "2.1": "2.1", "2.0": "2.0", "3.0": "3.0"}


def _description(text: str) -> Iterable[DeclaredLicense]:
    """R DESCRIPTION ``License:``; ``|`` separates alternatives (Writing R Extensions 1.1.2)."""
    value = _dcf_field(text, "License")
    if not value:
        return ()
    parts = [part.strip() for part in value.split("|") if part.strip()]
    mapped = [_r_license(part) for part in parts]
    if all(mapped):
        expression = spdx_expression(" OR ".join(f"({m})" for m in mapped))
        return [DeclaredLicense(expression, value, _SOURCE, "License")]
    return [DeclaredLicense(None, value, _SOURCE, "License", note="R license not mapped")]


def _r_license(part: str) -> str | None:
    name, plus_file = part, False
    if re.search(r"\+\s*file\s+LICEN[CS]E$", part):
        name, plus_file = re.sub(r"\s*\+\s*file\s+LICEN[CS]E$", "", part), True
    if plus_file:
        return _R_TEMPLATE_FILE.get(name)
    if name in _R_NAMES:
        return _R_NAMES[name] or None
    at_least = _R_AT_LEAST.match(name)
    if at_least:
        version = _R_VERSIONS.get(at_least["version"])
        return f"{at_least['name']}-{version}-or-later" if version else None
    found = map_license_text(name, source=_SOURCE, detail="License")
    return found.expression if found else None


def _dcf_field(text: str, field: str) -> str | None:
    """One field of a Debian-control-format file, continuation lines joined."""
    value: list[str] | None = None
    for line in text.splitlines():
        if value is not None:
            if line[:1] in {" ", "\t"}:
                value.append(line.strip())
                continue
            break
        if line.startswith(f"{field}:"):
            value = [line.split(":", 1)[1].strip()]
    return " ".join(value).strip() if value else None


def _see_file(file: str, detail: str) -> DeclaredLicense:
    return DeclaredLicense(None, f"file: {file}", _SOURCE, detail, note=f"see file {file}")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _finding(declared: DeclaredLicense, path: str, text: str) -> Finding:
    line = _line_of(text, declared.original_text)
    return Finding(
        expression=declared.expression,
        original_text=declared.original_text,
        source=_SOURCE,
        path=path,
        start_line=line,
        end_line=line,
        score=None,
        tool=TOOL,
        tool_version=TOOL_VERSION,
        rule=declared.detail,
        note=declared.note,
    )


def _line_of(text: str, needle: str | None) -> int | None:
    if not needle or "\n" in needle:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


_READERS: dict[str, Callable[[str], Iterable[DeclaredLicense]]] = {
    "package.json": _package_json,
    "composer.json": _composer_json,
    "pyproject.toml": _pyproject,
    "PKG-INFO": _pkg_info,
    "METADATA": _pkg_info,
    "setup.cfg": _setup_cfg,
    "Cargo.toml": _cargo_toml,
    "pom.xml": _pom_xml,
    "DESCRIPTION": _description,
}
