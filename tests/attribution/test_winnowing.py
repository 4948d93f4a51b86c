"""The pure core: tokens, k-grams, winnowing, and what survives a copy-and-adapt."""

from __future__ import annotations

import random

from app.attribution.tokens import lexer_for, lexer_name, tokenize
from app.attribution.winnowing import (
    GUARANTEE,
    K,
    W,
    fingerprint_text,
    fingerprints,
    kgram_hashes,
    to_signed,
    winnow,
)

ORIGINAL = '''\
import math


def distance(point_a, point_b):
    """Euclidean distance between two points."""
    # squared differences first
    dx = point_a[0] - point_b[0]
    dy = point_a[1] - point_b[1]
    return math.sqrt(dx * dx + dy * dy)


def nearest(points, target, limit=10):
    best = None
    best_distance = float("inf")
    for index, point in enumerate(points[:limit]):
        d = distance(point, target)
        if d < best_distance:
            best, best_distance = index, d
    return best, best_distance


class Grid:
    def __init__(self, width, height):
        self.width = width
        self.height = height
        self.cells = [[0] * width for _ in range(height)]

    def neighbours(self, x, y):
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                if (dx or dy) and 0 <= x + dx < self.width and 0 <= y + dy < self.height:
                    yield x + dx, y + dy
'''

# The same code reformatted: other indentation and line breaks, comments and
# docstrings gone or changed, blank lines moved.
REFORMATTED = '''\
import math
def distance(point_a,
             point_b):
    dx = point_a[0] - point_b[0]   # x
    dy = point_a[1] - point_b[1]   # y
    return math.sqrt(dx*dx + dy*dy)
def nearest(points, target, limit=10):
    """Closest point."""
    best = None
    best_distance = float(   "inf" )
    for index, point in enumerate(points[:limit]):
        d = distance(point,
                     target)
        if d < best_distance:
            best, best_distance = index, d
    return best, best_distance
class Grid:
    def __init__(self, width, height):
        self.width = width
        self.height = height
        self.cells = [[0] * width for _ in range(height)]
    def neighbours(self, x, y):
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                if (dx or dy) and 0 <= x + dx < self.width and 0 <= y + dy < self.height:
                    yield x + dx, y + dy
'''


def rename(text: str) -> str:
    """Type-2: every identifier and literal changed."""
    swaps = {
        "distance": "dist2",
        "point_a": "p",
        "point_b": "q",
        "dx": "delta_x",
        "dy": "delta_y",
        "nearest": "closest",
        "points": "pts",
        "target": "goal",
        "limit": "n",
        "best_distance": "bd",
        "best": "winner",
        "index": "i",
        "point": "pt",
        "Grid": "Board",
        "width": "w",
        "height": "h",
        "cells": "squares",
        "neighbours": "adjacent",
        '"inf"': "'infinity'",
        "10": "25",
    }
    import re

    pattern = re.compile("|".join(re.escape(k) for k in sorted(swaps, key=len, reverse=True)))
    return pattern.sub(lambda m: swaps[m.group()], text)


def hashes_of(text: str) -> set[int]:
    return {f.hash for f in fingerprint_text(text, language="python")}


def test_threshold_is_window_plus_k_minus_one() -> None:
    assert GUARANTEE == W + K - 1 == 22


def test_normalisation_drops_layout_comments_and_names() -> None:
    tokens = tokenize("x = foo(1, \"a\" 'b')  # note\n", lexer_for("python"))
    assert [t.text for t in tokens] == ["V", "=", "V", "(", "N", ",", "S", ")"]
    assert {t.line for t in tokens} == {1}


def test_tokens_keep_their_lines() -> None:
    tokens = tokenize("a = 1\n\n\n# c\nb = '''x\ny'''\nc = 2\n", lexer_for("python"))
    assert [(t.text, t.line) for t in tokens] == [
        ("V", 1), ("=", 1), ("N", 1), ("V", 5), ("=", 5), ("S", 5), ("V", 7), ("=", 7), ("N", 7),
    ]  # fmt: skip


