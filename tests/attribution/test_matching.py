"""Aligning postings into line ranges, coverage and thresholds (pure)."""

from __future__ import annotations

from pathlib import Path

import app.attribution.matching as matching_module
from app.attribution.matching import LineRange, rank, realign
from app.attribution.tokens import lexer_for, tokenize
from app.attribution.winnowing import Fingerprint, fingerprints

SOURCE = Path(matching_module.__file__).read_text()


def query(text: str) -> tuple[list[Fingerprint], list[int]]:
    tokens = tokenize(text, lexer_for("python"))
    return fingerprints(tokens), [t.line for t in tokens]


def index(text: str, content_id: int) -> list[tuple[int, int, int]]:
    fps, _ = query(text)
    return [(f.hash, content_id, f.line) for f in fps]


def test_a_snippet_maps_to_its_lines_in_the_file() -> None:
    lines = SOURCE.splitlines()
    start, end = 60, 100  # 1-based, inclusive
    snippet = "\n".join(lines[start - 1 : end]) + "\n"
    fps, token_lines = query(snippet)
    postings = index(SOURCE, 7) + index("x = 1\n", 8)
    [match] = rank(fps, token_lines, postings, limit=5)
    assert match.content_id == 7
    assert match.coverage > 0.9
    first, last = match.ranges[0], match.ranges[-1]
    # snippet line n is file line n + start - 1, at both ends
    assert first.file_start - first.snippet_start == start - 1
    assert last.file_end - last.snippet_end == start - 1
    # from the snippet's first line of code to its last (this module's own lines:
    # where they hold only comments, no token can be matched)
    assert first.snippet_start == min(token_lines)
    assert last.snippet_end == max(token_lines)


def test_inserted_lines_keep_one_range_with_a_drift() -> None:
    lines = SOURCE.splitlines()
    snippet_lines = lines[59:100]
    snippet_lines[20:20] = ["    inserted = compute(1, 2, 3)", "    inserted += 1"]
    fps, token_lines = query("\n".join(snippet_lines) + "\n")
    [match] = rank(fps, token_lines, index(SOURCE, 1), limit=5)
    assert match.coverage > 0.8
    assert match.ranges[-1].file_end - match.ranges[-1].snippet_end == 59 - 2


def test_unrelated_code_does_not_match() -> None:
    other = "\n".join(
        f"def handler_{i}(request):\n    return {{'status': {i}, 'items': [1, 2, 3]}}\n"
        for i in range(10)
    )
    fps, token_lines = query(other)
    assert rank(fps, token_lines, index(SOURCE, 1), limit=5) == []


def test_a_few_shared_fingerprints_in_a_long_snippet_identify_nothing() -> None:
    """Coverage alone lets two fingerprints of a generic stretch stand for a long
    snippet (their range spans its lines); the similarity floor does not."""
    lines = SOURCE.splitlines()
    snippet = "\n".join(lines[59:100]) + "\n"
    fps, token_lines = query(snippet)
    # the file shares two, ten lines apart: one range over a quarter of the snippet
    first = fps[0]
    second = next(
        f for f in fps if first.line + 10 <= f.line <= first.end_line + matching_module.GAP
    )
    spread = [first, second]
    postings = [(f.hash, 3, f.line) for f in spread]
    assert len(fps) > 2 / matching_module.MIN_SIMILARITY
    assert rank(fps, token_lines, postings, limit=5) == []
    # the same two and the same coverage are enough when they are most of the snippet
    [match] = rank(fps, token_lines, postings, limit=5, expected=len(spread))
    assert match.coverage >= matching_module.MIN_COVERAGE


# Periodic code: every block normalises alike (``case S : return V * V ;``).
PERIODIC = [
    line
    for unit in ("w", "d", "h", "m", "s", "ms", "us", "ns")
    for line in (f"    case '{unit}':", f"      return n * {unit};")
]


def test_periodic_code_is_realigned_on_the_file_text() -> None:
    snippet = PERIODIC[6:12]  # 'm', 's', 'ms': file lines 7-12
    wrong = LineRange(1, 6, 3, 8)  # one period early, as the fingerprints may say
    [moved] = realign([wrong], snippet, PERIODIC)
    assert (moved.file_start, moved.file_end) == (7, 12)
    assert (moved.snippet_start, moved.snippet_end) == (1, 6)


def test_realign_keeps_the_offset_when_the_text_does_not_say_better() -> None:
    # A renamed copy (type-2): no line agrees verbatim anywhere, nothing moves.
    snippet = [line.replace("n *", "count *") for line in PERIODIC[6:12]]
    right = LineRange(1, 6, 7, 12)
    assert realign([right], snippet, PERIODIC) == [right]
    # Reindented but verbatim otherwise: agreement ignores whitespace, stays put.
    exact = [line.strip() for line in PERIODIC[6:12]]
    assert realign([right], exact, PERIODIC) == [right]
