"""Benchmark: scanning speed against the physical limit of reading git objects.

    python -m app.scans.reading.bench [DIRECTORY]

Commits DIRECTORY (default: this interpreter's site-packages) into a temporary git
repository, then times a raw ``git cat-file --batch-all-objects --batch`` (every
object decompressed and written once: the floor for any git reader; also read
through a pipe by Python, the floor for a Python reader) against a full
scan (HEAD tree: every directory and file, with sha1 and sha256 of each blob), and,
for comparison, the directory walker on the same tree. Prints the ratios.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from .gitcli import git_env
from .records import FileEntry
from .source import SourceKind, scan_source


def _git(*args: str, cwd: Path) -> None:
    env = {
        **git_env(),
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.org",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.org",
    }
    proc = subprocess.run(
        ["git", "-c", "gc.auto=0", *args], cwd=cwd, env=env, capture_output=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"git {args[0]} failed: {proc.stderr.decode(errors='replace')}")


def _timed(label: str, func: object) -> float:
    assert callable(func)
    start = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed:8.3f} s  {result}")
    return elapsed


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else Path(sysconfig.get_paths()["purelib"])
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        _git("init", "-q", cwd=repo)
        _git(f"--work-tree={source}", "add", "-A", ".", cwd=repo)
        _git(f"--work-tree={source}", "commit", "-q", "-m", "bench", cwd=repo)
        _git("gc", "-q", cwd=repo)  # packed, as a clone would be

        def raw() -> str:
            proc = subprocess.run(
                [
                    "git",
                    "--git-dir",
                    str(repo / ".git"),
                    "cat-file",
                    "--batch-all-objects",
                    "--batch",
                ],
                stdout=subprocess.DEVNULL,
                env=git_env(),
                check=True,
            )
            return f"exit {proc.returncode}"

        def scan_git() -> str:
            files = dirs = size = 0
            with scan_source(repo, max_file_size=10 * 1024 * 1024) as scan:
                for item in scan.iter_tree():
                    if isinstance(item, FileEntry):
                        files += 1
                        size += item.length
                    else:
                        dirs += 1
            return f"{files} files, {dirs} dirs, {size / 1e6:.1f} MB"

        def scan_dir() -> str:
            with scan_source(source, kind=SourceKind.DIRECTORY) as scan:
                count = sum(1 for _ in scan.iter_files())
            return f"{count} files"

        def raw_piped() -> str:
            proc = subprocess.Popen(
                [
                    "git",
                    "--git-dir",
                    str(repo / ".git"),
                    "cat-file",
                    "--batch-all-objects",
                    "--batch",
                ],
                stdout=subprocess.PIPE,
                env=git_env(),
            )
            assert proc.stdout is not None
            total = 0
            while chunk := proc.stdout.read(1 << 20):
                total += len(chunk)
            proc.wait()
            return f"{total / 1e6:.1f} MB read by Python"

        print(f"source: {source}")
        floor = _timed("raw git cat-file --batch-all-objects", raw)
        piped = _timed("  same, read from a pipe by Python", raw_piped)
        git_time = _timed("scan_source(git repo).iter_tree()", scan_git)
        dir_time = _timed("scan_source(directory).iter_files()", scan_dir)
        print(f"git scan / raw object read: {git_time / floor:.2f}x")
        print(f"git scan / raw object read through a pipe: {git_time / piped:.2f}x")
        print(f"directory scan / raw object read: {dir_time / floor:.2f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