def test_reformatting_keeps_the_fingerprints() -> None:
    original = hashes_of(ORIGINAL)
    assert len(original) > 5
    assert hashes_of(REFORMATTED) == original


def test_renaming_identifiers_and_literals_keeps_the_fingerprints() -> None:
    assert hashes_of(rename(ORIGINAL)) == hashes_of(ORIGINAL)


def test_a_structural_change_changes_fingerprints() -> None:
    changed = ORIGINAL.replace("for dy in (-1, 0, 1):", "while dy:")
    assert hashes_of(changed) != hashes_of(ORIGINAL)


def test_fingerprints_carry_the_lines_they_span() -> None:
    fps = fingerprint_text(ORIGINAL, language="python")
    lines = ORIGINAL.splitlines()
    for fp in fps:
        assert 1 <= fp.line <= fp.end_line <= len(lines)
        assert lines[fp.line - 1].strip()  # a k-gram starts on a line with code


def test_winnowing_guarantee() -> None:
    """Any run of GUARANTEE tokens shared by two token streams gives a common
    fingerprint, whatever surrounds it (the property the threshold names)."""
    rng = random.Random(7)
    vocabulary = [str(i) for i in range(40)]
    from app.attribution.tokens import Token

    for _ in range(200):
        shared = [rng.choice(vocabulary) for _ in range(GUARANTEE)]
        a = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 60))] + shared
        a += [rng.choice(vocabulary) for _ in range(rng.randrange(0, 60))]
        b = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 60))] + shared
        fa = {f.hash for f in fingerprints([Token(t, 1) for t in a])}
        fb = {f.hash for f in fingerprints([Token(t, 1) for t in b])}
        assert fa & fb


def test_winnow_selects_window_minima_once() -> None:
    hashes = [5, 3, 8, 3, 9, 1, 7, 7, 7, 2]
    chosen = winnow(hashes, 4)
    assert chosen == sorted(set(chosen))
    for start in range(len(hashes) - 3):
        window = range(start, start + 4)
        assert any(i in chosen and hashes[i] == min(hashes[j] for j in window) for i in window)
    assert winnow([], 4) == []
    assert winnow([4, 2, 2], 4) == [1]


def test_hashes_are_signed_64_bit_and_stable() -> None:
    assert to_signed(2**64 - 1) == -1
    assert to_signed(5) == 5
    from app.attribution.tokens import Token

    tokens = [Token(str(i), 1) for i in range(K + 2)]
    hashes = kgram_hashes(tokens)
    assert len(hashes) == 3
    assert all(-(2**63) <= h < 2**63 for h in hashes)
    assert hashes == kgram_hashes(tokens)  # no per-process salt


def test_language_from_path_or_guess() -> None:
    assert lexer_name(lexer_for(None, "src/main.rs")) == "rust"
    assert lexer_name(lexer_for("Python")) == "python"
    assert lexer_name(lexer_for("no such language", "a.go")) == "go"
    # unknown: plain words still fingerprint
    text = " ".join(f"word{i % 50} then{i % 7}" for i in range(100))
    plain = lexer_for(None, "notes.unknownext")
    assert lexer_name(plain) == "text"
    assert fingerprints(tokenize(text, plain))


def test_short_text_has_at_most_one_fingerprint() -> None:
    assert len(fingerprint_text("x = 1\n", language="python")) == 0
    assert len(fingerprint_text("x = foo(a, b, c, d, e, f)\n", language="python")) == 1


def test_tables_are_never_fingerprinted() -> None:
    """After normalisation every table looks alike: rows repeating with a short period
    ("V ( S , N )" over and over) or of too few distinct tokens give no fingerprint."""
    table = "".join(f"def_op('OP_{i}', {i})\n" for i in range(60))
    assert fingerprint_text(table, language="python") == []
    mapping = "M = {\n" + "".join(f"    'k{i}': 'v{i}',\n" for i in range(60)) + "}\n"
    # only where the table meets other code (its first and last lines)
    assert all(
        f.line <= 5 or f.end_line >= 58 for f in fingerprint_text(mapping, language="python")
    )
    assert fingerprint_text(ORIGINAL, language="python")
