"""Values that broke the service before (issue 10), mixed into what the fuzzers generate.

Generating from the contract alone rarely produces them: a run of a few hundred cases
per operation neither drew a NUL inside a filter nor an integer past 2**31 (both
checked by taking the guards out: the fuzz test still passed). So the fuzzers
replace, in about half of their cases, one parameter or body field by one of these;
which one and by what is Hypothesis's choice, seeded like everything else, and the
checks stay the same: whatever the value, the answer is documented and never a 5xx.
"""

from __future__ import annotations

import base64
from typing import Any

from hypothesis import strategies as st

from app.kit.pagination import encode_cursor


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


HOSTILE_TEXT: list[str] = ["\x00", "a\x00b", "%", "_", "\\", "%_\\%"]
# JSON can carry a lone surrogate (a URL cannot: it is percent-encoded UTF-8).
HOSTILE_JSON_TEXT: list[str] = [*HOSTILE_TEXT, "a\ud800b"]
HOSTILE_INTEGERS: list[int] = [0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30]
HOSTILE_CURSORS: list[str] = [
    _b64(b"[" * 5000 + b"]" * 5000),  # nested beyond the recursion limit
    _b64(b'{"page": 2}'),  # someone else's base64 JSON
    encode_cursor("owners", [2**64]),  # beyond bigint, another list's
    encode_cursor("origins:id:asc", [2**64, 2**64]),
    encode_cursor("jobs", ["\x00"]),
    "A" * 5000,
]
HOSTILE: list[Any] = [*HOSTILE_TEXT, *HOSTILE_INTEGERS, *HOSTILE_CURSORS]
HOSTILE_JSON: list[Any] = [*HOSTILE_JSON_TEXT, *HOSTILE_INTEGERS, None, [], {}]


def with_hostile(values: dict[str, Any] | None, names: list[str], pool: list[Any]) -> Any:
    """A strategy: ``values`` unchanged, or with one of ``names`` set to a value of
    ``pool``."""
    if not names:
        return st.just(values)
    base = dict(values or {})
    replaced = st.tuples(st.sampled_from(sorted(names)), st.sampled_from(pool)).map(
        lambda pair: {**base, pair[0]: pair[1]}
    )
    return st.one_of(st.just(values), replaced)


def hostile_body(body: Any) -> Any:
    """A strategy: a JSON body unchanged, or with one field (or item) replaced."""
    if isinstance(body, dict) and body:
        return with_hostile(body, list(body), HOSTILE_JSON)
    if isinstance(body, list) and body:
        replaced = st.tuples(st.integers(0, len(body) - 1), st.sampled_from(HOSTILE_JSON_TEXT)).map(
            lambda pair: [*body[: pair[0]], pair[1], *body[pair[0] + 1 :]]
        )
        return st.one_of(st.just(body), replaced)
    return st.just(body)
