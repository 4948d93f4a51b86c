"""codemeta.json, CodeMeta 2.0 and 3.0 contexts.

Full JSON-LD expansion (pyld) needs the context documents, fetched over the network
or bundled and kept in sync; a scan must not depend on either. Both CodeMeta
contexts map the same compact terms onto schema.org / CodeMeta IRIs, so this reader
normalizes the key forms people actually write instead: bare terms (``author``),
prefixed terms (``schema:author``, ``codemeta:...``), full IRIs
(``http://schema.org/author``) and the v3 keyword aliases ``id`` / ``type`` for
``@id`` / ``@type``. A document whose ``@context`` names neither CodeMeta context is
rejected: its terms could mean anything.

``referencePublication`` is copied as given; links to it are made in
:mod:`app.papers.links`.
"""

from __future__ import annotations

import json
from typing import Any

from app.codemeta.readers.base import (
    InvalidFile,
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

CONTEXTS = {
    "https://doi.org/10.5063/schema/codemeta-2.0": "codemeta-2.0",
    "http://doi.org/10.5063/schema/codemeta-2.0": "codemeta-2.0",
    "https://w3id.org/codemeta/v2": "codemeta-2.0",
    "https://raw.githubusercontent.com/codemeta/codemeta/2.0/codemeta.jsonld": "codemeta-2.0",
    "https://w3id.org/codemeta/3.0": "codemeta-3.0",
    "https://w3id.org/codemeta/v3.0": "codemeta-3.0",
    "https://raw.githubusercontent.com/codemeta/codemeta/3.0/codemeta.jsonld": "codemeta-3.0",
}
_PREFIXES = (
    "http://schema.org/",
    "https://schema.org/",
    "schema:",
    "sdo:",
    "https://codemeta.github.io/terms/",
    "https://w3id.org/codemeta/",
    "codemeta:",
)
_ALIASES = {"id": "@id", "type": "@type"}
# Fields whose value must be text (or, for version, a number written without quotes).
_TEXT_FIELDS = ("name", "description", "codeRepository", "url")


def load_codemeta(text_: str, path: str = "codemeta.json") -> ParsedFile:
    """Parse one codemeta.json; invalid files give no fields."""
    try:
        raw = json.loads(text_)
    except json.JSONDecodeError as exc:
        return invalid(path, "codemeta", f"JSON error: {exc}")
    if not isinstance(raw, dict):
        return invalid(path, "codemeta", "not a JSON object")
    mapping = _context_mapping(raw.get("@context"))
    if mapping is None:
        return invalid(path, "codemeta", f"no CodeMeta @context: {raw.get('@context')!r}")
    document = normalize_keys(raw)
    try:
        _check_types(document)
    except InvalidFile as exc:
        return invalid(path, mapping, str(exc))
    spdx, problems = map_license(_license_text(document.get("license")), path, mapping)
    fields = clean(
        {
            "name": text(document.get("name")),
            "description": text(document.get("description")),
            "version": _version(document.get("version") or document.get("softwareVersion")),
            "author": _people(document.get("author")),
            "keywords": _keywords(document.get("keywords")),
            "license": spdx,
            "codeRepository": text(document.get("codeRepository")),
            "url": text(document.get("url")),
            "identifier": _identifiers(document.get("identifier")),
            "programmingLanguage": _languages(document.get("programmingLanguage")),
            "referencePublication": _as_list(document.get("referencePublication")),
        }
    )
    return ParsedFile(path, mapping, fields, document, problems)


def normalize_keys(value: Any) -> Any:
    """Keys in their bare compact form, recursively (see module docstring)."""
    if isinstance(value, list):
        return [normalize_keys(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        term = str(key)
        for prefix in _PREFIXES:
            if term.startswith(prefix):
                term = term[len(prefix) :]
                break
        term = _ALIASES.get(term, term)
        out.setdefault(term, normalize_keys(item))
    return out


def _context_mapping(context: object) -> str | None:
    items = context if isinstance(context, list) else [context]
    for item in items:
        if isinstance(item, str) and item.rstrip("/") in CONTEXTS:
            return CONTEXTS[item.rstrip("/")]
    return None


def _check_types(doc: dict[str, Any]) -> None:
    for name in _TEXT_FIELDS:
        if name in doc and not isinstance(doc[name], str):
            raise InvalidFile(f"{name} must be text, got {type(doc[name]).__name__}")
    version = doc.get("version")
    if version is not None and not isinstance(version, str | int | float):
        raise InvalidFile(f"version must be text, got {type(version).__name__}")
    for name in ("author", "contributor", "referencePublication", "citation"):
        value = doc.get(name)
        items = value if isinstance(value, list) else [value] if value is not None else []
        for item in items:
            if not isinstance(item, dict | str):
                raise InvalidFile(f"{name} entries must be objects, got {type(item).__name__}")
    keywords = doc.get("keywords")
    if keywords is not None and not isinstance(keywords, str | list):
        raise InvalidFile(f"keywords must be text or a list, got {type(keywords).__name__}")


def _people(value: Any) -> list[Record]:
    out = []
    for item in _as_list(value):
        if isinstance(item, str):
            entry = person(name=item)
        elif item.get("@type") == "Organization":
            entry = person(
                name=item.get("name") or item.get("legalName"),
                email=item.get("email"),
                organization=True,
            )
        else:
            entry = person(
                given=item.get("givenName"),
                family=item.get("familyName"),
                name=item.get("name"),
                email=item.get("email"),
                orcid=item.get("@id") or item.get("identifier"),
            )
        if entry:
            out.append(entry)
    return out


def _identifiers(value: Any) -> list[Record]:
    out: list[Record] = []
    for item in _as_list(value):
        raw = item if isinstance(item, str) else None
        if isinstance(item, dict):
            raw = text(item.get("value")) or text(item.get("@id")) or text(item.get("url"))
            prop = text(item.get("propertyID"))
            if raw and prop and prop.lower() not in ("doi",):
                out.append(typed_identifier(prop, raw))
                continue
        if not raw:
            continue
        parsed = parse_identifier(raw)
        if parsed is not None and parsed.scheme is Scheme.DOI:
            out.append(doi_identifier(parsed.value))
        elif raw.startswith("swh:1:"):
            out.append(typed_identifier("SWHID", raw))
        else:
            out.append(typed_identifier("other", raw))
    return out


def _languages(value: Any) -> list[str]:
    out = []
    for item in _as_list(value):
        name = (
            item if isinstance(item, str) else item.get("name") if isinstance(item, dict) else None
        )
        if isinstance(name, str) and name.strip():
            out.append(name.strip())
    return out


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    return str_list(value)


def _license_text(value: Any) -> str | None:
    items = [
        v if isinstance(v, str) else v.get("@id") or v.get("url") or v.get("name")
        for v in _as_list(value)
        if isinstance(v, str | dict)
    ]
    names = [i for i in items if isinstance(i, str) and i.strip()]
    return " OR ".join(names) if names else None


def _version(value: object) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return text(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
