"""k-gram hashing and winnowing (Schleimer, Wilkerson, Aiken 2003) with line numbers.

Over the normalised tokens of :mod:`app.attribution.tokens`, every run of ``K``
consecutive tokens is hashed (xxHash3, 64 bits, signed to fit a PostgreSQL
``bigint``); in each window of ``W`` consecutive k-gram hashes the smallest is kept
(robust winnowing: a tie keeps the earlier pick, each position once). Two guarantees follow:

* **noise threshold** ``K = 15`` tokens: shorter shared runs are never matched;
  after normalisation (every name ``V``, every literal ``S`` / ``N``) runs shorter
  than about two lines of code are shared by unrelated files too often to identify
  anything;
* **guarantee threshold** ``T = W + K - 1 = 30`` tokens (``W = 16``): any run of at
  least 30 normalised tokens shared with an indexed file yields at least one common
  fingerprint, wherever it starts. 30 tokens are three to four lines of typical code
  (8 to 10 tokens a line in Python, Java, C, Go), so every exact or renamed snippet
  of five lines or more is found; a type-3 clone is found as long as one stretch of
  30 tokens between two edits survives. Smaller windows would store more rows (the
  density is ``2 / (W + 1)``, about 0.12 fingerprints per token here, a 10 KB file
  keeping roughly 200) for no gain at the lengths the benchmark asks for.

Each fingerprint keeps the line its k-gram starts on and the line it ends on, which
lets a match say which lines of both sides correspond (as SCANOSS reports snippets).
Hashing uses xxhash rather than Python's ``hash`` (salted per process) or a hand-made
rolling hash: stable across processes and machines, and fast.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import xxhash

from app.attribution.tokens import Token, lexer_for, tokenize

K = 15
W = 16
GUARANTEE = W + K - 1
SEPARATOR = b"\x1f"
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


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A selected k-gram hash and the lines (1-based, inclusive) its tokens span."""

    hash: int
    line: int
    end_line: int


def to_signed(value: int) -> int:
    """An unsigned 64-bit hash as PostgreSQL's signed ``bigint``."""
    return value - _WRAP if value >= _SIGN else value


def kgram_hashes(tokens: Sequence[Token], k: int = K) -> list[int]:
    """The hash of every run of ``k`` consecutive tokens (none if fewer tokens)."""
    texts = [t.text.encode() for t in tokens]
    digest = xxhash.xxh3_64_intdigest
    join = SEPARATOR.join
    out = []
    for i in range(len(texts) - k + 1):
        gram = texts[i : i + k]
        out.append(SKIP if _tabular(gram) else to_signed(digest(join(gram))))
    return out


def _tabular(gram: list[bytes]) -> bool:
    if len(set(gram)) < MIN_DISTINCT:
        return True
    first = gram[0]
    return any(
        gram[p] == first and gram[p:] == gram[:-p] for p in range(1, min(MAX_PERIOD, len(gram)))
    )


def winnow(hashes: Sequence[int], w: int = W) -> list[int]:
    """Positions selected by robust winnowing: per window of ``w`` hashes, the
    smallest (of equal ones the earliest, so a repeated k-gram keeps its first
    selection while it stays in the window), each position once. Fewer than ``w``
    hashes form one window. O(n) with a monotonic deque."""
    n = len(hashes)
    if n == 0:
        return []
    if n <= w:
        best = min(range(n), key=lambda i: (hashes[i], i))
        return [best]
    chosen: list[int] = []
    window: deque[int] = deque()  # positions, hashes increasing from the left
    last = -1
    for i, h in enumerate(hashes):
        while window and hashes[window[-1]] > h:  # equal ones: the earlier stays chosen
            window.pop()
        window.append(i)
        if window[0] <= i - w:
            window.popleft()
        if i >= w - 1 and window[0] != last:
            last = window[0]
            chosen.append(last)
    return chosen


def fingerprints(tokens: Sequence[Token], k: int = K, w: int = W) -> list[Fingerprint]:
    """Winnowed fingerprints of a token sequence, with the lines each spans."""
    hashes = kgram_hashes(tokens, k)
    return [
        Fingerprint(hashes[i], tokens[i].line, tokens[i + k - 1].line)
        for i in winnow(hashes, w)
        if hashes[i] != SKIP
    ]


def query_grams(tokens: Sequence[Token], k: int = K) -> list[Fingerprint]:
    """Every k-gram of a query (but table rows), or its winnowed fingerprints past
    ``MAX_QUERY_GRAMS``."""
    if len(tokens) - k + 1 > MAX_QUERY_GRAMS:
        return fingerprints(tokens, k)
    hashes = kgram_hashes(tokens, k)
    return [
        Fingerprint(h, tokens[i].line, tokens[i + k - 1].line)
        for i, h in enumerate(hashes)
        if h != SKIP
    ]


def fingerprint_text(
    text: str, *, language: str | None = None, path: str | None = None
) -> list[Fingerprint]:
    """Tokenise with the language's (or the path's, or the guessed) lexer, then
    fingerprint: what the index stores for a file and what a query looks up."""
    return fingerprints(tokenize(text, lexer_for(language, path, text)))
