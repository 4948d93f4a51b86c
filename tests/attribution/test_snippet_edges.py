"""Where a snippet is cut: the service's matcher (``service.match_snippet``) over an
in-memory index, no database."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import app.attribution.matching as matching_module
from app.attribution.indexing import file_fingerprints
from app.attribution.service import Lookup, match_snippet

SOURCE = Path(matching_module.__file__)


def lookup_over(*files: tuple[int, Path]) -> Lookup:
    index: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for content_id, path in files:
        for h, line in file_fingerprints(str(path), path.read_bytes())[1]:
            index[h].append((content_id, line))

    def lookup(hashes: list[int]) -> list[tuple[int, int, int]]:
        return [(h, c, line) for h in dict.fromkeys(hashes) for c, line in index.get(h, [])]

    return lookup


def test_a_snippet_starting_inside_a_docstring_is_found() -> None:
    """The snippet starts on the last lines of ``align``'s docstring: its closing
    quotes, read as an opening, made the code after them one string literal, and
    nothing matched."""
    lines = SOURCE.read_text().splitlines()
    close = next(i for i, line in enumerate(lines) if "the base of the similarity." in line)
    assert lines[close].rstrip().endswith('"""')
    start = close - 1  # 0-based: the docstring's last two lines, then its code
    snippet = "\n".join(lines[start : start + 14]) + "\n"
    assert snippet.count('"""') == 1
    _, _, found = match_snippet(snippet, "python", 5, lookup_over((3, SOURCE)))
    assert found
    assert found[0].content_id == 3
    best = found[0]
    assert best.coverage > 0.8
    # snippet line n is file line n + start, as without the cut
    assert all(r.file_start - r.snippet_start == start for r in best.ranges)


def test_a_snippet_ending_inside_a_docstring_keeps_its_plain_reading() -> None:
    """Cut at the end instead, the quotes are an opening: the plain reading is right
    and stays the one kept."""
    lines = SOURCE.read_text().splitlines()
    opening = next(i for i, line in enumerate(lines) if line.strip().startswith('"""One file'))
    snippet = "\n".join(lines[opening - 14 : opening + 1]) + "\n"
    _, _, found = match_snippet(snippet, "python", 5, lookup_over((3, SOURCE)))
    assert found
    assert found[0].content_id == 3
    assert all(r.file_start - r.snippet_start == opening - 14 for r in found[0].ranges)
