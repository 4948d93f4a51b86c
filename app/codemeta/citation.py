"""Render an origin's CodeMeta record as codemeta.json, BibTeX and CITATION.cff.

The record is the one :func:`app.codemeta.readers.build_record` produces. Licenses
are SPDX expressions in the record; codemeta.json gets the ``spdx.org`` URL for a
single license id (the CodeMeta convention) and the expression text otherwise.

BibTeX escaping is hand-written: converting accents to TeX macros (pylatexenc) is
lossy and unnecessary since biber and modern BibTeX read UTF-8, so only the
characters TeX treats as special are escaped, and organization names are wrapped
in braces so they are not split into given/family names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

CODEMETA_CONTEXT = "https://w3id.org/codemeta/3.0"
CFF_VERSION = "1.2.0"
DEFAULT_CFF_MESSAGE = "If you use this software, please cite it using the metadata from this file."
_TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPDX_ID = re.compile(r"^[A-Za-z0-9.+-]+$")


def to_codemeta(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as a CodeMeta 3.0 JSON-LD document (compact form)."""
    doc: dict[str, Any] = {"@context": CODEMETA_CONTEXT, "@type": "SoftwareSourceCode"}
    for key, value in record.items():
        if key == "license" and isinstance(value, str) and _SPDX_ID.match(value):
            doc[key] = f"https://spdx.org/licenses/{value}"
        else:
            doc[key] = value
    return doc


def to_codemeta_json(record: Mapping[str, Any]) -> str:
    return json.dumps(to_codemeta(record), indent=2, ensure_ascii=False) + "\n"


def bibtex_escape(text: str) -> str:
    """``text`` with TeX special characters escaped (UTF-8 kept as is)."""
    return "".join(_TEX_SPECIALS.get(char, char) for char in text)


def to_bibtex(record: Mapping[str, Any], key: str | None = None) -> str:
    """A biblatex ``@software`` entry for the record."""
    name = str(record.get("name") or "software")
    entry_key = key or (re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "software")
    fields: list[tuple[str, str]] = []
    authors = [_bibtex_name(a) for a in record.get("author") or []]
    if authors:
        fields.append(("author", " and ".join(a for a in authors if a)))
    fields.append(("title", bibtex_escape(name)))
    if record.get("version"):
        fields.append(("version", bibtex_escape(str(record["version"]))))
    doi = first_doi(record)
    if doi:
        fields.append(("doi", bibtex_escape(doi)))
    url = record.get("codeRepository") or record.get("url")
    if url:
        fields.append(("url", str(url).replace("%", r"\%").replace("#", r"\#")))
    if record.get("license"):
        fields.append(("license", bibtex_escape(str(record["license"]))))
    if record.get("keywords"):
        fields.append(("keywords", bibtex_escape(", ".join(record["keywords"]))))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@software{{{entry_key},\n{body}\n}}\n"


def to_cff(record: Mapping[str, Any], message: str = DEFAULT_CFF_MESSAGE) -> str:
    """The record as CITATION.cff 1.2.0 YAML.

    CFF requires a title and at least one author; ``ValueError`` says which is
    missing. A person known only by an unsplit name is written as an entity
    (``name``), since CFF persons have no field for a full name.
    """
    if not record.get("name"):
        raise ValueError("CITATION.cff needs a title: the record has no name")
    authors = [a for a in (_cff_author(p) for p in record.get("author") or []) if a]
    if not authors:
        raise ValueError("CITATION.cff needs at least one author")
    doc: dict[str, Any] = {
        "cff-version": CFF_VERSION,
        "message": message,
        "type": "software",
        "title": str(record["name"]),
        "authors": authors,
    }
    if record.get("version"):
        doc["version"] = str(record["version"])
    if record.get("description"):
        doc["abstract"] = str(record["description"])
    doi = first_doi(record)
    if doi:
        doc["doi"] = doi
    identifiers = _cff_identifiers(record, skip=doi)
    if identifiers:
        doc["identifiers"] = identifiers
    if record.get("codeRepository"):
        doc["repository-code"] = str(record["codeRepository"])
    if record.get("url"):
        doc["url"] = str(record["url"])
    if record.get("keywords"):
        doc["keywords"] = list(dict.fromkeys(record["keywords"]))
    license_ids = _or_ids(record.get("license"))
    if license_ids:
        doc["license"] = license_ids[0] if len(license_ids) == 1 else license_ids
    return str(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100))


def first_doi(record: Mapping[str, Any]) -> str | None:
    for ident in record.get("identifier") or []:
        if isinstance(ident, Mapping) and str(ident.get("propertyID", "")).lower() == "doi":
            return str(ident["value"])
    return None


def _bibtex_name(author: Mapping[str, Any]) -> str:
    family, given = author.get("familyName"), author.get("givenName")
    if family:
        name = bibtex_escape(str(family))
        return f"{name}, {bibtex_escape(str(given))}" if given else name
    org = author.get("name")
    return f"{{{bibtex_escape(str(org))}}}" if org else ""


def _cff_author(author: Mapping[str, Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if author.get("familyName") or author.get("givenName"):
        if author.get("familyName"):
            out["family-names"] = author["familyName"]
        if author.get("givenName"):
            out["given-names"] = author["givenName"]
    elif author.get("name"):
        out["name"] = author["name"]
    else:
        return None
    if author.get("email"):
        out["email"] = author["email"]
    if author.get("@id") and str(author["@id"]).startswith("https://orcid.org/"):
        out["orcid"] = author["@id"]
    return out


def _cff_identifiers(record: Mapping[str, Any], skip: str | None) -> list[dict[str, str]]:
    out = []
    for ident in record.get("identifier") or []:
        if not isinstance(ident, Mapping):
            continue
        prop, value = str(ident.get("propertyID", "")).lower(), str(ident.get("value", ""))
        if prop == "doi" and value != skip:
            out.append({"type": "doi", "value": value})
        elif prop == "swhid":
            out.append({"type": "swh", "value": value})
        elif prop == "url" or value.startswith(("http://", "https://")):
            out.append({"type": "url", "value": value})
    return out


def _or_ids(expression: Any) -> list[str]:
    """License ids when the expression is one id or a plain OR of ids (CFF's list form)."""
    if not isinstance(expression, str):
        return []
    parts = [p.strip() for p in re.split(r"\s+OR\s+", expression)]
    if all(_SPDX_ID.match(p) for p in parts):
        return parts
    return []
