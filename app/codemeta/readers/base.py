"""What every metadata parser returns, and the helpers they share.

A parser turns one file into a :class:`ParsedFile`: either CodeMeta fields (with the
mapping that produced them) or a problem saying why the file is invalid. Never both:
a file that fails to load, has the wrong shape or violates its schema contributes no
field at all, so the record never holds half of a broken file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.licenses.spdx import map_license_text
from app.models.enums import LicenseSource

# CodeMeta record field names this package fills (CodeMeta 3.0 / schema.org terms).
FIELDS = (
    "name",
    "description",
    "version",
    "author",
    "keywords",
    "license",
    "codeRepository",
    "url",
    "identifier",
    "programmingLanguage",
    "referencePublication",
)

Record = dict[str, Any]


class InvalidFile(ValueError):
    """The file cannot be read as what its name says; the message is the reason."""


@dataclass(slots=True)
class ParsedFile:
    """One metadata file, read.

    ``fields`` holds CodeMeta-shaped values; ``document`` the validated document as
    loaded (links are extracted from it); ``problems`` non-fatal notes (e.g. a
    license that does not map to SPDX). ``invalid`` is the reason the whole file was
    rejected, in which case ``fields`` and ``document`` are empty.
    """

    path: str
    mapping: str
    fields: Record = field(default_factory=dict)
    document: Any = None
    problems: list[dict[str, str]] = field(default_factory=list)
    invalid: str | None = None

    @property
    def ok(self) -> bool:
        return self.invalid is None


def invalid(path: str, mapping: str, reason: str) -> ParsedFile:
    return ParsedFile(path, mapping, invalid=reason)


def clean(fields: Mapping[str, Any]) -> Record:
    """Drop empty values so "absent" and "empty" mean the same to the merge."""
    return {k: v for k, v in fields.items() if v not in (None, "", [], {})}


def text(value: object) -> str | None:
    """A non-empty stripped string, or ``None`` (wrong types are not coerced)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def str_list(value: object) -> list[str]:
    """A list of non-empty strings from a list (non-strings dropped) or a single string."""
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, Sequence):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    return []


def split_keywords(value: str) -> list[str]:
    """Keywords given as one string: comma-separated, else whitespace-separated."""
    parts = value.split(",") if "," in value else value.split()
    return [p.strip() for p in parts if p.strip()]


_ORCID = re.compile(
    r"^(?:https?://(?:www\.)?orcid\.org/|orcid:\s*)?(?P<id>\d{4}-\d{4}-\d{4}-\d{3}[\dX])/?$", re.I
)


def normalize_orcid(value: object) -> str | None:
    """``https://orcid.org/0000-...`` for a well-formed ORCID with a valid checksum.

    The check digit is ISO 7064 MOD 11-2, as ORCID documents; a wrong one means a
    typo, and a typo would attribute work to someone else, so it is dropped.
    """
    if not isinstance(value, str):
        return None
    match = _ORCID.match(value.strip())
    if match is None:
        return None
    orcid = match["id"].upper()
    digits = orcid.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    if digits[-1] != expected:
        return None
    return f"https://orcid.org/{orcid}"


def person(
    *,
    given: object = None,
    family: object = None,
    name: object = None,
    email: object = None,
    orcid: object = None,
    organization: bool = False,
) -> Record | None:
    """A CodeMeta ``Person`` (or ``Organization``) with only the parts that are there."""
    out: Record = {"@type": "Organization" if organization else "Person"}
    if not organization:
        out["givenName"] = text(given)
        out["familyName"] = text(family)
    out["name"] = text(name)
    out["email"] = text(email)
    out["@id"] = normalize_orcid(orcid)
    result = clean(out)
    return result if len(result) > 1 else None


_NAME_EMAIL = re.compile(r"^\s*(?P<name>[^<>()]*?)\s*(?:<(?P<email>[^<>\s]+@[^<>\s]+)>)?\s*$")


def person_from_string(value: str) -> Record | None:
    """``"Jane Doe <jane@example.org>"`` (npm, Cargo, PEP 621 strings, poetry) as a Person.

    The name is not split into given/family names: that split is culture-dependent
    and guessing it would put wrong data in ``givenName``.
    """
    match = _NAME_EMAIL.match(value)
    if match is None:
        return person(name=value)
    return person(name=match["name"] or None, email=match["email"])


def map_license(
    value: object, path: str, mapping: str, *, slash_means_or: bool = False
) -> tuple[str | None, list[dict[str, str]]]:
    """A declared license string to SPDX via :mod:`app.licenses.spdx`, plus a problem if not."""
    raw = text(value)
    if raw is None:
        return None, []
    raw = re.sub(r"^https?://spdx\.org/licenses/", "", raw)
    raw = raw.removesuffix(".html").removesuffix(".json")
    found = map_license_text(
        raw, source=LicenseSource.MANIFEST_DECLARED, detail=mapping, slash_means_or=slash_means_or
    )
    if found is None:
        return None, []
    if found.expression is None:
        note = f" ({found.note})" if found.note else ""
        return None, [{"path": path, "reason": f"license not mapped to SPDX: {raw!r}{note}"}]
    return found.expression, []


def doi_identifier(doi: str) -> Record:
    """A DOI as a CodeMeta ``PropertyValue`` identifier."""
    return {"@type": "PropertyValue", "propertyID": "DOI", "value": doi}


def typed_identifier(property_id: str, value: str) -> Record:
    return {"@type": "PropertyValue", "propertyID": property_id, "value": value}


_FORGE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sr.ht", "gitea.com")


def looks_like_repository(url: str) -> bool:
    """A URL on a known forge host: used to tell a repository from a homepage."""
    lowered = url.lower()
    return any(f"//{host}/" in lowered or f"//www.{host}/" in lowered for host in _FORGE_HOSTS)


def normalize_repository_url(value: str) -> str:
    """npm/Cargo-style repository strings as browsable URLs (``git+https://...git`` etc.)."""
    url = value.strip()
    if url.startswith("git+"):
        url = url[4:]
    if url.startswith("git://"):
        url = "https://" + url[6:]
    if url.startswith("git@") and ":" in url:
        host, _, rest = url[4:].partition(":")
        url = f"https://{host}/{rest}"
    for shorthand, host in (
        ("github:", "github.com"),
        ("gitlab:", "gitlab.com"),
        ("bitbucket:", "bitbucket.org"),
    ):
        if url.startswith(shorthand):
            url = f"https://{host}/{url[len(shorthand) :]}"
    if "://" not in url and url.count("/") == 1 and " " not in url:
        url = f"https://github.com/{url}"  # npm's "user/repo" shorthand means GitHub
    return url.removesuffix(".git")
