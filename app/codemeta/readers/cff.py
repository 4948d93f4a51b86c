"""CITATION.cff (CFF 1.0.x, 1.1.0, 1.2.0), validated against the official schemas.

The schemas are the ones the CFF project publishes for each release, as shipped in
``cffconvert`` 2.0.0 (``schemas/``; see ``schemas/SOURCES.md``). They are vendored
rather than imported because cffconvert pins ``jsonschema<4`` and would downgrade
the project's. CFF 1.2.0 is a JSON Schema (validated with ``jsonschema``); 1.0.x
and 1.1.0 were published as Kwalify schemas, validated with ``pykwalify``, the
validator the CFF project used for them.

YAML timestamps are read as strings: the 1.2.0 schema says tools must "cast YAML
'date' objects to string objects when validating", and the 1.0.x/1.1.0 ``date``
type accepts strings.

Field mapping follows the CodeMeta crosswalk for CFF 1.2.0: title -> name,
abstract -> description, authors -> author, repository-code -> codeRepository,
url -> url, doi / identifiers -> identifier, preferred-citation ->
referencePublication, license -> license (a list is read as a choice: "A OR B").
"""

from __future__ import annotations

import json
import logging
from functools import cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft7Validator
from pykwalify.core import Core  # type: ignore[import-untyped]  # no stubs published

from app.codemeta.readers.base import (
    ParsedFile,
    Record,
    clean,
    doi_identifier,
    invalid,
    map_license,
    person,
    str_list,
    text,
    typed_identifier,
)
from app.papers.identifiers import Scheme, parse_identifier

KWALIFY_VERSIONS = ("1.0.1", "1.0.2", "1.0.3", "1.1.0")
JSONSCHEMA_VERSIONS = ("1.2.0",)
SUPPORTED_VERSIONS = KWALIFY_VERSIONS + JSONSCHEMA_VERSIONS

# pykwalify logs every violation at ERROR level; they come back to us as problems.
logging.getLogger("pykwalify").setLevel(logging.CRITICAL)


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as strings (see module docstring)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_cff(text_: str, path: str = "CITATION.cff") -> ParsedFile:
    """Parse and validate one CITATION.cff; invalid files give no fields."""
    try:
        document = yaml.load(text_, Loader=_Loader)  # noqa: S506  # SafeLoader subclass
    except yaml.YAMLError as exc:
        return invalid(path, "cff", f"YAML error: {_first_line(exc)}")
    if not isinstance(document, dict):
        return invalid(path, "cff", "not a YAML mapping")
    version = document.get("cff-version")
    if not isinstance(version, str) or version not in SUPPORTED_VERSIONS:
        return invalid(path, "cff", f"unsupported or missing cff-version: {version!r}")
    mapping = f"cff-{version}"
    errors = validate_cff(document, version)
    if errors:
        return invalid(path, mapping, "schema: " + "; ".join(errors[:5]))
    fields, problems = _to_codemeta(document, path, mapping)
    return ParsedFile(path, mapping, fields, document, problems)


def validate_cff(document: dict[str, Any], version: str) -> list[str]:
    """Schema violations of ``document`` for CFF ``version`` (empty when valid)."""
    if version in JSONSCHEMA_VERSIONS:
        validator = _json_validator(version)
        return sorted(
            f"{'/'.join(str(p) for p in err.absolute_path) or '(root)'}: {err.message}"
            for err in validator.iter_errors(document)
        )
    core = Core(source_data=document, schema_data=_kwalify_schema(version))
    core.validate(raise_exception=False)
    return [str(e) for e in core.validation_errors or []]


def _to_codemeta(
    doc: dict[str, Any], path: str, mapping: str
) -> tuple[Record, list[dict[str, str]]]:
    license_value = doc.get("license")
    licenses = str_list(license_value)
    license_text = " OR ".join(licenses) if licenses else None
    spdx, problems = map_license(license_text, path, mapping)
    identifiers: list[Record] = []
    doi = text(doc.get("doi"))
    if doi:
        parsed = parse_identifier(doi)
        if parsed is not None and parsed.scheme is Scheme.DOI:
            identifiers.append(doi_identifier(parsed.value))
    for item in doc.get("identifiers") or []:
        value = text(item.get("value"))
        kind = item.get("type")
        if value is None:
            continue
        parsed = parse_identifier(value) if kind == "doi" else None
        if parsed is not None and parsed.scheme is Scheme.DOI:
            identifiers.append(doi_identifier(parsed.value))
        elif kind == "swh":
            identifiers.append(typed_identifier("SWHID", value))
        elif kind == "url":
            identifiers.append(typed_identifier("URL", value))
        elif kind == "other":
            identifiers.append(typed_identifier("other", value))
    preferred = doc.get("preferred-citation")
    fields = clean(
        {
            "name": text(doc.get("title")),
            "description": text(doc.get("abstract")),
            "version": _version(doc.get("version")),
            "author": [a for a in (_author(x) for x in doc.get("authors") or []) if a],
            "keywords": str_list(doc.get("keywords")),
            "license": spdx,
            "codeRepository": text(doc.get("repository-code")),
            "url": text(doc.get("url")),
            "identifier": _dedupe(identifiers),
            "referencePublication": [_work(preferred)] if isinstance(preferred, dict) else [],
        }
    )
    return fields, problems


def _author(entry: Any) -> Record | None:
    if not isinstance(entry, dict):
        return None
    if "name" in entry and "family-names" not in entry:
        return person(name=entry.get("name"), email=entry.get("email"), organization=True)
    family = text(entry.get("family-names"))
    particle = text(entry.get("name-particle"))
    if family and particle:
        family = f"{particle} {family}"
    return person(
        given=entry.get("given-names"),
        family=family,
        name=entry.get("alias") if not family else None,
        email=entry.get("email"),
        orcid=entry.get("orcid"),
    )


def _work(reference: dict[str, Any]) -> Record:
    """A CFF reference as a CodeMeta ``ScholarlyArticle`` (title, DOI, year)."""
    doi = parse_identifier(text(reference.get("doi")) or "")
    return clean(
        {
            "@type": "ScholarlyArticle",
            "name": text(reference.get("title")),
            "identifier": doi_identifier(doi.value) if doi and doi.scheme is Scheme.DOI else None,
            "datePublished": str(reference["year"]) if "year" in reference else None,
        }
    )


def _version(value: object) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return text(value)


def _dedupe(items: list[Record]) -> list[Record]:
    seen: list[Record] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@cache
def _json_validator(version: str) -> Draft7Validator:
    schema = json.loads(_schema_file(version, "schema.json"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


@cache
def _kwalify_schema(version: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(_schema_file(version, "schema.yaml"))
    return loaded


def _schema_file(version: str, name: str) -> str:
    return (resources.files("app.codemeta.readers") / "schemas" / "cff" / version / name).read_text(
        encoding="utf-8"
    )
