"""The attribution benchmark's labels: how long a snippet is, and when an answer
counts as right (by content, not by file id)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

import benchmarks.attribution as bench
from app.attribution.indexing import file_fingerprints
from app.attribution.service import Lookup, match_snippet
from benchmarks.attribution import Doc, _right, _starts, chunk_end, query_memory

FUNCTION = """\
def checksum(blob, seed=7):
    total = seed
    for position, byte in enumerate(blob):
        total = (total * 31 + byte + position) % 65521
    if total == 0:
        total = 1
    return total
"""
# the same shape after normalisation (names V, numbers N), other code
LOOKALIKE = FUNCTION.replace("checksum", "digest").replace("31", "17").replace("total", "acc")
# ... and one that starts and ends alike too
SAME_ENDS = FUNCTION.replace("31", "17").replace("65521", "4093").replace("= 1\n", "= 2\n")


def doc(id_: int, text: str, name: str = "m.py") -> Doc:
    path = Path(name)
    starts, code = _starts(path, text)
    return Doc(id_, path, text, text.splitlines(), starts, code)


def test_a_snippet_counts_lines_of_code_not_comments() -> None:
    """Type-1 drops comment lines: ten raw lines that were mostly comment had made
    a '10-line' snippet of one line of code."""
    text = "def f(x):\n" + "    # note\n" * 9 + "    return x + 1\n" + FUNCTION
    d = doc(1, text)
    end = chunk_end(d, 0, 3)
    assert end is not None
    chunk = d.lines[0:end]
    code = [line for line in chunk if line.strip() and not line.strip().startswith("#")]
    assert len(code) == 3
    assert chunk_end(d, 0, 3, raw=True) == 3


def test_a_copy_of_the_code_in_another_file_is_a_right_answer() -> None:
    source = doc(1, "import os\n\n\n" + FUNCTION)
    copy = doc(2, "x = 1\n" * 20 + FUNCTION.replace(", ", ","), "copy.py")  # reformatted
    docs = {1: source, 2: copy}
    # the snippet is source lines 4-10; the copy holds them at lines 21-27
    assert _right((2, [(21, 27)]), docs, source, 4, 10)
    assert _right((2, [(23, 25)]), docs, source, 4, 10)  # a part of the copy
    assert _right((1, [(4, 10)]), docs, source, 4, 10)


def test_an_answer_that_only_normalises_alike_is_wrong() -> None:
    source = doc(1, FUNCTION)
    other = doc(2, LOOKALIKE, "other.py")
    assert not _right((2, [(1, 7)]), {1: source, 2: other}, source, 1, 7)
    ends = doc(3, SAME_ENDS, "ends.py")
    assert not _right((3, [(1, 7)]), {1: source, 3: ends}, source, 1, 7)


def test_a_copy_elsewhere_does_not_excuse_other_lines() -> None:
    """The reported lines must be the copy's: the file holding a copy is not enough."""
    source = doc(1, FUNCTION)
    copy = doc(2, LOOKALIKE + "\n\n" + FUNCTION, "copy.py")
    docs = {1: source, 2: copy}
    assert not _right((2, [(1, 7)]), docs, source, 1, 7)  # the look-alike's lines
    assert _right((2, [(10, 16)]), docs, source, 1, 7)
    # the snippet's own file at other lines holding other code
    twice = doc(3, FUNCTION + "\n\n" + LOOKALIKE, "twice.py")
    assert not _right((3, [(10, 16)]), {3: twice}, twice, 1, 7)
    assert _right((3, [(1, 7)]), {3: twice}, twice, 1, 7)


def test_the_same_code_twice_in_one_file_is_right_at_either_place() -> None:
    twice = doc(1, FUNCTION + "\n\n" + FUNCTION)
    assert _right((1, [(10, 16)]), {1: twice}, twice, 1, 7)


def test_the_benchmark_queries_as_the_service_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark asks the service's matcher: it had its own copy of the lexer
    loop, which the service's fixes (a snippet cut inside a docstring) did not reach."""
    text = "import os\n\n\n" + FUNCTION
    source = doc(1, text)
    index: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for h, line in file_fingerprints("m.py", text.encode())[1]:
        index[h].append((1, line))
    calls: list[str] = []

    def spy(snippet: str, language: str | None, limit: int, lookup: Lookup) -> Any:
        calls.append(snippet)
        return match_snippet(snippet, language, limit, lookup)

    monkeypatch.setattr(bench, "match_snippet", spy)
    snippet = "\n".join(source.lines[3:]) + "\n"
    answer = query_memory(index, snippet)
    assert calls == [snippet]
    assert answer is not None
    assert _right(answer, {1: source}, source, 4, 10)
