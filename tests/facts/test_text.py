"""Line statistics are BigCode's, to the digit, on ASCII and non-ASCII text alike."""

from __future__ import annotations

import pytest

from app.facts.lines import LineIndex
from app.facts.text import decode, line_stats

from .conftest import sample


def bigcode_stats(content: str) -> tuple[int, float, float]:
    """``add_stats`` from bigcode-dataset's preprocessing/filtering.py, without numpy."""
    line_lengths = [len(line) for line in content.splitlines()]
    alpha_frac = sum(c.isalnum() for c in content) / len(content)
    return max(line_lengths), sum(line_lengths) / len(line_lengths), alpha_frac


@pytest.mark.parametrize(
    "content",
    [
        sample("attr_version_info.py").decode(),
        sample("underscore.min.js").decode(),
        "déjà vu\r\nnaïve café\n\n  ünïcödé ✓ 中文字符\u2028next",
        "no newline at end",
        "\n\n\n",
        "tabs\tand\x0bvertical\x0cfeeds\n",
    ],
)
def test_line_stats_equal_bigcode_definitions(content: str) -> None:
    stats = line_stats(content)
    longest, mean, alnum = bigcode_stats(content)
    assert stats.line_count == len(content.splitlines())
    assert stats.max_line_length == longest
    assert stats.mean_line_length == pytest.approx(mean)
    assert stats.alnum_fraction == pytest.approx(alnum)


def test_decode_prefers_utf8_and_reports_binary() -> None:
    decoded = decode("café\n".encode(), binary=False)
    assert decoded is not None
    assert (decoded.text, decoded.encoding) == ("café\n", "utf-8")
    assert decode(b"\x00\x01\x02", binary=True) is None


def test_line_index_offsets_and_case_folding() -> None:
    long_s = "\u017f"
    index = LineIndex(f"ab\nKEY=1\n\n{long_s}ecret")
    assert index.starts == [0, 3, 9, 10]
    assert [index.index_of(i) for i in (0, 2, 3, 8, 9, 10)] == [0, 0, 1, 1, 2, 3]
    assert index.containing(["key"], lowered=True) == {1}
    # re.IGNORECASE equates the long s with s: so does the folded text
    assert index.containing(["secret"], lowered=True) == {3}
