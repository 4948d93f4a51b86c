"""Finding the few lines worth a slow look, fast.

Secret and PII detectors are regexes applied line by line, and most lines of code
hold nothing for them. The cheap way to skip those lines is to search the whole text
once for something every finding must contain (a literal with ``str.find``, or a
regex that starts with a literal, which CPython's ``re`` scans for at C speed) and
hand only the lines it touched to the exact detector. Line numbers count ``\\n``
from 1, as git and editors do.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import cached_property
from itertools import accumulate

#: Non-ASCII letters ``re.IGNORECASE`` equates with ASCII ones (Python docs, ``re``).
_RE_FOLDS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


class LineIndex:
    """A text with its ``\\n``-separated lines and offset -> line lookups."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._literal_lines: dict[tuple[str, bool], set[int]] = {}

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def starts(self) -> list[int]:
        """Offset of each line's first character (each line is followed by a ``\\n``
        but the last): cumulative lengths, summed in C."""
        return list(accumulate(map((1).__add__, map(len, self.lines[:-1])), initial=0))

    @cached_property
    def lowered(self) -> str | None:
        """The text case-folded as ``re.IGNORECASE`` compares ASCII letters, when that
        keeps every offset; else None (callers then fall back to a regex).

        Searching a lowercase ASCII literal in it is then exactly a case-insensitive
        search in the text. Besides ``str.lower``, ``re`` equates four non-ASCII
        letters with ASCII ones (U+0130 and U+0131 with i, U+017F with s, the Kelvin
        sign with k),
        which are mapped first; a text whose lowercase changes length (rare
        ligatures) gets None.
        """
        if self.text.isascii():
            return self.text.lower()
        folded = self.text.translate(_RE_FOLDS).lower()
        return folded if len(folded) == len(self.text) else None

    def index_of(self, offset: int) -> int:
        """0-based index of the line holding ``offset``."""
        return bisect_right(self.starts, offset) - 1

    def _span(self, start: int, end: int) -> range:
        return range(self.index_of(start), self.index_of(max(end - 1, start)) + 1)

    def containing(self, literals: Iterable[str], *, lowered: bool = False) -> set[int]:
        """Indexes of lines containing any of ``literals`` (single-line strings), in
        :attr:`lowered` if asked (the literals must then be lowercase)."""
        found: set[int] = set()
        for literal in literals:
            found |= self._containing(literal, lowered)
        return found

    def _containing(self, literal: str, lowered: bool) -> set[int]:
        key = (literal, lowered)
        if key not in self._literal_lines:
            self._literal_lines[key] = self._search(literal, lowered)
        return self._literal_lines[key]

    def _search(self, literal: str, lowered: bool) -> set[int]:
        haystack = self.lowered if lowered else self.text
        if haystack is None:
            raise ValueError("no case-folded text to search")
        if "\n" in literal:
            raise ValueError("literals are searched line by line")
        starts = self.starts
        found: set[int] = set()
        position = haystack.find(literal)
        while position != -1:
            line = bisect_right(starts, position) - 1
            found.add(line)
            # the rest of this line cannot add anything: resume at the next one
            following = starts[line + 1] if line + 1 < len(starts) else len(haystack)
            position = haystack.find(literal, following)
        return found

    def matching(self, patterns: Iterable[re.Pattern[str]]) -> set[int]:
        """Indexes of lines touched by any match of ``patterns`` over the whole text."""
        found: set[int] = set()
        for pattern in patterns:
            for match in pattern.finditer(self.text):
                found.update(self._span(match.start(), match.end()))
        return found
