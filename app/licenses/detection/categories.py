"""License categories for reuse decisions, from ScanCode LicenseDB's categories.

The catalog (:mod:`app.licenses.catalog`) carries ScanCode's category per SPDX id;
this folds ScanCode's twelve into the handful a dataset builder filters on. For an
expression: ``AND`` takes the most restrictive part (all terms apply), ``OR`` the
least restrictive (the licensee may choose), ``WITH`` the base license's category
(an exception only relaxes it; counting it as the base is the safe side). Any part
without a known category makes an ``AND`` unknown: never guessed permissive.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Any

from license_expression import ExpressionError, Licensing


class LicenseCategory(StrEnum):
    PUBLIC_DOMAIN = "public_domain"
    PERMISSIVE = "permissive"
    WEAK_COPYLEFT = "weak_copyleft"
    COPYLEFT = "copyleft"
    SOURCE_AVAILABLE = "source_available"
    RESTRICTED = "restricted"  # free with restrictions, e.g. non-commercial only
    PROPRIETARY = "proprietary"
    UNKNOWN = "unknown"


SCANCODE_CATEGORIES: dict[str, LicenseCategory] = {
    "Public Domain": LicenseCategory.PUBLIC_DOMAIN,
    "Permissive": LicenseCategory.PERMISSIVE,
    "Copyleft Limited": LicenseCategory.WEAK_COPYLEFT,
    "Copyleft": LicenseCategory.COPYLEFT,
    "Source-available": LicenseCategory.SOURCE_AVAILABLE,
    "Free Restricted": LicenseCategory.RESTRICTED,
    "Proprietary Free": LicenseCategory.PROPRIETARY,
    "Commercial": LicenseCategory.PROPRIETARY,
    # Not a license grant for the code itself: nothing to file the code under.
    "CLA": LicenseCategory.UNKNOWN,
    "Patent License": LicenseCategory.UNKNOWN,
    "Unstated License": LicenseCategory.UNKNOWN,
}

# From least to most restrictive for reuse; UNKNOWN is handled apart.
_ORDER = [
    LicenseCategory.PUBLIC_DOMAIN,
    LicenseCategory.PERMISSIVE,
    LicenseCategory.WEAK_COPYLEFT,
    LicenseCategory.COPYLEFT,
    LicenseCategory.SOURCE_AVAILABLE,
    LicenseCategory.RESTRICTED,
    LicenseCategory.PROPRIETARY,
]


def category_of_license(spdx_id: str) -> LicenseCategory:
    """The category of one SPDX (or ``LicenseRef-scancode-*``) identifier."""
    scancode = _catalog_categories().get(spdx_id.lower())
    return SCANCODE_CATEGORIES.get(scancode or "", LicenseCategory.UNKNOWN)


def is_patent_grant(expression: str | None) -> bool:
    """Whether every license of ``expression`` is a patent grant (ScanCode category
    "Patent License", e.g. ``LicenseRef-scancode-google-patent-license-golang``)."""
    if not expression:
        return False
    try:
        keys = Licensing().license_keys(expression)
    except ExpressionError:
        return False
    categories = _catalog_categories()
    return bool(keys) and all(categories.get(str(k).lower()) == "Patent License" for k in keys)


def category_of_expression(expression: str | None) -> LicenseCategory:
    """The category of an SPDX expression (see the module doc for AND / OR / WITH)."""
    if not expression:
        return LicenseCategory.UNKNOWN
    try:
        parsed = Licensing().parse(expression)
    except ExpressionError:
        return LicenseCategory.UNKNOWN
    return _walk(parsed) if parsed is not None else LicenseCategory.UNKNOWN


def _walk(node: Any) -> LicenseCategory:
    name = type(node).__name__
    if name == "LicenseWithExceptionSymbol":
        return _walk(node.license_symbol)
    if name in {"AND", "OR"}:
        parts = [_walk(arg) for arg in node.args]
        known = [p for p in parts if p is not LicenseCategory.UNKNOWN]
        if name == "OR":
            return min(known, key=_ORDER.index) if known else LicenseCategory.UNKNOWN
        if len(known) < len(parts):
            return LicenseCategory.UNKNOWN
        return max(known, key=_ORDER.index)
    return category_of_license(str(node.key))


@cache
def _catalog_categories() -> dict[str, str | None]:
    from app.licenses.catalog import iter_catalog

    out: dict[str, str | None] = {}
    for entry in iter_catalog():
        for spdx_id in (entry.spdx_id, *entry.other_spdx_ids):
            out.setdefault(spdx_id.lower(), entry.category)
    return out
