"""An origin's effective license: a reconciliation of its evidence, never a guess.

Precedence, strongest first, and why:

1. **License texts detected in the tree** (``license_file``: LICENSE / COPYING /
   README license section at the root). They are the legal terms that actually ship;
   every declaration is someone's summary of them.
2. **Manifest declarations** (``manifest_declared``): the author's machine-readable
   statement, in the tree. It outranks registry and forge data because those are
   copies (registry) or guesses (forges run their own detector).
3. **Registry declarations** (``registry_declared``), then **forge declarations**
   (``forge_declared``).

How texts combine is something a text cannot say (a dual-licensed crate ships two
texts; ``MIT OR Apache-2.0`` lives in Cargo.toml or the README). So when license
texts exist, the effective expression is the first expression, declared or detected,
that names exactly the licenses of those texts (by license family: a GPL-2.0 text
is the same for ``-only`` and ``-or-later``, and the declaration says which); if
none does, every text applies (``AND``), the conservative reading. Without texts,
the strongest declaring tier gives it, several distinct licenses there again
joined with ``AND`` and flagged.

A license text that could not be identified (e.g. a modified MIT) blocks the
effective expression: ``None``, category unknown. Every disagreement between tiers
is listed in ``conflicts``: declared MIT with a GPL-3.0 LICENSE gives the GPL-3.0
expression *and* the conflict, never one silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from license_expression import ExpressionError, Licensing

from app.licenses.detection.categories import LicenseCategory, category_of_expression
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
_VERSION_SCOPE = re.compile(r"(-only|-or-later|\+)$", re.I)


def reconcile(declared: Sequence[Evidence], detected: Sequence[Evidence]) -> EffectiveLicense:
    """The effective license of an origin from its declared and detected evidence.

    ``detected``: findings of the origin's top-level license files and README license
    section (nested license files describe sub-components, see :mod:`.inheritance`).
    """
    conflicts: list[str] = []
    texts = _distinct(e.expression for e in detected if e.expression)
    # An unidentified license *text* means unknown terms ship; an unidentified mention
    # ("see the license", "free software") says nothing about the terms: ignored.
    unidentified = [
        e for e in detected if not e.expression and getattr(e, "is_license_text", False)
    ]
    tiers = {
        tier: _distinct(e.expression for e in declared if e.source is tier and e.expression)
        for tier in _DECLARED_TIERS
    }
    for e in unidentified:
        conflicts.append(f"{_describe(e)} is not an identified license text")

    expression: str | None
    basis: str | None
    if texts:
        families = _families_of_all(texts)
        candidates = [(x, t.value) for t in _DECLARED_TIERS for x in tiers[t]]
        candidates += [(x, LicenseSource.LICENSE_FILE.value) for x in texts]
        chosen = next(((x, b) for x, b in candidates if _families(x) == families), None)
        if chosen is None:
            expression, basis = _all_of(texts), LicenseSource.LICENSE_FILE.value
        else:
            expression, basis = chosen
        for tier in _DECLARED_TIERS:
            if tiers[tier] and _families_of_all(tiers[tier]) != families:
                conflicts.append(
                    f"{tier.value} says {' / '.join(tiers[tier])} but the license "
                    f"texts are {' / '.join(texts)}"
                )
    else:
        strongest = next((t for t in _DECLARED_TIERS if tiers[t]), None)
        expression = _all_of(tiers[strongest]) if strongest else None
        basis = strongest.value if strongest else None
        if strongest and len(tiers[strongest]) > 1:
            conflicts.append(
                f"{strongest.value} names several licenses ({' / '.join(tiers[strongest])}) "
                "without saying whether all apply or one may be chosen: all are kept"
            )
        if strongest:
            reference = _families_of_all(tiers[strongest])
            for tier in _DECLARED_TIERS:
                differs = tiers[tier] and _families_of_all(tiers[tier]) != reference
                if tier is not strongest and differs:
                    conflicts.append(
                        f"{tier.value} says {' / '.join(tiers[tier])} but "
                        f"{strongest.value} says {' / '.join(tiers[strongest])}"
                    )
    if unidentified:
        expression, basis = None, None
    return EffectiveLicense(
        expression=expression,
        category=category_of_expression(expression),
        conflicts=conflicts,
        basis=basis,
    )


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
