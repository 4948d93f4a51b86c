"""Which tool produced a fact, and with which library versions.

Every ``content_fact`` and ``pii_finding`` row records ``tool`` and ``tool_version``
so a fact can be re-derived or invalidated when a detector changes. Our own
version alone is not enough: a new enry release reclassifies files and a new
detect-secrets release finds new kinds of keys without any change here, so
:func:`tool_version` folds the versions of the libraries that decide the facts into
the recorded string (``"1.0.0 (enry-python 0.2.0, detect-secrets 1.5.0, ...)"``).
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

#: The ``tool`` column for every fact computed by :mod:`app.facts`.
TOOL = "codecommons-facts"

#: Bump when a rule of ours changes (a threshold, a filter, the shingling...).
FACTS_VERSION = "1.1.0"  # 1.1: PII decoys filtered, detect-secrets' transformers

#: The distributions whose behaviour the facts depend on.
LIBRARIES = (
    "enry-python",
    "charset-normalizer",
    "detect-secrets",
    "datasketch",
    "numpy",
    "publicsuffixlist",  # its list decides which domains are e-mail domains
)


@cache
def tools() -> dict[str, str]:
    """``{distribution: version}`` for :data:`LIBRARIES`, plus ours under :data:`TOOL`."""
    found = {TOOL: FACTS_VERSION}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - all are hard dependencies
            found[name] = "missing"
    return found


@cache
def tool_version() -> str:
    """The ``tool_version`` column: our version, then each library's, stable order."""
    libs = ", ".join(f"{name} {ver}" for name, ver in tools().items() if name != TOOL)
    return f"{FACTS_VERSION} ({libs})"
