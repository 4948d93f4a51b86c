"""Full scan pipeline: files per second, the ratio to the physical limit of reading
and hashing the same blobs with ``git cat-file --batch``, and time per stage.

    python -m benchmarks.scan [DIRECTORY] [--limit-files N]

DIRECTORY (default: this interpreter's site-packages, a real corpus of tens of
thousands of files) is committed into a temporary git repository; the scan reads it
like any repository, writes the archive rows into a throwaway database (DATABASE_URL
or an embedded server) and runs every analyzer on each new content.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sysconfig
import tempfile
import threading
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from app.scans.service import run_scan
from benchmarks.common import Timer, scratch_database

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
    "HOME": tempfile.gettempdir(),
}


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-c", "gc.auto=0", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True
    ).stdout


def raw_read_and_hash(repo: Path) -> tuple[int, float]:
    """The limit: every blob of HEAD's tree through one `git cat-file --batch`, hashed
    with sha1 and sha256 (what any scanner must at least do)."""
    listing = git(repo, "ls-tree", "-r", "--object-only", "HEAD").split()
    blobs = b"\n".join(dict.fromkeys(listing)) + b"\n"
    with Timer() as timer:
        proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=repo,
            env=GIT_ENV,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        if proc.stdin is None or proc.stdout is None:
            raise RuntimeError("git cat-file pipes are not open")
        stdin = proc.stdin

        def feed() -> None:  # in a thread: git blocks on a full stdout otherwise
            stdin.write(blobs)
            stdin.close()

        feeder = threading.Thread(target=feed)
        feeder.start()
        count = 0
        while header := proc.stdout.readline():
            size = int(header.split()[2])
            data = proc.stdout.read(size + 1)[:-1]
            hashlib.sha1(data).digest()  # noqa: S324 - content identity, as SWH does
            hashlib.sha256(data).digest()
            count += 1
        proc.wait()
        feeder.join()
    return count, timer.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", nargs="?", default=sysconfig.get_paths()["purelib"])
    parser.add_argument(
        "--exclude",
        action="append",
        default=["licensedcode"],
        help="Top-level folders to leave out (default: ScanCode's rule data, "
        "40k small data files that are not code).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cc-scan-bench-") as tmp, scratch_database() as engine:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        git(repo, "init", "-q")
        git(
            repo,
            f"--work-tree={args.directory}",
            "add",
            "-A",
            "--",
            ".",
            *(f":!{name}" for name in args.exclude),
        )
        git(repo, f"--work-tree={args.directory}", "commit", "-q", "-m", "bench")
        git(repo, "gc", "-q")
        blobs, raw_seconds = raw_read_and_hash(repo)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with Timer() as timer:
            outcome = run_scan(str(repo), factory=factory)
        files = outcome.files
        print(f"corpus: {args.directory}: {files:,} files, {blobs:,} distinct blobs")
        print(
            f"limit (git cat-file --batch + sha1 + sha256): {raw_seconds:.2f} s, "
            f"{blobs / raw_seconds:,.0f} blobs/s"
        )
        print(
            f"full scan: {timer.seconds:.2f} s, {files / timer.seconds:,.0f} files/s, "
            f"{outcome.summary.stats.contents_new:,} new contents analysed"
        )
        print(f"ratio scan / limit: {timer.seconds / raw_seconds:.1f}x")
        print("time by stage (slowest first):")
        for stage, seconds in sorted(outcome.seconds_by_stage.items(), key=lambda kv: -kv[1]):
            print(f"  {stage:<28} {seconds:8.2f} s  {100 * seconds / timer.seconds:5.1f} %")


if __name__ == "__main__":
    main()
