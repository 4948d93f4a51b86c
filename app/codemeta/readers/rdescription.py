"""R package DESCRIPTION files (Debian control format, DCF).

DCF is RFC 822 header syntax with continuation lines, so the stdlib ``email``
parser reads it; a dedicated DCF library (python-debian) would add a dependency for
the same result. ``Authors@R`` is R code; the ``person(...)`` calls in it are read
with a regular expression (given, family, email, role, ORCID comment) and kept when
their roles include "aut", as the CodeMeta R crosswalk says ([aut] -> author).

R's License field has its own syntax ("GPL (>= 2)", "MIT + file LICENSE"): the
common forms are translated to SPDX in a small table; others stay unmapped. Package
-> name (the crosswalk maps Title to name, but Title is a one-line description
and Package is what the world calls the software); Description (else Title) ->
description. URL entries on a forge -> codeRepository, the first other -> url.
"""

from __future__ import annotations

import re
from email.parser import Parser
from email.policy import compat32

from app.codemeta.readers.base import (
    ParsedFile,
    Record,
    clean,
    invalid,
    looks_like_repository,
    map_license,
    person,
)

_R_LICENSES = {
    "GPL-2": "GPL-2.0-only",
    "GPL-3": "GPL-3.0-only",
    "GPL (>= 2)": "GPL-2.0-or-later",
    "GPL (>= 2.0)": "GPL-2.0-or-later",
    "GPL (>= 3)": "GPL-3.0-or-later",
    "GPL (>= 3.0)": "GPL-3.0-or-later",
    "LGPL-2.1": "LGPL-2.1-only",
    "LGPL-3": "LGPL-3.0-only",
    "LGPL (>= 2.1)": "LGPL-2.1-or-later",
    "LGPL (>= 3)": "LGPL-3.0-or-later",
    "AGPL-3": "AGPL-3.0-only",
    "Apache License 2.0": "Apache-2.0",
    "Apache License (== 2.0)": "Apache-2.0",
    "MIT": "MIT",
    "BSD_2_clause": "BSD-2-Clause",
    "BSD_3_clause": "BSD-3-Clause",
    "CC0": "CC0-1.0",
    "MPL-2.0": "MPL-2.0",
}
_PERSON = re.compile(r"person\s*\((?P<args>(?:[^()]|\([^()]*\))*)\)", re.S)
_ARG = re.compile(
    r"(?P<key>given|family|email|role|comment)\s*=\s*(?P<value>c\s*\([^)]*\)|\"[^\"]*\"|'[^']*')",
    re.S,
)
_ANY_NAMED = re.compile(r"\w+\s*=\s*(?:c\s*\((?:[^()]|\([^()]*\))*\)|\"[^\"]*\"|'[^']*'|\w+)", re.S)
_STRING = re.compile(r"\"([^\"]*)\"|'([^']*)'")
_ORCID_COMMENT = re.compile(r"ORCID\s*=\s*[\"']([^\"']+)[\"']")


def load_description(text_: str, path: str = "DESCRIPTION") -> ParsedFile:
    """Parse one R DESCRIPTION; invalid files give no fields."""
    mapping = "r-description"
    message = Parser(policy=compat32).parsestr(text_, headersonly=True)
    fields_raw = {k: " ".join(str(v).split()) for k, v in message.items()}
    if message.defects or "Package" not in fields_raw:
        return invalid(path, mapping, "not a DESCRIPTION file: no Package field or malformed lines")
    license_text = re.sub(r"\s*\+\s*file\s+LICEN[CS]E\s*$", "", fields_raw.get("License", ""))
    parts = [p.strip() for p in license_text.split("|")]
    mapped = [_R_LICENSES.get(p) for p in parts]
    spdx: str | None
    problems: list[dict[str, str]]
    if parts and all(mapped):
        spdx, problems = " OR ".join(m for m in mapped if m), []
    else:
        spdx, problems = map_license(license_text, path, mapping)
    urls = [u.strip() for u in re.split(r"[,\s]+", fields_raw.get("URL", "")) if u.strip()]
    repository = next((u for u in urls if looks_like_repository(u)), None)
    homepage = next((u for u in urls if u != repository), None)
    fields = clean(
        {
            "name": fields_raw.get("Package"),
            "version": fields_raw.get("Version"),
            "description": fields_raw.get("Description") or fields_raw.get("Title"),
            "license": spdx,
            "author": _authors(fields_raw),
            "codeRepository": repository,
            "url": homepage,
            "programmingLanguage": ["R"],
        }
    )
    return ParsedFile(path, mapping, fields, fields_raw, problems)


def _authors(fields: dict[str, str]) -> list[Record]:
    out: list[Record] = []
    if "Authors@R" in fields:
        for call in _PERSON.finditer(fields["Authors@R"]):
            args = {m["key"]: m["value"] for m in _ARG.finditer(call["args"])}
            # person(given, family, middle, email, role, comment): unnamed leading strings.
            positional = _strings(_ANY_NAMED.sub("", call["args"]))
            for position, name in enumerate(("given", "family")):
                if name not in args and len(positional) > position:
                    args[name] = f'"{positional[position]}"'
            roles = _strings(args.get("role", '"aut"'))
            if "aut" not in roles:
                continue
            orcid = _ORCID_COMMENT.search(args.get("comment", ""))
            given = " ".join(_strings(args.get("given", "")))
            family = " ".join(_strings(args.get("family", "")))
            email = next(iter(_strings(args.get("email", ""))), None)
            entry = person(
                given=given, family=family, email=email, orcid=orcid.group(1) if orcid else None
            )
            if entry:
                out.append(entry)
        return out
    for chunk in re.split(r",\s*|\s+and\s+", fields.get("Author", "")):
        role_match = re.search(r"\[([^\]]*)\]", chunk)
        name = re.sub(r"\s*[\[(<].*$", "", chunk).strip()
        if name and (role_match is None or "aut" in role_match.group(1)):
            entry = person(name=name)
            if entry:
                out.append(entry)
    return out


def _strings(value: str) -> list[str]:
    return [a or b for a, b in _STRING.findall(value)]
