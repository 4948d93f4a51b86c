"""An origin's effective license: a reconciliation of its evidence, never a guess.

The evidence, strongest first, and why:

1. **License texts detected in the tree** (``license_file`` findings of the root
   LICENSE / COPYING / UNLICENSE files and of the REUSE ``LICENSES/`` folder).
   They are the legal terms that actually ship; every declaration is someone's
   summary of them.
2. **Declarations of how those texts apply**, in this order: manifest
   (``manifest_declared``: the author's machine-readable statement, in the tree),
   the REUSE per-file information (``reuse``: every file's resolved SPDX
   expression from its tags, ``.license`` companions, ``REUSE.toml`` and
   ``.reuse/dep5``, see :mod:`.reuse`; all of them together, joined with ``AND``
   when files differ), registry (``registry_declared``: a copy), forge
   (``forge_declared``: the forge's own guess).
3. **Weak evidence**: license sections of a README and license texts in an HTML
   page. A README section is prose around a license statement, and an HTML page
   is often a site's rendering of somebody's license, so they *support* (a
   README's "MIT OR Apache-2.0, at your option" is how two texts combine) but
   never decide against stronger evidence, and one that could not be identified
   is a conflict to report, not a reason to withhold the answer.

How texts combine is something a text cannot say (a dual-licensed crate ships two
texts; ``MIT OR Apache-2.0`` lives in Cargo.toml or the README). So when license
texts exist, the effective expression is the first expression, declared (tier 2),
detected or weak (tier 3), that names exactly the licenses of those texts (by
license family: a GPL-2.0 text is the same for ``-only`` and ``-or-later``, and
the declaration says which); if none does, every text applies (``AND``), the
conservative reading. Without texts, the strongest declaring tier gives it,
several distinct licenses there again joined with ``AND`` and flagged; without
either, the weak evidence does (basis ``weak_evidence``).

A license text (tier 1) that could not be identified (e.g. a modified MIT) blocks
the effective expression: ``None``, category unknown. Every disagreement between
tiers is listed in ``conflicts``: declared MIT with a GPL-3.0 LICENSE gives the
GPL-3.0 expression *and* the conflict, never one silently. A patent grant beside
a license (a ``PATENTS`` file, ScanCode category "Patent License") is a finding of
its own, not a license of the code: it takes no part here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Protocol

from license_expression import ExpressionError, Licensing

from app.licenses.detection.categories import (
    LicenseCategory,
    category_of_expression,
    is_patent_grant,
)
from app.licenses.detection.paths import FileKind, file_kind
from app.models.enums import LicenseSource


class Evidence(Protocol):
    """A :class:`~.model.Finding` or a declared :class:`~app.licenses.spdx.DeclaredLicense`."""

    @property
    def expression(self) -> str | None: ...

    @property
    def original_text(self) -> str | None: ...

    @property
    def source(self) -> LicenseSource: ...


@dataclass(frozen=True, slots=True)
class EffectiveLicense:
    expression: str | None
    category: LicenseCategory
    conflicts: list[str] = field(default_factory=list)
    basis: str | None = None  # which evidence gave the expression


_DECLARED_TIERS = (
    LicenseSource.MANIFEST_DECLARED,
    LicenseSource.REGISTRY_DECLARED,
    LicenseSource.FORGE_DECLARED,
)
REUSE_BASIS = "reuse"
WEAK_BASIS = "weak_evidence"
_VERSION_SCOPE = re.compile(r"(-only|-or-later|\+)$", re.I)
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


def is_weak(evidence: Evidence) -> bool:
    """A README license section or an HTML page (see the module doc)."""
    path = getattr(evidence, "path", None)
    if not path:
        return False
    return file_kind(path) is FileKind.README or PurePosixPath(path).suffix.lower() in (
        _HTML_SUFFIXES
    )


def reconcile(
    declared: Sequence[Evidence],
    detected: Sequence[Evidence],
    reuse: Sequence[str | None] = (),
) -> EffectiveLicense:
    """The effective license of an origin from its declared and detected evidence.

    ``detected``: findings of the origin's top-level license files, its REUSE
    ``LICENSES/`` texts and README license sections (nested license files describe
    sub-components, see :mod:`.inheritance`). ``reuse``: the resolved expression
    of each file REUSE covers (None for a file whose REUSE information is not a
    valid expression).
    """
    conflicts: list[str] = []
    detected = [e for e in detected if not is_patent_grant(e.expression)]
    strong = [e for e in detected if not is_weak(e)]
    weak = [e for e in detected if is_weak(e)]
    texts = _distinct(e.expression for e in strong if e.expression)
    weak_texts = _distinct(e.expression for e in weak if e.expression)
    # An unidentified license *text* means unknown terms ship; an unidentified mention
    # ("see the license", "free software") says nothing about the terms: ignored.
    unidentified = [e for e in strong if not e.expression and getattr(e, "is_license_text", False)]
    for e in unidentified:
        conflicts.append(f"{_describe(e)} is not an identified license text")
    for e in weak:
        if not e.expression and getattr(e, "is_license_text", False):
            conflicts.append(
                f"{_describe(e)} is not an identified license text (weaker evidence: "
                "reported, not blocking)"
            )
    tiers: dict[str, list[str]] = {
        tier.value: _distinct(e.expression for e in declared if e.source is tier and e.expression)
        for tier in _DECLARED_TIERS
    }
    reuse_expression = _reuse_expression(reuse, conflicts)
    order = [LicenseSource.MANIFEST_DECLARED.value]
    if reuse_expression:
        tiers[REUSE_BASIS] = [reuse_expression]
        order.append(REUSE_BASIS)
    order += [LicenseSource.REGISTRY_DECLARED.value, LicenseSource.FORGE_DECLARED.value]

    expression: str | None
    basis: str | None
    if texts:
        families = _families_of_all(texts)
        candidates = [(x, t) for t in order for x in tiers[t]]
        candidates += [(x, LicenseSource.LICENSE_FILE.value) for x in texts]
        candidates += [(x, WEAK_BASIS) for x in weak_texts]
        chosen = next(((x, b) for x, b in candidates if _families(x) == families), None)
        if chosen is None:
            expression, basis = _all_of(texts), LicenseSource.LICENSE_FILE.value
        else:
            expression, basis = chosen
        for tier in order:
            if tiers[tier] and _families_of_all(tiers[tier]) != families:
                conflicts.append(
                    f"{tier} says {' / '.join(tiers[tier])} but the license "
                    f"texts are {' / '.join(texts)}"
                )
        if weak_texts and not _families_of_all(weak_texts) <= families:
            conflicts.append(
                f"README / HTML license sections say {' / '.join(weak_texts)} but the "
                f"license texts are {' / '.join(texts)}"
            )
    else:
        strongest = next((t for t in order if tiers[t]), None)
        if strongest is None and weak_texts:
            tiers[WEAK_BASIS] = weak_texts
            strongest = WEAK_BASIS
        expression = _all_of(tiers[strongest]) if strongest else None
        basis = strongest
        if strongest and len(tiers[strongest]) > 1:
            conflicts.append(
                f"{strongest} names several licenses ({' / '.join(tiers[strongest])}) "
                "without saying whether all apply or one may be chosen: all are kept"
            )
        if strongest:
            reference = _families_of_all(tiers[strongest])
            others = [*order, WEAK_BASIS] if strongest != WEAK_BASIS else order
            for tier in others:
                values = weak_texts if tier == WEAK_BASIS else tiers[tier]
                differs = values and _families_of_all(values) != reference
                if tier != strongest and differs:
                    conflicts.append(
                        f"{tier} says {' / '.join(values)} but "
                        f"{strongest} says {' / '.join(tiers[strongest])}"
                    )
    if unidentified:
        expression, basis = None, None
    return EffectiveLicense(
        expression=expression,
        category=category_of_expression(expression),
        conflicts=conflicts,
        basis=basis,
    )


def _reuse_expression(reuse: Sequence[str | None], conflicts: list[str]) -> str | None:
    """All REUSE-covered files' expressions together (``AND`` of the distinct ones)."""
    if not reuse:
        return None
    unknown = sum(x is None for x in reuse)
    if unknown:
        conflicts.append(f"REUSE information of {unknown} file(s) is not a valid SPDX expression")
        return None
    parts: list[str] = []
    for expression in _distinct(reuse):
        parts.extend(_and_operands(expression))
    distinct = _distinct(parts)
    return _all_of(distinct) if distinct else None


