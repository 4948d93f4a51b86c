"""k-gram hashing and winnowing (Schleimer, Wilkerson, Aiken 2003) with line numbers.

Over the normalised tokens of :mod:`app.attribution.tokens`, every run of ``K``
consecutive tokens is hashed (xxHash3, 64 bits, signed to fit a PostgreSQL
``bigint``); in each window of ``W`` consecutive k-gram hashes the smallest is kept
(robust winnowing: a tie keeps the earlier pick, each position once). Two guarantees follow:

* **noise threshold** ``K = 15`` tokens: shorter shared runs are never matched;
  after normalisation (every name ``V``, every literal ``S`` / ``N``) runs shorter
  than about two lines of code are shared by unrelated files too often to identify
  anything;
* **guarantee threshold** ``T = W + K - 1 = 22`` tokens (``W = 8``): any run of at
  least 22 normalised tokens shared with an indexed file yields at least one common
  fingerprint, wherever it starts. 22 tokens are two to three lines of typical code
  (8 to 10 tokens a line in Python, Java, C, Go), so an exact or renamed snippet of
  ten lines keeps several fingerprints even when half of it is docstring or comment;
  a type-3 clone is found as long as one stretch of 22 tokens between two edits
  survives. The density is ``2 / (W + 1)``, about 0.22 fingerprints per token (a
  28 KB file keeps about 680). ``W = 16`` stored half as many rows but found only
  0.70-0.80 of the 10-line snippets of the benchmark (``benchmarks/attribution``,
  counting raw lines, 40 snippets a cell: K=15 W=16: 10-line recall type-1 0.70,
  type-2 0.80, type-3 0.75, precision 0.941; K=15 W=8: 0.80, 0.90, 0.90, precision
  0.955; a smaller K let unrelated files match: K=12 or 10 fell to precision
  0.87-0.90). With K=15 W=8 and snippets of 10 lines of code (comment and docstring
  lines, which normalisation drops, not counted), 150 a cell: type-1 0.96, type-2
  0.97, type-3 0.91, precision 0.976; ``W = 6`` stored 29% more rows for no gain
  and matched a common idiom.

Each fingerprint keeps the line its k-gram starts on and the line it ends on, which
lets a match say which lines of both sides correspond (as SCANOSS reports snippets).
Tokens are hashed once (xxHash3 of the normalised text, :func:`tokens.token_id`) and
a k-gram's hash is a polynomial of its tokens' ids modulo 2**64 followed by the
splitmix64 finaliser: stable across processes and machines, and no Python work per
token. The index runs this compiled (:func:`app.attribution.scanner.fingerprint`, one
loop per step); the numpy functions here are its reference and serve queries' k-grams.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from app.attribution import scanner
from app.attribution.fastlex import token_id
from app.attribution.tokens import Token, lexer_for, token_arrays

K = 15
W = 8
GUARANTEE = W + K - 1
# A k-gram of fewer distinct tokens, or one that repeats itself with a short period,
# is a row of a table ("S : S , S : S", "V = N V = N", "V ( S , N ) V ( S , N )"),
# not code: after normalisation every such table looks alike, so it is never
# selected, whatever the window.
MIN_DISTINCT = 4
MAX_PERIOD = 8
SKIP = (1 << 63) - 1  # the largest bigint: never a window's minimum unless all are
# A query looks every k-gram up (not only its winnowed ones) up to this many: any
# fingerprint the index picked inside a shared region is then found, even in a
# region shorter than the guarantee threshold.
MAX_QUERY_GRAMS = 8000
_SIGN = 1 << 63
_WRAP = 1 << 64
_BASE = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A selected k-gram hash and the lines (1-based, inclusive) its tokens span."""

    hash: int
    line: int
    end_line: int


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as PostgreSQL's signed ``bigint``."""
    return value - _WRAP if value >= _SIGN else value


def kgram_array(ids: NDArray[np.uint64], k: int = K) -> NDArray[np.int64]:
    """The signed hash of every run of ``k`` consecutive token ids (``SKIP`` for a
    table row); empty below ``k`` tokens."""
    n = len(ids) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    acc = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        acc *= _BASE
        acc += ids[j : j + n]
    acc ^= acc >> np.uint64(30)
    acc *= _MIX1
    acc ^= acc >> np.uint64(27)
    acc *= _MIX2
    acc ^= acc >> np.uint64(31)
    hashes = acc.view(np.int64)
    hashes[_tabular(ids, k, n)] = SKIP
    return hashes


