"""The compiled fingerprinter gives exactly what the regex/numpy reference gives.

The index stores what :mod:`app.attribution.scanner` computes; the normalisation is
specified by the reference (``Family.lex``, ``winnowing.reference_fingerprint_arrays``)
and by the tests of both. Any difference would silently split the index between
fingerprints of two kinds, so every family is compared on real files (this machine's
standard library, the demo corpus, numpy's C headers, this repository) and on random
text made of the pieces where lexers go wrong (quotes, escapes, comment markers,
unterminated literals, string prefixes, Unicode blanks, the placeholder bytes).
"""

from __future__ import annotations

import random
import sys
import time
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from app.attribution import scanner
from app.attribution.fastlex import FAMILIES, Family
from app.attribution.indexing import VERSION
from app.attribution.tokens import lexer_for, token_arrays
from app.attribution.winnowing import K, W, fingerprint_arrays, reference_fingerprint_arrays

ROOT = Path(__file__).resolve().parents[2]
CODE = {f.name: f for f in FAMILIES.values() if not f.words_only}
BY_SUFFIX = {".py": "python", ".js": "javascript", ".h": "c", ".c": "c", ".toml": "toml"}
BY_SUFFIX |= {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".sh": "bash"}


@cache
def real_files() -> list[tuple[str, str]]:
    """(family, text) of a few hundred real files of several languages."""
    stdlib = Path(sys.modules["os"].__file__ or "").parent
    paths = sorted(stdlib.glob("*.py"))[::2] + sorted((ROOT / "app").rglob("*.py"))[::4]
    paths += sorted((ROOT / "app" / "demo" / "corpus").rglob("*.*"))
    paths += sorted(Path(np.get_include()).rglob("*.h"))
    for suffix in (".yaml", ".toml", ".json", ".sh"):
        paths += sorted(p for p in ROOT.rglob(f"*{suffix}") if ".venv" not in p.parts)[:20]
    files = []
    for path in paths:
        name = BY_SUFFIX.get(path.suffix)
        if name is None or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        files.append((name, text.replace("\r\n", "\n").replace("\r", "\n")))
    return files


def same(a: tuple[NDArray[np.generic], ...], b: tuple[NDArray[np.generic], ...]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_real_files_cover_several_languages() -> None:
    kinds = {name for name, _ in real_files()}
    assert {"python", "javascript", "c", "toml", "yaml", "json"} <= kinds
    assert len(real_files()) > 200


def test_real_files_tokenise_and_fingerprint_as_the_reference() -> None:
    """Each file in its own language: token ids and lines, then the fingerprints."""
    fingerprinted = 0
    for name, text in real_files():
        family = CODE[name]
        reference = family.lex(text)
        fast = family.scan(text)
        assert same(fast, reference), (name, text[:200])
        expected = reference_fingerprint_arrays(*reference)
        assert same(fingerprint_arrays(*fast), expected), (name, text[:200])
        fingerprinted += len(expected[0])
    assert fingerprinted > 50_000


@pytest.mark.parametrize("name", sorted(CODE))
def test_every_family_on_real_files_of_any_language(name: str) -> None:
    """The scanner must agree whatever it is given (a mislabelled file, a query in
    another language): every family over a sample of all the files."""
    family = CODE[name]
    for _, text in real_files()[::8]:
        assert same(family.scan(text), family.lex(text)), text[:200]


PIECES = [
    *('"', "'", "`", "\\", "\\\\", '\\"', "#", "//", "/*", "*/", "*", "**", "/", ";"),
    *("--", "--[[", "]]", '@"', '""', '"""', "'''", "\n", " ", "\t", "\f", "\v"),
    *("r", "b", "rb", "f", "L", "u8", "R", "x", "_", "a" * 17, "é", "ß" * 9),
    *("if", "def", "return", "null", "true", "nonlocal", "continue", "typename"),
    *("12", "0x1F", ".5", "1e-3", "$", "{", "}", "(", ")", ",", "=", "->", "<=>"),
    *("\u00a0", "\u3000", "\u2028", "\u1680", "\x85", "\x1c", "\x02", "\x03", "\x00"),
    *("\U0001f600", "\ud800"),  # a lone surrogate: queries are str, not always UTF-8
]


@settings(max_examples=250, deadline=None, derandomize=True)
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=60))
def test_random_text_tokenises_as_the_reference(pieces: list[str]) -> None:
    text = "".join(pieces)
    for family in CODE.values():
        assert same(family.scan(text), family.lex(text)), (family.name, text)


