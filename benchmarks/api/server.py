"""The API under test (``codecommons api`` in its own process, on the scratch database)
and the Redis its rate limiter counts in.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parents[2]  # the repository
BENCH_KEY = "bench-api-key"  # for the throwaway server only


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def api_server(database_url: str, redis_url: str, workers: int) -> Iterator[tuple[str, int, int]]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        LOG_LEVEL="WARNING",  # no access log line per request
        LOAD_DEMO="false",
        # The load presents an API key whose budget it never reaches: every request
        # pays for the Redis round trip of the rate limiter, none is refused.
        API_KEYS=BENCH_KEY,
        RATE_LIMIT_ENABLED="true",
        RATE_LIMIT_KEY_PER_MINUTE=str(10**9),
    )
    log = tempfile.NamedTemporaryFile(prefix="cc-bench-api-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "api", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the API did not start:\n{Path(log.name).read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            time.sleep(0.2)
        yield "127.0.0.1", port, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        text = Path(log.name).read_text(errors="replace")
        if "Traceback" in text or "unhandled error" in text:
            # A failed request's cause, for whoever reads the report (or a CI log).
            print(f"\nAPI server log (it logged errors), last lines:\n{text[-4000:]}")
        os.unlink(log.name)


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def libpq_dsn(engine: Engine) -> str:
    from app.config import to_libpq_url

    return to_libpq_url(engine.url.render_as_string(hide_password=False))


@contextmanager
def redis() -> Iterator[str]:
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    from app.embedded.servers import start_redis

    with tempfile.TemporaryDirectory(prefix="cc-bench-redis-") as tmp:
        server = start_redis(Path(tmp))
        try:
            yield server.url
        finally:
            server.stop()
