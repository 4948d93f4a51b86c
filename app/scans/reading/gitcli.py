"""Running ``git``: one-shot commands and the long-running ``cat-file --batch`` reader.

Reading objects through one ``git cat-file --batch`` process per walk, with requests
pipelined in chunks, costs a pipe round trip per chunk instead of a process start per
object (~1 ms each). Every failure is turned into :class:`UnreadableSource` carrying
git's own stderr, so callers never see a ``CalledProcessError``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import UnreadableSource
from .hashing import ContentHashes, hash_stream

#: Requests written before reading their answers. 1024 ids * 41 bytes stays under the
#: 64 KiB pipe buffer, so git can never block on stdin while we block on stdout.
PIPELINE_CHUNK = 1024
PIPE_SIZE = 1 << 20


def git_env() -> dict[str, str]:
    """The caller's environment without GIT_* variables (a GIT_DIR inherited from a
    hook would silently redirect every command), and never an interactive prompt."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = "C"
    return env


def git_base(git_dir: Path) -> list[str]:
    # safe.directory: scanned repositories often belong to another user (a shared
    # clone cache). We only run read-only plumbing that never executes repository-
    # configured programs (hooks, fsmonitor, filters), so trusting them is harmless.
    return ["git", "-c", "safe.directory=*", f"--git-dir={git_dir}"]


def run_git(
    git_dir: Path, *args: str, ok_codes: Sequence[int] = (0,), stdin: bytes | None = None
) -> tuple[int, bytes]:
    """Run a short git command; returns (exit code, stdout) or raises UnreadableSource."""
    try:
        proc = subprocess.run(
            [*git_base(git_dir), *args],
            input=stdin,
            capture_output=True,
            env=git_env(),
            check=False,
        )
    except OSError as exc:  # git missing, too many open files, ...
        raise UnreadableSource(f"cannot run git: {exc}") from exc
    if proc.returncode not in ok_codes:
        raise UnreadableSource(_describe(args, proc.stderr))
    return proc.returncode, proc.stdout


