""".zenodo.json: the metadata Zenodo's GitHub integration reads on each release.

The format is Zenodo's legacy deposit metadata. Mapping after the CodeMeta crosswalk
for Zenodo: title -> name, description -> description, creators -> author,
keywords, license (string or ``{"id": ...}``), version, and
``related_identifiers`` with relation ``isSupplementTo`` and scheme ``url`` ->
codeRepository. Creators' names are "Family, Given" by Zenodo's definition, so that
one split is safe.
"""

from __future__ import annotations

import json
from typing import Any

from app.codemeta.readers.base import (
    ParsedFile,
    clean,
    doi_identifier,
    invalid,
    map_license,
    person,
    str_list,
    text,
)
from app.papers.identifiers import Scheme, parse_identifier


def load_zenodo(text_: str, path: str = ".zenodo.json") -> ParsedFile:
    """Parse one .zenodo.json; invalid files give no fields."""
    mapping = "zenodo"
    try:
        doc = json.loads(text_)
    except json.JSONDecodeError as exc:
        return invalid(path, mapping, f"JSON error: {exc}")
    if not isinstance(doc, dict):
        return invalid(path, mapping, "not a JSON object")
    problem = _type_problem(doc)
    if problem:
        return invalid(path, mapping, problem)
    license_value = doc.get("license")
    license_text = license_value.get("id") if isinstance(license_value, dict) else license_value
    spdx, problems = map_license(license_text, path, mapping)
    repository = None
    for rel in doc.get("related_identifiers") or []:
        if rel.get("relation") == "isSupplementTo" and rel.get("scheme") == "url":
            repository = repository or text(rel.get("identifier"))
    doi = parse_identifier(text(doc.get("doi")) or "")
    fields = clean(
        {
            "name": text(doc.get("title")),
            "description": text(doc.get("description")),
            "version": text(doc.get("version")),
            "author": [a for a in (_creator(c) for c in doc.get("creators") or []) if a],
            "keywords": str_list(doc.get("keywords")),
            "license": spdx,
            "codeRepository": repository,
            "identifier": [doi_identifier(doi.value)] if doi and doi.scheme is Scheme.DOI else [],
        }
    )
    return ParsedFile(path, mapping, fields, doc, problems)


def _type_problem(doc: dict[str, Any]) -> str | None:
    for name in ("title", "description", "version"):
        if name in doc and not isinstance(doc[name], str):
            return f"{name} must be a string"
    for name in ("creators", "related_identifiers", "keywords"):
        if name in doc and not isinstance(doc[name], list):
            return f"{name} must be a list"
    for creator in doc.get("creators") or []:
        if not isinstance(creator, dict) or not isinstance(creator.get("name"), str):
            return "each creator must be an object with a name"
    for rel in doc.get("related_identifiers") or []:
        if not isinstance(rel, dict) or not isinstance(rel.get("identifier"), str):
            return "each related identifier must be an object with an identifier"
    return None


def _creator(creator: dict[str, Any]) -> dict[str, Any] | None:
    name = text(creator.get("name")) or ""
    family, sep, given = name.partition(",")
    if sep:
        return person(given=given, family=family, orcid=creator.get("orcid"))
    return person(name=name, orcid=creator.get("orcid"))
