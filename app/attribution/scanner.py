"""The index's fingerprinter compiled: loops over a file's bytes and tokens, no regex
and no Python per token.

Why compiled code: the regex normaliser of :mod:`app.attribution.fastlex` (regexes and
numpy, no Python per token) fingerprinted about 700 files/s of 28.5 KB on one core,
and the index needs 5,000 (about 140 MB/s). CPython cannot get there: only finding
the comments and literals of those files with their compiled regex (``findall``, no
substitution, no tokens) runs at about 97 MB/s (3,400 files/s), and ``\\w+`` over
the same text at 43 MB/s; numpy needs a dozen full passes over bytes and tokens. The
work is a byte state machine, which is what a compiler does well, so it is compiled
with numba: maintained, LLVM-based, wheels on PyPI for every platform we run on (no
compiler on the machine), and ``cache=True`` keeps the machine code on disk, so only
the first process after an install pays the compilation (about ten seconds).

The semantics are not new: they are exactly those of the regex path, which stays as
the reference (:meth:`app.attribution.fastlex.Family.lex`, and the numpy hashing in
:mod:`app.attribution.winnowing`); tests compare both on real files and on random
text for every family. Two steps:

1. :func:`lex`: comments and literals found as the family's literal regex finds them
   (the first alternative that matches at the leftmost position, with the regex's
   backtracking outcomes for unterminated ones), what ``Family._blank`` would leave
   of them, and the rest split and classified as ``Family.lex`` does (words, numbers,
   keywords by the same 64-bit keys, operators, literal joining, string prefixes
   dropped), in one loop;
2. :func:`fingerprint`: k-gram hashes, table rows skipped, robust winnowing, as
   ``winnowing.reference_fingerprint_arrays``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

_F = TypeVar("_F", bound=Callable[..., object])


def _compiled(function: _F) -> _F:
    """numba's ``njit`` typed for mypy (numba ships no annotations); the machine code
    cached on disk (beside the source, else NUMBA_CACHE_DIR or the user's cache),
    compiled by each process where no folder is writable."""
    try:
        return cast(_F, numba.njit(cache=True, nogil=True)(function))
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return cast(_F, numba.njit(nogil=True)(function))


# What a family's literal regex holds (fastlex.FAMILIES gives each its set).
HASH_COMMENT = 1  # "#" to the end of the line
HASH_AFTER_BLANK = 2  # the same, only first in the text or after whitespace (shells)
SLASH_COMMENTS = 4  # "//" to the end of the line, "/* */"
SEMICOLON_COMMENT = 8  # ";" to the end of the line (INI)
LUA_COMMENTS = 16  # "--[[ ]]", "--" to the end of the line
PY_STRINGS = 32  # Python's single and triple quotes, docstrings
DOUBLE = 64  # "..." on one line, backslash escapes
SINGLE = 128  # '...' likewise
CHAR = 256  # a character literal (not a Rust lifetime)
BACKTICK = 512  # `...` over lines
VERBATIM = 1024  # C#'s @"..."
TRIPLE = 2048  # """...""" (Kotlin, Scala, Swift)

_NL = 10
_BACKSLASH = 92
_SPACE_BYTE = 32
_LITERAL = 2  # fastlex._PLACEHOLDER
_DOC = 3  # fastlex._DOCSTRING
# byte classes, as fastlex's _CLASS
_C_SPACE, _C_NL, _C_WORD, _C_OP, _C_STR, _C_DOC = range(6)
_MAX_KEYWORD = 16
_KEY_MIX = np.uint64(0x9E3779B97F4A7C15)
_BASE = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SKIP = np.int64((1 << 63) - 1)

# str.isspace() (the same set as the regex "\s"), by code point, for the two places
# the regexes look at Unicode whitespace.
_MAX_SPACE = 0x3000
WHITESPACE = np.array([chr(c).isspace() for c in range(_MAX_SPACE + 1)], dtype=np.bool_)
_PREFIX_LETTER = np.zeros(256, dtype=np.bool_)
_PREFIX_LETTER[list(b"rRuUbB")] = True
# the bytes a comment or a literal of some family starts with: # / ; - " ' ` @
_OPENS = np.zeros(256, dtype=np.bool_)
_OPENS[list(b"#/;-\"'`@")] = True


@_compiled
def _next_char(d: NDArray[np.uint8], q: int, n: int) -> int:
    """The offset of the code point after the one at ``q`` (UTF-8)."""
    q += 1
    while q < n and (d[q] & 0xC0) == 0x80:
        q += 1
    return q


@_compiled
def _space_at(d: NDArray[np.uint8], start: int, space: NDArray[np.bool_]) -> bool:
    """Whether the code point (UTF-8) starting at ``start`` is whitespace."""
    lead = int(d[start])
    if lead < 0x80:
        cp = lead
    elif lead < 0xE0:
        cp = ((lead & 0x1F) << 6) | (int(d[start + 1]) & 0x3F)
    elif lead < 0xF0:
        cp = ((lead & 0x0F) << 12) | ((int(d[start + 1]) & 0x3F) << 6)
        cp |= int(d[start + 2]) & 0x3F
    else:
        return False  # beyond U+FFFF: no whitespace there
    return cp < len(space) and bool(space[cp])


@_compiled
def _is_space_before(d: NDArray[np.uint8], p: int, space: NDArray[np.bool_]) -> bool:
    """Whether the code point ending right before ``p`` (> 0) is whitespace."""
    start = p - 1
    while start > 0 and (d[start] & 0xC0) == 0x80:
        start -= 1
    return _space_at(d, start, space)


@_compiled
def _is_docstring(d: NDArray[np.uint8], p: int, space: NDArray[np.bool_]) -> bool:
    """``Family._blank``: what precedes the quotes on their line, string prefix letters
    stripped, is empty or whitespace."""
    end = p
    while end > 0 and _PREFIX_LETTER[d[end - 1]]:
        end -= 1
    # Backwards from the quotes, stopping at the first visible character: a line of
    # thousands of literals (minified, or hostile) costs each one a step, not the
    # line (which made such a line quadratic).
    q = end
    while q > 0 and d[q - 1] != _NL:
        start = q - 1
        while start > 0 and (d[start] & 0xC0) == 0x80:
            start -= 1
        if not _space_at(d, start, space):
            return False
        q = start
    return True


# What a failed scan for a literal or comment proved of the text, so that the next
# opener of the same kind does not scan the same stretch again: without it, a line of
# "\\" pairs, escaped backticks or unclosed "/*" costs each opener the rest of the
# line or text, quadratic (64 KB of "/* ": 0.7 s; 256 KB: 10 s, a file of 1 MB
# minutes). Per scan of a text, an int64 array:
# [0:2] "..." fails for an opener in [from, to); [2:4] '...' likewise; [4:6] `...`
# likewise; [6] no "*/" starts at or after it (-1: not known).
_MEMO_SIZE = 7


@_compiled
def _line_end(d: NDArray[np.uint8], q: int, n: int) -> int:
    while q < n and d[q] != _NL:
        q += 1
    return q


@_compiled
def _quoted(d: NDArray[np.uint8], p: int, n: int, quote: int, memo: NDArray[np.int64]) -> int:
    """``"[^"\\\\\\n]*(?:\\\\.[^"\\\\\\n]*)*"`` (with the given quote) at ``p``: its end, or
    -1. A failed scan from ``p`` to ``stop`` fails from every quote in between as
    well: such a quote was escaped (an unescaped one would have closed the literal),
    so the scan from it steps over the same pairs to the same ``stop``."""
    slot = 0 if quote == 34 else 2
    if memo[slot] <= p < memo[slot + 1]:
        return -1
    q = p + 1
    while q < n:
        c = d[q]
        if c == quote:
            return q + 1
        if c == _NL:
            break
        if c == _BACKSLASH:
            if q + 1 >= n:
                q = n
                break
            q += 2
        else:
            q += 1
    memo[slot] = p
    memo[slot + 1] = min(q, n)
    return -1


@_compiled
def _python_triple(d: NDArray[np.uint8], p: int, n: int, quote: int) -> int:
    """Python's triple-quoted body after ``p + 3``: to the first unescaped closing
    quotes or the end (``$``); -1 when a lone backslash ends the text."""
    q = p + 3
    while q < n:
        c = d[q]
        if c == _BACKSLASH:
            if q + 1 >= n:
                return -1
            q += 2
        elif c == quote and q + 2 < n and d[q + 1] == quote and d[q + 2] == quote:
            return q + 3
        else:
            q += 1
    return n


@_compiled
def _char(d: NDArray[np.uint8], p: int, n: int) -> int:
    """``'(?:\\\\.[^'\\n]{0,8}|[^'\\\\\\n])'`` at ``p`` (code points, not bytes)."""
    q = p + 1
    if q >= n:
        return -1
    c = d[q]
    if c == _BACKSLASH:
        if q + 1 >= n:
            return -1
        q = _next_char(d, q + 1, n)
        count = 0
        while count < 8 and q < n and d[q] != 39 and d[q] != _NL:
            q = _next_char(d, q, n)
            count += 1
    elif c == 39 or c == _NL:
        return -1
    else:
        q = _next_char(d, q, n)
    if q < n and d[q] == 39:
        return q + 1
    return -1


@_compiled
def _backtick(d: NDArray[np.uint8], p: int, n: int, memo: NDArray[np.int64]) -> int:
    """```[^`\\\\]*(?:\\\\.[^`\\\\]*)*```: its end, or -1 (remembered as
    :func:`_quoted` does, to the end of the text)."""
    if memo[4] <= p < memo[5]:
        return -1
    q = p + 1
    while q < n:
        c = d[q]
        if c == 96:
            return q + 1
        if c == _BACKSLASH:
            if q + 1 >= n:
                break
            q += 2
        else:
            q += 1
    memo[4] = p
    memo[5] = n
    return -1


@_compiled
def _verbatim(d: NDArray[np.uint8], p: int, n: int) -> int:
    """``@"(?:[^"]|"")*"``: unterminated, the regex backtracks to the last ``""``."""
    q = p + 2
    last_pair = -1
    while q < n:
        if d[q] == 34:
            if q + 1 < n and d[q + 1] == 34:
                last_pair = q
                q += 2
            else:
                return q + 1
        else:
            q += 1
    return last_pair + 1 if last_pair >= 0 else -1


@_compiled
def _triple(d: NDArray[np.uint8], p: int, n: int) -> int:
    """``\"\"\"[^"]*(?:"(?!"")[^"]*)*\"\"\"``: to the first closing quotes, else -1."""
    q = p + 3
    while q + 2 < n:
        if d[q] == 34 and d[q + 1] == 34 and d[q + 2] == 34:
            return q + 3
        q += 1
    return -1


@_compiled
def _block_comment(d: NDArray[np.uint8], p: int, n: int, memo: NDArray[np.int64]) -> int:
    """``/\\*[^*]*(?:\\*+[^*/][^*]*)*(?:\\*+/|$)``: to the first ``*/``; unterminated, to
    the end unless the body ends with ``*`` (then the regex does not match)."""
    if memo[6] < 0 or p + 2 < memo[6]:  # else no "*/" is left: no need to look
        q = p + 2
        while q + 1 < n:
            if d[q] == 42 and d[q + 1] == 47:
                return q + 2
            q += 1
        memo[6] = p + 2
    if n > p + 2 and d[n - 1] == 42:
        return -1
    return n


@_compiled
def _literal_at(
    d: NDArray[np.uint8],
    p: int,
    n: int,
    flags: int,
    space: NDArray[np.bool_],
    memo: NDArray[np.int64],
) -> tuple[int, int]:
    """(end, kind) of the comment or literal starting at ``p``: kind 0 none, 1 comment,
    2 literal, 3 docstring."""
    c = d[p]
    if c == 35:  # '#'
        if flags & HASH_COMMENT or (
            flags & HASH_AFTER_BLANK and (p == 0 or _is_space_before(d, p, space))
        ):
            return _line_end(d, p, n), 1
    elif c == 47:  # '/'
        if flags & SLASH_COMMENTS and p + 1 < n:
            if d[p + 1] == 47:
                return _line_end(d, p, n), 1
            if d[p + 1] == 42:
                end = _block_comment(d, p, n, memo)
                if end >= 0:
                    return end, 1
    elif c == 59:  # ';'
        if flags & SEMICOLON_COMMENT:
            return _line_end(d, p, n), 1
    elif c == 45:  # '-'
        if flags & LUA_COMMENTS and p + 1 < n and d[p + 1] == 45:
            if p + 3 < n and d[p + 2] == 91 and d[p + 3] == 91:
                q = p + 4
                while True:  # lazy: "]]" first, else the end ($)
                    if q + 1 < n and d[q] == 93 and d[q + 1] == 93:
                        return q + 2, 1
                    if q >= n or (q == n - 1 and d[q] == _NL):
                        return q, 1
                    q += 1
            return _line_end(d, p, n), 1
    elif c == 34 or c == 39:  # '"' or "'"
        if flags & PY_STRINGS:
            if p + 2 < n and d[p + 1] == c and d[p + 2] == c:
                end = _python_triple(d, p, n, c)
                if end >= 0:
                    return end, 3 if _is_docstring(d, p, space) else 2
            end = _quoted(d, p, n, c, memo)
            return end, 2 if end >= 0 else 0
        if c == 34:
            if flags & TRIPLE and p + 2 < n and d[p + 1] == 34 and d[p + 2] == 34:
                end = _triple(d, p, n)
                if end >= 0:
                    return end, 2
            if flags & DOUBLE:
                end = _quoted(d, p, n, c, memo)
                if end >= 0:
                    return end, 2
        else:
            if flags & SINGLE:
                end = _quoted(d, p, n, c, memo)
                if end >= 0:
                    return end, 2
            if flags & CHAR:
                end = _char(d, p, n)
                if end >= 0:
                    return end, 2
    elif c == 96:  # '`'
        if flags & BACKTICK:
            end = _backtick(d, p, n, memo)
            if end >= 0:
                return end, 2
    elif c == 64 and flags & VERBATIM and p + 1 < n and d[p + 1] == 34:  # '@"'
        end = _verbatim(d, p, n)
        if end >= 0:
            return end, 2
    return -1, 0


@_compiled
def _word_key(d: NDArray[np.uint8], start: int, length: int) -> np.uint64:
    """``fastlex._word_keys`` of one word (of at most 16 bytes)."""
    low = np.uint64(0)
    high = np.uint64(0)
    for j in range(min(length, 8) - 1, -1, -1):
        low = (low << np.uint64(8)) | np.uint64(d[start + j])
    for j in range(length - 1, 7, -1):
        high = (high << np.uint64(8)) | np.uint64(d[start + j])
    return low ^ (high * _KEY_MIX) ^ (np.uint64(length) << np.uint64(56))


@_compiled
def _literal_kind(
    d: NDArray[np.uint8],
    j: int,
    n: int,
    flags: int,
    space: NDArray[np.bool_],
    memo: NDArray[np.int64],
) -> int:
    """What the byte at ``j`` is in the blanked text: ``_C_STR`` or ``_C_DOC`` when a
    literal or docstring starts there, else its class (a comment blanks to a blank or
    newlines, neither of which is a literal)."""
    c = d[j]
    if c == _LITERAL:
        return _C_STR
    if c == _DOC:
        return _C_DOC
    if _OPENS[c]:
        kind = _literal_at(d, j, n, flags, space, memo)[1]
        if kind == 2:
            return _C_STR
        if kind == 3:
            return _C_DOC
    return _C_OP


@_compiled
def lex(
    d: NDArray[np.uint8],
    flags: int,
    space: NDArray[np.bool_],
    classes: NDArray[np.uint8],
    op_ids: NDArray[np.uint64],
    slot_keys: NDArray[np.uint64],
    slot_ids: NDArray[np.uint64],
    lengths: NDArray[np.uint32],
    ident: np.uint64,
    number: np.uint64,
    string: np.uint64,
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Token ids and lines of UTF-8 text, as ``Family.lex``: its regex pass (a comment
    blanked to its newlines or a blank, a literal to ``\x02``, a docstring to
    ``\x03``, both with a blank and their newlines) and its classification of what is
    left, in one loop that never writes the blanked text: words (``V``, ``N`` if they
    start with a digit, keywords by the same 64-bit keys, looked up in ``slot_keys``, an
    open-addressing table of ``len(slot_keys)`` a power of two, when some keyword
    starts with the word's first byte and has its length: bit n of ``lengths[byte]``),
    every other visible
    byte an operator, adjacent literals on a line one, a word of one or two bytes right
    before a literal dropped (a string prefix)."""
    n = len(d)
    ids = np.empty(n, dtype=np.uint64)
    lines = np.empty(n, dtype=np.int64)
    mask = np.uint64(len(slot_keys) - 1)
    memo = np.zeros(_MEMO_SIZE, dtype=np.int64)  # nothing proved yet
    memo[6] = -1
    t = 0
    line = 1
    after_literal = False  # the last token kept so far (newlines included) is a literal
    i = 0
    while i < n:
        c = d[i]
        if c == _SPACE_BYTE:  # indentation: the commonest byte, skipped in a run
            i += 1
            while i < n and d[i] == _SPACE_BYTE:
                i += 1
            continue
        if _OPENS[c]:
            end, kind = _literal_at(d, i, n, flags, space, memo)
            if kind:
                if kind == 2:
                    if not after_literal:  # adjacent literals are one
                        ids[t] = string
                        lines[t] = line
                        t += 1
                    after_literal = True
                newlines = 0
                for q in range(i, end):
                    newlines += d[q] == _NL
                if newlines:
                    line += newlines
                    after_literal = False
                i = end
                continue
        kind = classes[c]
        if kind in (_C_SPACE, _C_DOC):
            i += 1
        elif kind == _C_NL:
            line += 1
            after_literal = False
            i += 1
        elif kind == _C_STR:
            if not after_literal:
                ids[t] = string
                lines[t] = line
                t += 1
            after_literal = True
            i += 1
        elif kind == _C_OP:
            ids[t] = op_ids[c]
            lines[t] = line
            t += 1
            after_literal = False
            i += 1
        else:
            j = i + 1
            while j < n and classes[d[j]] == _C_WORD:
                j += 1
            length = j - i
            if length <= 2 and j < n:
                following = _literal_kind(d, j, n, flags, space, memo)
                if following in (_C_STR, _C_DOC):
                    i = j  # a string prefix: dropped
                    continue
            value = number if 48 <= c <= 57 else ident
            if length <= _MAX_KEYWORD and (lengths[c] >> length) & 1:
                key = _word_key(d, i, length)
                slot = (key * _KEY_MIX) >> np.uint64(48) & mask
                while slot_keys[slot]:
                    if slot_keys[slot] == key:
                        value = slot_ids[slot]
                        break
                    slot = (slot + np.uint64(1)) & mask
            ids[t] = value
            lines[t] = line
            t += 1
            after_literal = False
            i = j
    return ids[:t], lines[:t]


@_compiled
def _tabular_at(
    ids: NDArray[np.uint64], i: int, k: int, min_distinct: int, max_period: int
) -> bool:
    """``winnowing._tabular`` for the gram at ``i``: fewer than ``min_distinct``
    distinct tokens, or a period below ``max_period``."""
    distinct = 0
    for o in range(k):
        new = True
        for earlier in range(i, i + o):
            if ids[earlier] == ids[i + o]:
                new = False
                break
        if new:
            distinct += 1
            if distinct >= min_distinct:
                break
    if distinct < min_distinct:
        return True
    for p in range(1, min(max_period, k)):
        periodic = True
        for j in range(i, i + k - p):
            if ids[j] != ids[j + p]:
                periodic = False
                break
        if periodic:
            return True
    return False


@_compiled
def _sliding_and(values: NDArray[np.uint8], span: int) -> NDArray[np.uint8]:
    """Per offset j, the AND of ``values[j : j + span]`` (by doubling)."""
    out = values.copy()
    done = 1
    while done * 2 <= span:
        out = out[: len(out) - done] & out[done:]
        done *= 2
    if done < span:
        out = out[: len(out) - (span - done)] & out[span - done :]
    return out


@_compiled
def _tabular(
    ids: NDArray[np.uint64], k: int, min_distinct: int, max_period: int
) -> NDArray[np.bool_]:
    """Per gram, :func:`_tabular_at`, looked at only where a necessary condition
    holds (in code, a gram in a few hundred). Both conditions need repeats at short
    distances, so ``near[j]`` has bit ``d - 1`` set when ``ids[j] == ids[j + d]``:

    * a period p holds ``ids[j] == ids[j + p]`` over the gram's first ``k - p``
      offsets, so over its first ``k - max_period + 1`` the bit p - 1 is always set;
    * fewer than ``m = min_distinct`` distinct tokens leave a repeat in every ``m``
      consecutive ones, at a distance below ``m``."""
    size = len(ids)
    n = size - k + 1
    table = np.zeros(n, dtype=np.bool_)
    periods = min(max_period, k)
    if n <= 0 or periods > 9 or min_distinct > periods or min_distinct < 2:
        for i in range(n):  # no filter for such parameters (the index uses none)
            table[i] = _tabular_at(ids, i, k, min_distinct, max_period)
        return table
    near = np.zeros(size, dtype=np.uint8)
    for d in range(1, periods):
        bit = np.uint8(1 << (d - 1))
        for j in range(size - d):
            near[j] |= np.uint8(ids[j] == ids[j + d]) * bit
    periodic = _sliding_and(near, k - periods + 1)
    # a repeat among ids[j : j + min_distinct]: from offset j + o, at a distance of at
    # most min_distinct - 1 - o
    repeat = np.zeros(size - min_distinct + 1, dtype=np.uint8)
    for o in range(min_distinct - 1):
        mask = np.uint8((1 << (min_distinct - 1 - o)) - 1)
        for j in range(size - min_distinct + 1):
            repeat[j] |= near[j + o] & mask
    for j in range(size - min_distinct + 1):
        repeat[j] = repeat[j] != 0
    few = _sliding_and(repeat, k - min_distinct + 1)
    for i in range(n):
        if periodic[i] or few[i]:  # in code, a gram in ten
            table[i] = _tabular_at(ids, i, k, min_distinct, max_period)
    return table


@_compiled
def kgrams(
    ids: NDArray[np.uint64], k: int, min_distinct: int, max_period: int
) -> NDArray[np.int64]:
    """``winnowing.kgram_array``: signed k-gram hashes, ``SKIP`` for table rows."""
    n = len(ids) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    hashes = np.empty(n, dtype=np.int64)
    # rolling: the polynomial of the next gram from this one (exact modulo 2**64)
    top = np.uint64(1)
    for _ in range(k - 1):
        top *= _BASE
    rolling = np.uint64(0)
    for j in range(k - 1):
        rolling = rolling * _BASE + ids[j]
    for i in range(n):
        if i:
            rolling -= ids[i - 1] * top
        rolling = rolling * _BASE + ids[i + k - 1]
        acc = rolling
        acc ^= acc >> np.uint64(30)
        acc *= _MIX1
        acc ^= acc >> np.uint64(27)
        acc *= _MIX2
        acc ^= acc >> np.uint64(31)
        hashes[i] = np.int64(acc)  # two's complement: the unsigned hash as bigint
    hashes[_tabular(ids, k, min_distinct, max_period)] = _SKIP
    return hashes


@_compiled
def winnow(hashes: NDArray[np.int64], w: int) -> NDArray[np.intp]:
    """``winnowing.winnow_array``: per window the earliest smallest, each once (the
    picks never go back, so a repeat is always the previous one)."""
    n = len(hashes)
    if n == 0:
        return np.empty(0, dtype=np.intp)
    if n <= w:
        out = np.empty(1, dtype=np.intp)
        out[0] = np.argmin(hashes)
        return out
    picks = np.empty(n - w + 1, dtype=np.intp)
    count = 0
    best = -1
    for s in range(n - w + 1):
        last = s + w - 1
        if best < s:  # the minimum left the window: look the window over
            best = s
            for t in range(s + 1, last + 1):
                if hashes[t] < hashes[best]:
                    best = t
        elif hashes[last] < hashes[best]:  # else only the new hash can beat it
            best = last
        if count == 0 or picks[count - 1] != best:
            picks[count] = best
            count += 1
    return picks[:count]


@_compiled
def fingerprint(
    ids: NDArray[np.uint64],
    lines: NDArray[np.int64],
    k: int,
    w: int,
    min_distinct: int,
    max_period: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """``winnowing.fingerprint_arrays``: hashes, start lines, end lines."""
    hashes = kgrams(ids, k, min_distinct, max_period)
    chosen = winnow(hashes, w)
    keep = np.empty(len(chosen), dtype=np.intp)
    count = 0
    for c in chosen:
        if hashes[c] != _SKIP:
            keep[count] = c
            count += 1
    keep = keep[:count]
    return hashes[keep], lines[keep], lines[keep + k - 1]
