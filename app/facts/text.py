"""Decoding a content to text, and the Stack-style line statistics of that text.

The statistics are defined exactly as BigCode computes them for The Stack's
filters (``bigcode-project/bigcode-dataset``, ``preprocessing/filtering.py``,
``add_stats``), so thresholds from their papers apply unchanged:

* ``line_lengths = [len(line) for line in content.splitlines()]`` (characters of
  the decoded text, line terminators excluded; ``str.splitlines`` semantics);
* ``max_line_length = max(line_lengths)``;
* ``avg_line_length = mean(line_lengths)`` (our ``mean_line_length``);
* ``alphanum_fraction = mean([c.isalnum() for c in content])``, over every
  character of the content, newlines included.

Their filters drop files with ``max_line_length > 1000``, ``avg_line_length > 100``
or ``alphanum_fraction < 0.25`` (``preprocessing/README.md``); we store the numbers
and let dataset queries choose thresholds. An empty text has no mean line length
and no alphanumeric fraction (None), where BigCode's numpy code would produce NaN.
"""

from __future__ import annotations

import codecs
import string
from dataclasses import dataclass

from charset_normalizer import from_bytes

_ASCII_ALNUM = (string.ascii_letters + string.digits).encode("ascii")
_ASCII_SPACE = string.whitespace.encode("ascii")
# UTF-32 first: its little-endian BOM starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class DecodedText:
    """A content as text, with the encoding it was read with (a Python codec name,
    normalized by :func:`codecs.lookup`: ``utf-8``, ``utf-8-sig``, ``cp1252``...)."""

    text: str
    encoding: str


def canonical_encoding(name: str) -> str:
    return codecs.lookup(name).name


def decode(data: bytes, *, binary: bool) -> DecodedText | None:
    """The content as text, or None when it is not text.

    Order, cheapest first: a byte-order mark decides (UTF-16/32 files contain NUL
    bytes, so the BOM is checked before the binary test); then ``binary`` (the NUL
    byte rule of git and Linguist, computed by the caller) means not text; then strict
    UTF-8, which nearly all source code is; only then charset-normalizer, which
    guesses legacy encodings (cp1252, Shift_JIS, ...) and says when bytes are no text
    in any encoding (we then call the content binary).
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(codec), canonical_encoding(codec))
            except UnicodeDecodeError:
                break  # a BOM-like prefix on bytes that are not that encoding
    if binary:
        return None
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        return None
    return DecodedText(str(best), canonical_encoding(best.encoding))


@dataclass(frozen=True, slots=True)
class LineStats:
    line_count: int
    max_line_length: int
    mean_line_length: float | None
    alnum_fraction: float | None
    whitespace_fraction: float | None


def _count_ascii(text: str, keep: bytes) -> int:
    """How many characters of an ASCII ``text`` are among ``keep``: bytes.translate
    deletes the others in C, ~50x faster than a Python loop over characters."""
    raw = text.encode("ascii")
    return len(raw) - len(raw.translate(None, keep))


def line_stats(text: str) -> LineStats:
    """BigCode's statistics of ``text`` (see the module docstring), plus the share of
    whitespace characters, which :mod:`app.facts.analyze` uses to tell minified code."""
    lengths = [len(line) for line in text.splitlines()]
    count = len(lengths)
    if not text:
        return LineStats(0, 0, None, None, None)
    if text.isascii():
        alnum = _count_ascii(text, _ASCII_ALNUM)
        space = _count_ascii(text, _ASCII_SPACE)
    else:
        alnum = sum(map(str.isalnum, text))
        space = sum(map(str.isspace, text))
    return LineStats(
        line_count=count,
        max_line_length=max(lengths, default=0),
        mean_line_length=sum(lengths) / count if count else None,
        alnum_fraction=alnum / len(text),
        whitespace_fraction=space / len(text),
    )