@pytest.mark.parametrize("seed", range(2))
def test_random_text_in_bulk(seed: int) -> None:
    """Many more texts than hypothesis tries, for the rare combinations (an
    unterminated C# verbatim string ending in "", a docstring after a Unicode blank)."""
    rng = random.Random(seed)
    for _ in range(1000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(60)))
        for family in CODE.values():
            assert same(family.scan(text), family.lex(text)), (family.name, text)


def random_stream(rng: random.Random) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Tokens from a small vocabulary (table rows, periods, repeated k-grams and ties
    in winnowing are frequent), of any length around K and W."""
    vocabulary = rng.randrange(1, 12)
    size = rng.choice([rng.randrange(K + W + 2), rng.randrange(400)])
    ids = np.array([rng.randrange(vocabulary) for _ in range(size)], dtype=np.uint64)
    ids *= np.uint64(0x9E3779B97F4A7C15)
    return ids, np.sort(np.array([rng.randrange(1, 50) for _ in range(size)], dtype=np.int64))


def test_random_token_streams_fingerprint_as_the_reference() -> None:
    rng = random.Random(3)
    skipped = 0
    for _ in range(3000):
        ids, lines = random_stream(rng)
        assert same(fingerprint_arrays(ids, lines), reference_fingerprint_arrays(ids, lines))
        for k, w in ((5, 4), (15, 16)):
            assert same(
                fingerprint_arrays(ids, lines, k, w), reference_fingerprint_arrays(ids, lines, k, w)
            )
        skipped += int(np.count_nonzero(scanner.kgrams(ids, K, 4, 8) == (1 << 63) - 1))
    assert skipped > 1000  # the table-row prefilter was exercised


def test_the_table_prefilter_misses_no_table_row() -> None:
    """Without the bitmask prefilter (each gram looked at) the same rows are tables."""
    rng = random.Random(5)
    for _ in range(500):
        ids, _ = random_stream(rng)
        filtered = scanner._tabular(ids, K, 4, 8) if len(ids) >= K else np.zeros(0, bool)
        every = [scanner._tabular_at(ids, i, K, 4, 8) for i in range(len(ids) - K + 1)]
        assert filtered.tolist() == every


def test_the_fast_path_is_what_the_index_uses() -> None:
    """token_arrays goes through the compiled scanner for a regex family, and the
    fingerprints did not change (no version bump, no backfill)."""
    code = real_files()[0][1]
    lexer = lexer_for("python")
    assert same(token_arrays(code, lexer), CODE["python"].lex(code))
    assert VERSION == "tokens@2+k15w8"


def test_families_declare_the_syntax_their_regexes_hold() -> None:
    """A family added without scanner flags would find no literal or comment."""
    for family in CODE.values():
        assert isinstance(family, Family)
        assert family.syntax, family.name


# Texts where every opener of a literal or comment fails after scanning the rest of
# the line or text (escaped quotes, unclosed "/*"), or every docstring looks back over
# one long line: a scan that rescans per opener is quadratic (64 KB of "/* " took
# 0.7 s, 256 KB 10 s; a 1 MB file in the archive, minutes of a worker).
HOSTILE = {
    "unclosed block comments": ("c", lambda n: "/* " * (n // 3) + "*"),
    "escaped double quotes": ("c", lambda n: '"\\' * (n // 2)),
    "escaped single quotes": ("python", lambda n: "'\\" * (n // 2)),
    "escaped backticks": ("javascript", lambda n: "\\`" * (n // 2)),
    "one line of docstrings": ("python", lambda n: "x=" + "'''a'''+" * (n // 9)),
    "only double quotes": ("python", lambda n: '"' * n),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_text_scans_in_linear_time(case: str) -> None:
    name, make = HOSTILE[case]
    family = CODE[name]
    small = make(3000)
    assert same(family.scan(small), family.lex(small))
    text = make(256 * 1024)
    started = time.perf_counter()
    family.scan(text)
    took = time.perf_counter() - started
    # linear: about 5 ms (as much ordinary code); quadratic: 2 to 10 s
    assert took < 0.5, f"{case}: {took:.2f} s for 256 KB"
