"""package.json (npm), after the CodeMeta NodeJS crosswalk.

name, version, description, keywords, license, author (string "Name <email> (url)"
or object), homepage -> url, repository (string shorthand or ``{url}``) ->
codeRepository. programmingLanguage is JavaScript, implied by the ecosystem.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.codemeta.readers.base import (
    ParsedFile,
    clean,
    invalid,
    map_license,
    normalize_repository_url,
    person,
    person_from_string,
    str_list,
    text,
)

_URL_PART = re.compile(r"\s*\([^)]*\)\s*$")


def load_package_json(text_: str, path: str = "package.json") -> ParsedFile:
    """Parse one package.json; invalid files give no fields."""
    mapping = "npm-package.json"
    try:
        doc = json.loads(text_)
    except json.JSONDecodeError as exc:
        return invalid(path, mapping, f"JSON error: {exc}")
    if not isinstance(doc, dict):
        return invalid(path, mapping, "not a JSON object")
    for name in ("name", "version", "description", "homepage"):
        if name in doc and not isinstance(doc[name], str):
            return invalid(path, mapping, f"{name} must be a string")
    if "keywords" in doc and not isinstance(doc["keywords"], list):
        return invalid(path, mapping, "keywords must be a list")
    license_value = doc.get("license")
    if isinstance(license_value, dict):
        license_value = license_value.get("type")
    spdx, problems = map_license(license_value, path, mapping)
    repository = doc.get("repository")
    repo_url = text(repository.get("url") if isinstance(repository, dict) else repository)
    author = _author(doc.get("author"))
    fields = clean(
        {
            "name": text(doc.get("name")),
            "version": text(doc.get("version")),
            "description": text(doc.get("description")),
            "keywords": str_list(doc.get("keywords")),
            "license": spdx,
            "author": [author] if author else [],
            "url": text(doc.get("homepage")),
            "codeRepository": normalize_repository_url(repo_url) if repo_url else None,
            "programmingLanguage": ["JavaScript"],
        }
    )
    return ParsedFile(path, mapping, fields, doc, problems)


def _author(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        return person_from_string(_URL_PART.sub("", value))
    if isinstance(value, dict):
        return person(name=value.get("name"), email=value.get("email"))
    return None
