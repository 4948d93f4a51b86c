"""Python packaging metadata: pyproject.toml, PKG-INFO / METADATA, setup.cfg.

* pyproject.toml: ``[project]`` (PEP 621) first, ``[tool.poetry]`` otherwise. A file
  with neither (only build settings) is valid and gives no fields.
* PKG-INFO / METADATA: read with ``packaging.metadata.parse_email`` (the PyPA
  parser for core metadata). Without Name it is not core metadata: invalid.
* setup.cfg: ``[metadata]`` with ``configparser``; ``attr:`` / ``file:`` directives
  are computed at build time and skipped.

Labels of project URLs are compared in PEP 753's normalized form (lower case, no
punctuation or spaces): homepage -> url; source / repository / code -> codeRepository.
License: License-Expression (PEP 639) first, then the License field, then a single
license classifier (several classifiers are not read as a choice: PEP 639 says that
reading is not guaranteed). programmingLanguage is Python, implied by the ecosystem.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Mapping
from email.utils import getaddresses
from typing import Any

from packaging.metadata import parse_email

from app.codemeta.readers.base import (
    ParsedFile,
    Record,
    clean,
    invalid,
    map_license,
    person,
    person_from_string,
    split_keywords,
    str_list,
    text,
)
from app.licenses.spdx import licenses_from_pypi

_HOMEPAGE = {"homepage", "home", "homepageurl"}
_SOURCE = {"source", "sourcecode", "repository", "repo", "code", "github", "gitlab", "git"}


def load_pyproject(text_: str, path: str = "pyproject.toml") -> ParsedFile:
    """Parse one pyproject.toml; invalid files give no fields."""
    try:
        doc = tomllib.loads(text_)
    except tomllib.TOMLDecodeError as exc:
        return invalid(path, "pyproject", f"TOML error: {exc}")
    project = doc.get("project")
    poetry = doc.get("tool", {}).get("poetry") if isinstance(doc.get("tool"), dict) else None
    if isinstance(project, dict) and ("name" in project):
        return _pep621(project, doc, path)
    if isinstance(poetry, dict):
        return _poetry(poetry, doc, path)
    return ParsedFile(path, "pyproject", {}, doc)


def _pep621(project: dict[str, Any], doc: dict[str, Any], path: str) -> ParsedFile:
    mapping = "pyproject-pep621"
    problem = _types(
        project, text_fields=("name", "version", "description"), list_fields=("authors", "keywords")
    )
    if problem is None and "urls" in project and not isinstance(project["urls"], dict):
        problem = "urls must be a table"
    if problem:
        return invalid(path, mapping, problem)
    license_value = project.get("license")
    if isinstance(license_value, dict):
        license_value = license_value.get("text")
    spdx, problems = map_license(license_value, path, mapping)
    if spdx is None and not problems:
        spdx, problems = _classifier_license(project.get("classifiers"), path, mapping)
    authors = [
        p
        for p in (
            person(name=a.get("name"), email=a.get("email"))
            for a in project.get("authors") or []
            if isinstance(a, dict)
        )
        if p
    ]
    urls = _urls(project.get("urls") or {})
    fields = clean(
        {
            "name": text(project.get("name")),
            "version": text(project.get("version")),
            "description": text(project.get("description")),
            "keywords": str_list(project.get("keywords")),
            "license": spdx,
            "author": authors,
            **urls,
            "programmingLanguage": ["Python"],
        }
    )
    return ParsedFile(path, mapping, fields, doc, problems)


def _poetry(poetry: dict[str, Any], doc: dict[str, Any], path: str) -> ParsedFile:
    mapping = "pyproject-poetry"
    problem = _types(
        poetry,
        text_fields=("name", "version", "description", "homepage", "repository"),
        list_fields=("authors", "keywords"),
    )
    if problem:
        return invalid(path, mapping, problem)
    spdx, problems = map_license(poetry.get("license"), path, mapping)
    authors = [p for p in (person_from_string(a) for a in str_list(poetry.get("authors"))) if p]
    fields = clean(
        {
            "name": text(poetry.get("name")),
            "version": text(poetry.get("version")),
            "description": text(poetry.get("description")),
            "keywords": str_list(poetry.get("keywords")),
            "license": spdx,
            "author": authors,
            "url": text(poetry.get("homepage")),
            "codeRepository": text(poetry.get("repository")),
            "programmingLanguage": ["Python"],
        }
    )
    return ParsedFile(path, mapping, fields, doc, problems)


def load_pkg_info(text_: str, path: str = "PKG-INFO") -> ParsedFile:
    """Parse core metadata (PKG-INFO, METADATA); invalid files give no fields."""
    mapping = "pkg-info"
    raw, _unparsed = parse_email(text_)
    if not raw.get("name"):
        return invalid(path, mapping, "not core metadata: no Name field")
    info = {
        "license_expression": raw.get("license_expression"),
        "license": raw.get("license"),
        "classifiers": raw.get("classifiers") or [],
    }
    spdx, problems = _pypi_license(info, path, mapping)
    authors = _email_people(raw.get("author"), raw.get("author_email"))
    urls = _urls(raw.get("project_urls") or {})
    if "url" not in urls and raw.get("home_page"):
        urls["url"] = raw.get("home_page")
    keywords = raw.get("keywords") or []
    fields = clean(
        {
            "name": raw.get("name"),
            "version": raw.get("version"),
            "description": text(raw.get("summary")),
            "keywords": keywords,
            "license": spdx,
            "author": authors,
            **urls,
            "programmingLanguage": ["Python"],
        }
    )
    return ParsedFile(path, mapping, fields, dict(raw), problems)


def load_setup_cfg(text_: str, path: str = "setup.cfg") -> ParsedFile:
    """Parse the ``[metadata]`` of one setup.cfg; invalid files give no fields."""
    mapping = "setup.cfg"
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text_, source=path)
    except configparser.Error as exc:
        return invalid(path, mapping, f"INI error: {str(exc).splitlines()[0]}")
    if not parser.has_section("metadata"):
        return ParsedFile(path, mapping, {}, {})
    meta = {
        k: v.strip()
        for k, v in parser.items("metadata")
        if not v.strip().startswith(("attr:", "file:"))
    }
    classifiers = [c.strip() for c in meta.get("classifiers", "").splitlines() if c.strip()]
    info = {"license": meta.get("license"), "classifiers": classifiers}
    spdx, problems = _pypi_license(info, path, mapping)
    project_urls: dict[str, str] = {}
    for line in meta.get("project_urls", "").splitlines():
        label, sep, url = line.partition("=")
        if sep and url.strip():
            project_urls[label.strip()] = url.strip()
    urls = _urls(project_urls)
    home = meta.get("url") or meta.get("home_page") or meta.get("home-page")
    if "url" not in urls and home:
        urls["url"] = home
    fields = clean(
        {
            "name": meta.get("name"),
            "version": meta.get("version"),
            "description": meta.get("description"),
            "keywords": split_keywords(meta.get("keywords", "")),
            "license": spdx,
            "author": _email_people(meta.get("author"), meta.get("author_email")),
            **urls,
            "programmingLanguage": ["Python"],
        }
    )
    return ParsedFile(path, mapping, fields, meta, problems)


def _types(
    table: Mapping[str, Any], *, text_fields: tuple[str, ...], list_fields: tuple[str, ...]
) -> str | None:
    for name in text_fields:
        if name in table and not isinstance(table[name], str):
            return f"{name} must be a string"
    for name in list_fields:
        if name in table and not isinstance(table[name], list):
            return f"{name} must be an array"
    return None


def _urls(urls: Mapping[str, Any]) -> Record:
    out: Record = {}
    for label, url in urls.items():
        if not isinstance(url, str) or not url.strip():
            continue
        key = re.sub(r"[^a-z0-9]", "", label.lower())
        if key in _HOMEPAGE:
            out.setdefault("url", url.strip())
        elif key in _SOURCE:
            out.setdefault("codeRepository", url.strip())
    return out


def _email_people(names: str | None, emails: str | None) -> list[Record]:
    """Author / Author-email fields: "A, B" names and RFC 822 "Name <addr>" lists."""
    people: list[Record] = []
    for name, address in getaddresses([emails]) if emails else []:
        entry = person(name=name or None, email=address or None)
        if entry:
            people.append(entry)
    if len(people) == 1 and "name" not in people[0] and names and "," not in names:
        people[0] = {**people[0], "name": names.strip()}
    if not people and names:
        for name in (n.strip() for n in re.split(r",| and ", names)):
            entry = person(name=name)
            if entry:
                people.append(entry)
    return people


def _pypi_license(
    info: Mapping[str, Any], path: str, mapping: str
) -> tuple[str | None, list[dict[str, str]]]:
    found = licenses_from_pypi(info)
    mapped = [f.expression for f in found if f.expression]
    if found and found[0].detail in ("License-Expression", "license field") and found[0].expression:
        return found[0].expression, []
    if len(set(mapped)) == 1:
        return mapped[0], []
    unmapped = [f.original_text for f in found if not f.expression]
    if len(set(mapped)) > 1:
        return None, [
            {
                "path": path,
                "reason": "several license classifiers, not read as a choice: "
                + ", ".join(sorted(set(mapped))),
            }
        ]
    if unmapped:
        return None, [{"path": path, "reason": f"license not mapped to SPDX: {unmapped[0]!r}"}]
    return None, []


def _classifier_license(
    classifiers: Any, path: str, mapping: str
) -> tuple[str | None, list[dict[str, str]]]:
    return _pypi_license(
        {"classifiers": classifiers if isinstance(classifiers, list) else []}, path, mapping
    )