def _and_operands(expression: str) -> list[str]:
    """``A AND (B OR C)`` as ``["A", "B OR C"]`` (what applies, one by one)."""
    try:
        parsed = Licensing().parse(expression)
    except ExpressionError:
        return [expression]
    if parsed is None:
        return []
    if type(parsed).__name__ != "AND":
        return [expression]
    return [str(arg) for arg in parsed.args]


def _describe(evidence: Evidence) -> str:
    where = getattr(evidence, "path", None) or getattr(evidence, "detail", None)
    text = (evidence.original_text or "").strip().splitlines()
    first = text[0][:60] if text else ""
    return f"{evidence.source.value} {where or ''} ({first!r})".replace("  ", " ")


def _distinct(expressions: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for x in expressions:
        if x:
            seen.setdefault(x, None)
    return list(seen)


def _all_of(expressions: list[str]) -> str:
    if len(expressions) == 1:
        return expressions[0]
    return " AND ".join(f"({x})" if " " in x else x for x in expressions)


def _families_of_all(expressions: list[str]) -> frozenset[str]:
    out: set[str] = set()
    for x in expressions:
        out |= _families(x)
    return frozenset(out)


def _families(expression: str) -> frozenset[str]:
    """The license identifiers of ``expression``, "-only" / "-or-later" / "+" removed."""
    try:
        keys = Licensing().license_keys(expression)
    except ExpressionError:
        return frozenset({expression.lower()})
    return frozenset(_VERSION_SCOPE.sub("", str(k)).lower() for k in keys)