def _describe(args: Sequence[str], stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip() or "no error message"
    return f"git {args[0]} failed: {text.splitlines()[-1] if text else text}"


@dataclass(frozen=True, slots=True)
class BlobRead:
    oid: bytes
    hashes: ContentHashes
    data: bytes | None


class CatFile:
    """A ``git cat-file --batch`` subprocess; one per walk, closed with the walk.

    Not thread-safe and not re-entrant: two interleaved generators must each open
    their own (it is cheap: a few milliseconds).
    """

    def __init__(self, git_dir: Path) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        try:
            self._proc = subprocess.Popen(
                [*git_base(git_dir), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=git_env(),
            )
        except OSError as exc:
            self._stderr.close()
            raise UnreadableSource(f"cannot run git: {exc}") from exc
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._stdin: IO[bytes] = self._proc.stdin
        self._stdout: IO[bytes] = self._proc.stdout
        _widen_pipe(self._stdout)

    def __enter__(self) -> CatFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        # Closing stdout too lets git exit (EPIPE) if a walk was abandoned while it
        # still had answers to write, instead of blocking on a full pipe.
        for stream in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):
                stream.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._stderr.close()

    def _fail(self, what: str) -> UnreadableSource:
        self._stderr.seek(0)
        err = self._stderr.read().decode("utf-8", "replace").strip()
        detail = err.splitlines()[-1] if err else what
        return UnreadableSource(f"corrupt git repository: {detail}")

    def _send(self, oids: Sequence[bytes]) -> None:
        try:
            self._stdin.write(b"".join(oid.hex().encode() + b"\n" for oid in oids))
            self._stdin.flush()
        except OSError as exc:  # BrokenPipe: git died
            raise self._fail(str(exc)) from exc

    def _header(self, oid: bytes) -> tuple[bytes, int]:
        line = self._stdout.readline()
        if not line.endswith(b"\n"):
            raise self._fail("git cat-file stopped answering")
        parts = line.split()
        if len(parts) != 3:
            detail = line.decode("utf-8", "replace").strip()
            raise UnreadableSource(f"corrupt git repository: object {detail}")
        if parts[0] != oid.hex().encode():
            raise self._fail(f"unexpected object {parts[0]!r} for {oid.hex()}")
        return parts[1], int(parts[2])

    def _trailer(self) -> None:
        if self._stdout.read(1) != b"\n":
            raise self._fail("truncated object")

    def read(self, oids: Iterable[bytes]) -> Iterator[tuple[bytes, bytes, bytes]]:
        """(oid, git type, body) for each id, in order; bodies fully in memory."""
        for chunk in _chunks(oids):
            self._send(chunk)
            for oid in chunk:
                git_type, size = self._header(oid)
                body = self._stdout.read(size)
                if len(body) != size:
                    raise self._fail("truncated object")
                self._trailer()
                yield oid, git_type, body

    def read_one(self, oid: bytes, expected_type: bytes) -> bytes:
        for _, git_type, body in self.read([oid]):
            if git_type != expected_type:
                raise UnreadableSource(
                    f"corrupt git repository: {oid.hex()} is a {git_type.decode()}, "
                    f"expected a {expected_type.decode()}"
                )
            return body
        raise AssertionError("unreachable")

    def read_blobs(self, oids: Iterable[bytes], *, keep_up_to: int | None) -> Iterator[BlobRead]:
        """Hash each blob while streaming it; keep its bytes only up to the limit."""
        for chunk in _chunks(oids):
            self._send(chunk)
            for oid in chunk:
                git_type, size = self._header(oid)
                if git_type != b"blob":
                    raise UnreadableSource(
                        f"corrupt git repository: {oid.hex()} is a {git_type.decode()}, "
                        "expected a blob"
                    )
                try:
                    hashes, data = hash_stream(self._stdout, size, keep_up_to=keep_up_to)
                except EOFError as exc:
                    raise self._fail("truncated object") from exc
                self._trailer()
                yield BlobRead(oid, hashes, data)


def _widen_pipe(stream: IO[bytes]) -> None:
    """Grow git's output pipe from 64 KiB to 1 MiB (Linux): fewer wake-ups per blob
    and more room for git to run ahead while we hash (measured ~15% faster)."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size
            fcntl.fcntl(stream.fileno(), set_size, PIPE_SIZE)


def _chunks(oids: Iterable[bytes]) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for oid in oids:
        chunk.append(oid)
        if len(chunk) == PIPELINE_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def clone_mirror(url: str, destination: Path) -> Path:
    """``git clone --mirror`` ``url`` into ``destination`` (a bare repository).

    Kept a separate function so a caller (or a test, with a ``file://`` URL) decides
    where clones live; scanning a URL uses a temporary directory.
    """
    try:
        proc = subprocess.run(
            ["git", "clone", "--mirror", "--quiet", "--", url, str(destination)],
            capture_output=True,
            env=git_env(),
            check=False,
        )
    except OSError as exc:
        raise UnreadableSource(f"cannot run git: {exc}") from exc
    if proc.returncode != 0:
        raise UnreadableSource(_describe(["clone"], proc.stderr))
    return destination


def find_git_dir(path: Path) -> Path | None:
    """The git directory of a working copy or bare repository at ``path``, else None."""
    if not path.is_dir():
        return None
    dotgit = path / ".git"
    if dotgit.exists():
        candidate = dotgit
    elif (path / "HEAD").is_file() and (path / "objects").is_dir():
        candidate = path
    else:
        return None
    try:
        proc = subprocess.run(
            [
                "git",
                "-c",
                "safe.directory=*",
                f"--git-dir={candidate}",
                "rev-parse",
                "--absolute-git-dir",
            ],
            capture_output=True,
            env=git_env(),
            check=False,
        )
    except OSError as exc:
        raise UnreadableSource(f"cannot run git: {exc}") from exc
    if proc.returncode != 0:
        raise UnreadableSource(_describe(["rev-parse"], proc.stderr))
    return Path(os.fsdecode(proc.stdout.rstrip(b"\n")))