def _tabular(ids: NDArray[np.uint64], k: int, n: int) -> NDArray[np.bool_]:
    """Per k-gram: fewer than ``MIN_DISTINCT`` distinct tokens, or periodic with a
    period below ``MAX_PERIOD``."""
    size = len(ids)
    order = np.argsort(ids, kind="stable")
    ranked = ids[order]
    same = ranked[1:] == ranked[:-1]
    previous = np.full(size, -(size + k + 1), dtype=np.int64)
    previous[order[1:][same]] = order[:-1][same]
    gap = np.arange(size, dtype=np.int64) - previous  # back to the same token
    distinct = np.zeros(n, dtype=np.int64)
    for o in range(k):  # token i+o is new in the gram starting at i iff gap > o
        distinct += gap[o : o + n] > o
    table = distinct < MIN_DISTINCT
    for p in range(1, min(MAX_PERIOD, k)):
        differs = np.concatenate(([0], np.cumsum(ids[:-p] != ids[p:], dtype=np.int64)))
        table |= differs[k - p : k - p + n] == differs[:n]
    return table


def winnow_array(hashes: NDArray[np.int64], w: int = W) -> NDArray[np.intp]:
    """Positions selected by robust winnowing: per window of ``w`` hashes, the
    smallest (of equal ones the earliest, so a repeated k-gram keeps its first
    selection while it stays in the window), each position once. Fewer than ``w``
    hashes form one window."""
    n = len(hashes)
    if n == 0:
        return np.empty(0, dtype=np.intp)
    if n <= w:
        return np.array([int(np.argmin(hashes))], dtype=np.intp)
    picks = sliding_window_view(hashes, w).argmin(axis=1) + np.arange(n - w + 1)
    return np.unique(picks)


def kgram_hashes(tokens: Sequence[Token], k: int = K) -> list[int]:
    """The hash of every run of ``k`` consecutive tokens (none if fewer tokens)."""
    ids = np.fromiter((token_id(t.text) for t in tokens), dtype=np.uint64, count=len(tokens))
    return [int(h) for h in kgram_array(ids, k)]


def winnow(hashes: Sequence[int], w: int = W) -> list[int]:
    """:func:`winnow_array` over a list."""
    return [int(i) for i in winnow_array(np.asarray(hashes, dtype=np.int64), w)]


def fingerprint_arrays(
    ids: NDArray[np.uint64], lines: NDArray[np.int64], k: int = K, w: int = W
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Winnowed fingerprints as arrays: hashes, start lines, end lines (compiled:
    :func:`app.attribution.scanner.fingerprint`, the same as
    :func:`reference_fingerprint_arrays`)."""
    return scanner.fingerprint(ids, lines, k, w, MIN_DISTINCT, MAX_PERIOD)


def reference_fingerprint_arrays(
    ids: NDArray[np.uint64], lines: NDArray[np.int64], k: int = K, w: int = W
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """:func:`fingerprint_arrays` in numpy: what the compiled one is tested against."""
    hashes = kgram_array(ids, k)
    chosen = winnow_array(hashes, w)
    chosen = chosen[hashes[chosen] != SKIP]
    return hashes[chosen], lines[chosen], lines[chosen + k - 1]


def _as_fingerprints(
    found: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
) -> list[Fingerprint]:
    return [
        Fingerprint(h, a, b)
        for h, a, b in zip(found[0].tolist(), found[1].tolist(), found[2].tolist(), strict=True)
    ]


def _arrays(tokens: Sequence[Token]) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    ids = np.fromiter((token_id(t.text) for t in tokens), dtype=np.uint64, count=len(tokens))
    return ids, np.fromiter((t.line for t in tokens), dtype=np.int64, count=len(tokens))


def fingerprints(tokens: Sequence[Token], k: int = K, w: int = W) -> list[Fingerprint]:
    """Winnowed fingerprints of a token sequence, with the lines each spans."""
    return _as_fingerprints(fingerprint_arrays(*_arrays(tokens), k, w))


def query_grams(tokens: Sequence[Token], k: int = K) -> list[Fingerprint]:
    """Every k-gram of a query (but table rows), or its winnowed fingerprints past
    ``MAX_QUERY_GRAMS``."""
    if len(tokens) - k + 1 > MAX_QUERY_GRAMS:
        return fingerprints(tokens, k)
    ids, lines = _arrays(tokens)
    hashes = kgram_array(ids, k)
    keep = np.flatnonzero(hashes != SKIP)
    return _as_fingerprints((hashes[keep], lines[keep], lines[keep + k - 1]))


def fingerprint_text(
    text: str, *, language: str | None = None, path: str | None = None
) -> list[Fingerprint]:
    """Tokenise with the language's (or the path's, or the guessed) lexer, then
    fingerprint: what the index stores for a file and what a query looks up."""
    return _as_fingerprints(
        fingerprint_arrays(*token_arrays(text, lexer_for(language, path, text)))
    )
