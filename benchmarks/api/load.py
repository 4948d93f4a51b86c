"""The load side of the API benchmark, run in its own process so that the client never
shares an interpreter (or a GIL) with the server or with the benchmark driver.

One job is either HTTP requests against the running API (stdlib ``http.client``, one
keep-alive connection per thread: lighter than httpx, so the client costs the 2-core
machine as little as possible), or the very SQL those requests made, replayed straight
through psycopg (one connection per thread, one transaction per request, every row
fetched). Both run ``concurrency`` threads for ``warmup + duration`` seconds, cycling
through the same request variants, and count only what completes after the warm-up.

    python -m benchmarks.api.load < job.pickle > result.pickle
"""

from __future__ import annotations

import http.client
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[2]  # the repository

# One statement as the app sent it to psycopg: SQLAlchemy's pyformat text and its
# parameters (a dict), so psycopg binds, and after 5 uses prepares, exactly as in the app.
Statement = tuple[str, Any]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class SqlRequest:
    """The statements one API request ran, in order, in one transaction."""

    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Job:
    kind: Literal["http", "sql"]
    target: str  # "host:port" for http, a libpq connection string for sql
    requests: Sequence[HttpRequest | SqlRequest]
    concurrency: int
    duration: float
    warmup: float
    headers: tuple[tuple[str, str], ...] = ()  # sent with every HTTP request


@dataclass
class Result:
    completed: int = 0
    errors: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this whole load process, from the window's start to the end
    wall_seconds: float = 0.0  # the same span (longer than ``seconds`` by the last requests)
    latencies: list[float] = field(default_factory=list)  # seconds, sorted
    first_error: str | None = None

    @property
    def cpu_share(self) -> float:
        """CPU the load process used, as a share of one core."""
        return self.cpu_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        index = min(len(self.latencies) - 1, int(fraction * len(self.latencies)))
        return self.latencies[index]


class _Window:
    """Shared clock: every thread counts a request only if it completed inside it."""

    def __init__(self, warmup: float, duration: float) -> None:
        self.begin = time.perf_counter() + warmup
        self.end = self.begin + duration


def _http_thread(
    job: Job, offset: int, window: _Window, out: list[float], errors: list[str]
) -> None:
    host, _, port = job.target.rpartition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    requests = job.requests
    i = offset
    while True:
        started = time.perf_counter()
        if started >= window.end:
            break
        request = requests[i % len(requests)]
        i += 1
        if not isinstance(request, HttpRequest):
            raise TypeError(f"not an HTTP request: {request!r}")
        headers = dict(job.headers)
        if request.content_type:
            headers["Content-Type"] = request.content_type
        try:
            conn.request(request.method, request.path, body=request.body, headers=headers)
            response = conn.getresponse()
            body = response.read()
            ok = response.status == 200
            if not ok:
                errors.append(
                    f"{request.method} {request.path} -> {response.status} {body[:300]!r}"
                )
        except (OSError, http.client.HTTPException) as exc:
            ok = False
            errors.append(f"{request.method} {request.path}: {exc!r}")
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=120)
        finished = time.perf_counter()
        if ok and window.begin <= finished <= window.end:
            out.append(finished - started)
    conn.close()


def _sql_thread(
    job: Job, offset: int, window: _Window, out: list[float], errors: list[str], conn: Any
) -> None:
    requests = job.requests
    i = offset
    with conn:
        while True:
            started = time.perf_counter()
            if started >= window.end:
                break
            request = requests[i % len(requests)]
            i += 1
            if not isinstance(request, SqlRequest):
                raise TypeError(f"not a SQL request: {request!r}")
            try:
                with conn.cursor() as cur:
                    for statement, params in request.statements:
                        cur.execute(statement, params)
                        if cur.description is not None:
                            cur.fetchall()
                conn.commit()
                ok = True
            except Exception as exc:  # report, keep the other threads going
                ok = False
                errors.append(repr(exc))
                conn.rollback()
            finished = time.perf_counter()
            if ok and window.begin <= finished <= window.end:
                out.append(finished - started)


def _guarded(target: Callable[..., None], errors: list[str]) -> Callable[..., None]:
    """A thread body whose crash is reported as an error, not lost on stderr."""

    def run(*args: Any) -> None:
        try:
            target(*args)
        except BaseException as exc:
            errors.append(f"load thread crashed: {exc!r}")

    return run


def run_job(job: Job) -> Result:
    connections: list[Any] = []
    if job.kind == "sql":
        import psycopg

        # Connected before the clock starts, like the API's warm pool.
        connections = [psycopg.connect(job.target) for _ in range(job.concurrency)]
    per_thread: list[list[float]] = [[] for _ in range(job.concurrency)]
    errors: list[str] = []
    window = _Window(job.warmup, job.duration)
    # Spread the threads over the variants so they do not all ask the same thing.
    stride = max(1, len(job.requests) // job.concurrency)
    threads = []
    for n in range(job.concurrency):
        if job.kind == "http":
            args: tuple[Any, ...] = (job, n * stride, window, per_thread[n], errors)
            threads.append(threading.Thread(target=_guarded(_http_thread, errors), args=args))
        else:
            args = (job, n * stride, window, per_thread[n], errors, connections[n])
            threads.append(threading.Thread(target=_guarded(_sql_thread, errors), args=args))
    for thread in threads:
        thread.start()
    while time.perf_counter() < window.begin:
        time.sleep(0.005)
    cpu_start = time.process_time()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_start
    wall = time.perf_counter() - window.begin
    latencies = sorted(x for chunk in per_thread for x in chunk)
    return Result(
        completed=len(latencies),
        errors=len(errors),
        seconds=job.duration,
        cpu_seconds=cpu,
        wall_seconds=wall,
        latencies=latencies,
        first_error=errors[0] if errors else None,
    )


def run_load(job: Job) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.api.load"],
        input=pickle.dumps(job),
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"load process failed:\n{done.stderr.decode()[-3000:]}")
    # Our own child process's answer.
    result: Result = pickle.loads(done.stdout)  # noqa: S301
    return result


def main() -> None:
    # Run as ``-m``, this file is ``__main__``; the job's classes are those of the
    # importable module, so use that module's functions (isinstance checks hold).
    from benchmarks.api import load

    # The job comes from our own parent process (run_load), not from outside.
    job = pickle.loads(sys.stdin.buffer.read())  # noqa: S301
    sys.stdout.buffer.write(pickle.dumps(load.run_job(job)))


if __name__ == "__main__":
    main()
