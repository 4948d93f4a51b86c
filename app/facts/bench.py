"""Benchmark: each content-facts stage, timed separately, on real source files.

    python -m app.facts.bench [--min-files N] [--check N] [DIRECTORY ...]

Reads every .py, .c and .js file under DIRECTORY (default: this interpreter's
site-packages, then its standard library and the system's dist-packages) into
memory first, so disk reads are not timed. When there are fewer than
``--min-files`` (default 20000) the list is cycled until that many are processed
(no stage caches anything between calls, so a repeat costs what the first did; the
number of distinct files is printed). Then it times, each over all files:

* the floor: UTF-8 decode + ``splitlines`` (the least any text analysis does);
* ``analyze_content``: language, vendored/generated, encoding, line statistics;
* emails and IPs (:func:`app.facts.pii.find_pii`);
* secrets, gated (:func:`app.facts.secret_scan.scan_secrets`, the default);
* ``minhash_signature``;

printing files/s and MB/s for each and its cost relative to the floor, so the
slowest stage is plain. ``--check N`` also runs detect-secrets ungated (every
plugin on every line) over the first N text files and reports its speed and any
file where the gated result differs (there should be none).
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import cycle, islice
from pathlib import Path

from app.neardups.minhash import minhash_signature

from .analyze import analyze_content
from .pii import find_pii
from .secret_scan import scan_secrets

EXTENSIONS = (".py", ".c", ".js")
MODE_FILE = 0o100644


@dataclass(frozen=True, slots=True)
class Sample:
    path: bytes
    data: bytes
    text: str | None = None


def default_roots() -> list[Path]:
    paths = sysconfig.get_paths()
    roots = [Path(paths["purelib"]), Path(paths["stdlib"]), Path("/usr/lib/python3/dist-packages")]
    return [root for root in dict.fromkeys(roots) if root.is_dir()]


def collect(roots: Sequence[Path]) -> list[Sample]:
    samples = []
    seen: set[Path] = set()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix not in EXTENSIONS or path.is_symlink() or not path.is_file():
                continue
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            samples.append(Sample(bytes(path.relative_to(root)), path.read_bytes()))
    return samples


def _timed(label: str, items: Sequence[Sample], func: Callable[[Sample], object]) -> float:
    size = sum(len(s.data) for s in items)
    start = time.perf_counter()
    for item in items:
        func(item)
    elapsed = time.perf_counter() - start
    rate = len(items) / elapsed if elapsed else float("inf")
    print(f"{label:<40} {elapsed:8.2f} s {rate:10.0f} files/s {size / elapsed / 1e6:8.2f} MB/s")
    return elapsed


def _floor(sample: Sample) -> int:
    return len(sample.data.decode("utf-8", errors="replace").splitlines())


def _check(texts: Sequence[Sample]) -> None:
    """detect-secrets ungated (every plugin, every line) against the gated default."""
    names = [s.path.decode("utf-8", errors="replace") for s in texts]
    bodies = [s.text or "" for s in texts]
    start = time.perf_counter()
    ungated = [scan_secrets(n, t, gated=False) for n, t in zip(names, bodies, strict=True)]
    middle = time.perf_counter()
    gated = [scan_secrets(n, t) for n, t in zip(names, bodies, strict=True)]
    end = time.perf_counter()
    differ = [n for n, a, b in zip(names, ungated, gated, strict=True) if a != b]
    for name in differ:
        print(f"  gated result differs: {name}")
    print(
        f"check on {len(texts)} files: ungated {len(texts) / (middle - start):.0f} files/s, "
        f"gated {len(texts) / (end - middle):.0f} files/s; {len(differ)} files differ"
    )


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.facts.bench")
    parser.add_argument("roots", nargs="*", type=Path)
    parser.add_argument("--min-files", type=int, default=20000)
    parser.add_argument("--check", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)

    roots = args.roots or default_roots()
    distinct = collect(roots)
    if not distinct:
        raise SystemExit("no .py/.c/.js files found")
    total = max(args.min_files, len(distinct))
    items = list(islice(cycle(distinct), total))
    size = sum(len(s.data) for s in items)
    print(f"roots: {', '.join(map(str, roots))}")
    print(f"{len(distinct)} distinct files, {total} processed, {size / 1e6:.1f} MB")

    floor = _timed("floor: utf-8 decode + splitlines", items, _floor)
    texts: list[Sample] = []

    def analyze(sample: Sample) -> None:
        analysis = analyze_content(sample.path, sample.data, len(sample.data), MODE_FILE)
        if analysis.text is not None:
            texts.append(Sample(sample.path, sample.data, analysis.text))

    def pii(sample: Sample) -> None:
        assert sample.text is not None
        find_pii(sample.text)

    def secrets(sample: Sample) -> None:
        assert sample.text is not None
        scan_secrets(sample.path.decode("utf-8", errors="replace"), sample.text)

    def minhash(sample: Sample) -> None:
        assert sample.text is not None
        minhash_signature(sample.text)

    stages = [("analyze_content (language, stats...)", items, analyze)]
    timings = {}
    for label, stage_items, func in stages:
        timings[label] = _timed(label, stage_items, func)
    print(f"  ({len(texts)} of them text)")
    for label, func in (
        ("emails + IPs (find_pii)", pii),
        ("secrets (detect-secrets, gated)", secrets),
        ("minhash_signature (5-grams, 256 perms)", minhash),
    ):
        timings[label] = _timed(label, texts, func)
    print("cost relative to the floor:")
    for label, elapsed in timings.items():
        print(f"  {label:<40} {elapsed / floor:8.1f}x")
    slowest = max(timings, key=lambda k: timings[k])
    all_stages = sum(timings.values())
    print(f"all stages: {len(items) / all_stages:.0f} files/s; slowest stage: {slowest}")
    if args.check:
        _check(texts[: args.check])


if __name__ == "__main__":
    main(sys.argv[1:])
