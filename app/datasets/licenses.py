"""Which license expressions a selection's license rule accepts, decided in Python.

A build decides once, over the distinct expressions present in the data (a few
thousand at archive scale), and hands SQL the accepted list: license logic stays in
``license-expression`` (a parser, not string matching) and the SQL stays an array
probe.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from license_expression import ExpressionError, Licensing

from app.datasets.selection import LicenseRule
from app.licenses.detection.categories import category_of_expression

_LICENSING = Licensing()


@cache
def _parse(expression: str) -> Any:
    try:
        return _LICENSING.parse(expression)
    except ExpressionError:
        return None


def _satisfiable_with(node: Any, allowed: frozenset[str]) -> bool:
    """Can the licensee honour ``node`` using only licenses of ``allowed``? ``OR``: any
    branch may be chosen; ``AND``: every part applies; ``X WITH exception``: X."""
    name = type(node).__name__
    if name == "LicenseWithExceptionSymbol":
        return _satisfiable_with(node.license_symbol, allowed)
    if name == "OR":
        return any(_satisfiable_with(arg, allowed) for arg in node.args)
    if name == "AND":
        return all(_satisfiable_with(arg, allowed) for arg in node.args)
    key = getattr(node, "key", None)
    return isinstance(key, str) and key.lower() in allowed


def qualifies(expression: str, rule: LicenseRule) -> bool:
    parsed = _parse(expression)
    if parsed is None:
        return False
    if rule.ids and _satisfiable_with(parsed, frozenset(i.lower() for i in rule.ids)):
        return True
    for wanted in rule.expressions:
        other = _parse(wanted)
        if other is not None and _LICENSING.is_equivalent(parsed, other):
            return True
    return bool(rule.categories) and category_of_expression(expression) in set(rule.categories)


def accepted(expressions: Iterable[str], rule: LicenseRule) -> list[str]:
    return sorted(e for e in expressions if qualifies(e, rule))
