"""``codecommons``: run the service's processes and operate it.

The same processes as production, one per subcommand (``api``, ``worker``, ``beat``,
``migrate``), plus ``run``: everything at once on embedded PostgreSQL and Redis.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.cli.attribution import attribute_cmd, attribution_cli
from app.cli.datasets import datasets_cli
from app.cli.errors import CLIError, run_cli
from app.cli.keys import keys_cli
from app.cli.optouts import optouts_cli
from app.config import get_settings

cli = typer.Typer(
    name="codecommons",
    help="CodeCommons: open metadata about archived source code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
jobs_cli = typer.Typer(help="Background jobs.", no_args_is_help=True)
cli.add_typer(jobs_cli, name="jobs")
signals_cli = typer.Typer(help="Vulnerabilities, domains, importance.", no_args_is_help=True)
cli.add_typer(signals_cli, name="signals")
cli.add_typer(optouts_cli, name="optouts")
cli.add_typer(datasets_cli, name="datasets")
cli.add_typer(keys_cli, name="keys")


cli.add_typer(attribution_cli, name="attribution")
cli.command("attribute")(attribute_cmd)
console = Console(stderr=True)


@cli.command()
def run(
    reset: Annotated[bool, typer.Option(help="Delete the embedded data first.")] = False,
    demo: Annotated[bool, typer.Option(help="Load the demo corpus on first start.")] = True,
) -> None:
    """Everything at once: embedded PostgreSQL and Redis (unless DATABASE_URL /
    REDIS_URL are set), migrations, demo data, a worker, beat and the API."""
    from app.embedded.runner import run_all

    run_all(reset=reset, load_demo=demo)


@cli.command()
def api(
    host: Annotated[str | None, typer.Option(help="Default: API_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: API_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """Serve the REST and GraphQL API (uvicorn)."""
    import uvicorn

    settings = get_settings()
    settings.sqlalchemy_url  # noqa: B018 - fail fast with one line if unset
    uvicorn.run(
        "app.main:asgi",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


@cli.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(min=1)] = None,
    queues: Annotated[str, typer.Option(help="Comma-separated queues.")] = "celery",
) -> None:
    """Run a Celery worker."""
    from workers.celery_app import worker_celery

    settings = get_settings()
    settings.sqlalchemy_url  # noqa: B018
    worker_celery().worker_main(
        argv=[
            "worker",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--queues={queues}",
            f"--loglevel={settings.log_level}",
        ]
    )


@cli.command()
def beat() -> None:
    """Run the Celery beat scheduler (periodic refreshes and the job reaper)."""
    from workers.celery_app import worker_celery

    settings = get_settings()
    schedule = settings.data_dir / "celerybeat-schedule"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    worker_celery().start(
        argv=[
            "beat",
            f"--schedule={schedule}",
            f"--loglevel={settings.log_level}",
        ]
    )


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the database migrations and refresh the license catalog."""
    from app.kit.db import get_engine
    from app.ops import bootstrap

    engine = get_engine()
    summary = bootstrap.migrate_and_seed(engine, revision)
    console.print(
        f"[green]schema at {summary.revision}[/]; license catalog: {summary.licenses} entries"
    )


@cli.command("load-demo")
def load_demo() -> None:
    """Load the demo corpus and build the demo dataset (idempotent)."""
    from app.demo.dataset import ensure_demo_dataset
    from app.demo.loader import load_demo_corpus
    from app.kit.db import unit_of_work

    with unit_of_work() as uow:
        report = load_demo_corpus(uow)
    console.print(report.summary())
    console.print(ensure_demo_dataset().summary())


@cli.command("import")
def import_dump(
    path: Annotated[Path, typer.Argument(help="JSON Lines dump of raw payloads ('-': stdin).")],
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
) -> None:
    """Import a dump of raw forge/registry payloads in the foreground (see README for
    the envelope); failed lines are listed with their reason."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from app.forges.imports import import_lines
    from app.forges.ingest import IngestOutcome

    if str(path) != "-" and not path.is_file():
        raise CLIError(f"cannot read {path}: no such file")
    get_settings().sqlalchemy_url  # noqa: B018 - fail fast with one line if unset
    handle = sys.stdin.buffer if str(path) == "-" else path.open("rb")
    total = path.stat().st_size if str(path) != "-" else None
    with (
        handle,
        Progress(
            TextColumn("importing"),
            BarColumn(),
            TextColumn("{task.completed:,.0f} bytes"),
            TimeRemainingColumn(),
            console=console,
        ) as bar,
    ):
        task = bar.add_task("import", total=total)

        def lines() -> Iterator[bytes]:
            for line in handle:
                bar.advance(task, len(line))
                yield line

        def on_item(line_no: int, outcome: IngestOutcome) -> None:
            if outcome.status == "failed":  # every one, as it happens
                bar.console.print(f"  line {line_no}: {outcome.error or 'failed'}", markup=False)

        report = import_lines(lines(), batch_size=batch_size, on_item=on_item)
    console.print(report.summary(failures_listed="above"))
    if report.failed:
        raise typer.Exit(1)


@cli.command()
def scan(
    location: Annotated[str, typer.Argument(help="Git path or URL, directory, tarball or zip.")],
    origin: Annotated[str | None, typer.Option(help="Origin URL this is a visit of.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report on stdout.")] = False,
    max_file_size: Annotated[
        int | None,
        typer.Option(min=0, help="Bytes; larger files are hashed and flagged, not analysed."),
    ] = None,
) -> None:
    """Scan a source into the archive in the foreground: the same pipeline as the API's
    scan job (facts, licenses, metadata, near-duplicate clustering), and a report of
    everything it stored."""
    import json

    from rich.progress import Progress, SpinnerColumn, TextColumn

    from app.kit.db import unit_of_work
    from app.scans.reading import UnreadableSource
    from app.scans.report import files_report
    from app.scans.service import scan_pipeline
    from app.scans.writing import StoredFile

    get_settings().sqlalchemy_url  # noqa: B018 - fail fast with one line if unset
    seen: list[tuple[bytes, int, str]] = []

    def on_file(stored: StoredFile) -> None:
        if as_json:
            seen.append((stored.entry.path, stored.content_id, stored.entry.swhid))

    with Progress(
        SpinnerColumn(),
        TextColumn("scanning {task.fields[where]}: {task.completed:,.0f} files"),
        console=console,
    ) as bar:
        task = bar.add_task("scan", total=None, where=location)
        try:
            outcome, result = scan_pipeline(
                location,
                origin_url=origin,
                on_file=on_file,
                max_file_size=max_file_size,
                progress=lambda done, _total: bar.update(task, completed=done),
                cluster_inline=True,
            )
        except UnreadableSource as exc:
            raise CLIError(f"cannot read {location}: {exc.reason}") from None
    if as_json:
        with unit_of_work() as uow:
            result["files"] = files_report(uow.session, seen)
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        _print_scan_report(outcome.files, outcome.origin_url, result, outcome.seconds_by_stage)


def _print_scan_report(
    files: int, origin: str, result: dict[str, object], seconds: dict[str, float]
) -> None:
    """The human form of what ``--json`` prints (without the per-file list)."""
    from typing import Any

    r: dict[str, Any] = result
    console.print(
        f"[green]{files:,} files[/] of {origin}: snapshot "
        f"{r['snapshot']}, {r['contents_new']:,} new contents"
    )
    effective = r.get("effective_license")
    if effective:
        line = f"effective license: {effective['expression'] or 'none established'}"
        line += f" ({effective['category']}, from {effective['basis'] or 'no evidence'})"
        console.print(line, markup=False)
        for conflict in effective["conflicts"]:
            console.print(f"  conflict: {conflict}", markup=False)
    languages = r.get("languages") or []
    if languages:
        console.print(
            "languages: " + ", ".join(f"{x['language']} ({x['files']} files)" for x in languages),
            markup=False,
        )
    unmapped = r.get("unmapped_licenses") or []
    console.print(f"unmapped license texts: {len(unmapped)}")
    for u in unmapped:
        console.print(f"  {u['path']} ({u['source']})", markup=False)
    pii = r.get("secrets_and_pii") or {}
    console.print(
        "secrets and PII: "
        + (
            ", ".join(f"{k} {v['findings']} in {v['files']} files" for k, v in pii.items())
            or "none"
        ),
        markup=False,
    )
    clusters = r.get("near_dup_clusters") or []
    console.print(f"near-duplicate clusters among these files: {len(clusters)}")
    for c in clusters:
        console.print(
            f"  cluster {c['cluster']} ({c['contents']} contents): {', '.join(c['paths'])}",
            markup=False,
        )
    slowest = sorted(seconds.items(), key=lambda kv: -kv[1])
    console.print("time by stage: " + ", ".join(f"{k} {v:.1f}s" for k, v in slowest))


@cli.command()
def rederive(
    authority: Annotated[str | None, typer.Option(help="Only payloads from this source.")] = None,
) -> None:
    """Map every stored payload again with today's mappers (no refetching)."""
    from app.forges.rederive import rederive as run_rederive

    report = run_rederive(
        mapper=authority,
        progress=lambda done, total: console.print(f"{done}/{total} payloads", end="\r"),
    )
    console.print(report.summary())


@cli.command()
def check() -> None:
    """Say whether the database and broker are reachable and the schema current."""
    from app.health.service import check_broker, check_database
    from app.kit.db import get_engine

    settings = get_settings()
    database, migrations = check_database(get_engine())
    broker = check_broker(str(settings.redis_url) if settings.redis_url else None)
    ok = True
    for name, result in (("database", database), ("migrations", migrations), ("broker", broker)):
        mark = "[green]ok[/]" if result.ok else "[red]FAIL[/]"
        console.print(f"{name:<11} {mark}  {result.detail}")
        ok = ok and result.ok
    if not ok:
        raise typer.Exit(1)


@jobs_cli.command("demo")
def jobs_demo(
    steps: Annotated[int, typer.Option(min=0, max=10_000)] = 5,
    delay: Annotated[float, typer.Option(min=0, max=10)] = 0.2,
    wait: Annotated[bool, typer.Option(help="Wait and show progress.")] = True,
) -> None:
    """Start the demo job through the broker and follow its progress."""
    from rich.progress import Progress

    from app.jobs import kinds, repository, service
    from app.kit.db import unit_of_work

    with unit_of_work() as uow:
        job = service.submit(uow, kinds.DEMO, {"steps": steps, "delay": delay})
    console.print(f"job {job.id} queued")
    if not wait:
        return
    deadline = time.monotonic() + 60 + steps * (delay + 1)
    with Progress(console=console) as progress:
        bar = progress.add_task(f"job {job.id}", total=steps or 1)
        while True:
            with unit_of_work() as uow:
                current = repository.get(uow.session, job.id)
            assert current is not None
            progress.update(bar, completed=current.progress_done)
            if current.state.is_final:
                break
            if time.monotonic() > deadline:
                raise CLIError(f"job {job.id} is still {current.state.value}: is a worker running?")
            time.sleep(0.2)
    console.print(f"job {job.id} {current.state.value}: {current.result or current.error}")
    if current.state.value != "succeeded":
        raise typer.Exit(1)


def main() -> None:
    from app.kit.redaction import install_log_redaction

    install_log_redaction()  # every process starts here: API, worker, beat, run
    run_cli(cli)


@signals_cli.command("import-advisories")
def import_advisories(
    path: Annotated[Path, typer.Argument(help="OSV zip export, JSON file or JSON Lines.")],
    authority: Annotated[
        str, typer.Option(help="Who published bare records (envelopes say it themselves).")
    ] = "osv.dev",
) -> None:
    """Import OSV advisories (failed records listed with their reason), then match them
    to origins."""
    from rich.progress import Progress, TextColumn

    from app.jobs.repository import db_now
    from app.kit.db import unit_of_work
    from app.signals.service import rematch_changed
    from app.signals.vulnerabilities.imports import import_items, read_items

    if not path.is_file():
        raise CLIError(f"cannot read {path}: no such file")
    get_settings().sqlalchemy_url  # noqa: B018 - fail fast with one line if unset
    with unit_of_work() as uow:
        since = db_now(uow.session)
    with Progress(TextColumn("{task.completed:,.0f} records imported"), console=console) as bar:
        task = bar.add_task("import", total=None)
        try:
            report = import_items(
                read_items(path, authority),
                on_batch=lambda last: bar.update(task, completed=last),
            )
        except ValueError as exc:
            raise CLIError(f"{path}: {exc}") from exc
    matched = rematch_changed(None, since)
    console.print(report.summary().replace("issues and pull requests", "-"))
    console.print(
        f"{matched['advisories']} advisories written; {matched['origins']} origins matched "
        f"again in {matched['batches']} batches; {matched['current']} current matches"
    )
    if report.failed:
        raise typer.Exit(1)


@signals_cli.command("rederive-advisories")
def rederive_advisories(
    resume_from: Annotated[
        int, typer.Option(min=0, help="Records already done (the count a cut run reached).")
    ] = 0,
    batch_size: Annotated[int, typer.Option(min=1, help="Records per transaction.")] = 500,
) -> None:
    """Map every stored OSV record again with today's mapper, a batch per transaction
    (resumable: a cut run prints how far it got), then match the origins the rewritten
    advisories concern again."""
    from rich.progress import Progress, TextColumn

    from app.jobs.repository import db_now
    from app.kit.db import unit_of_work
    from app.signals.service import rematch_changed
    from app.signals.vulnerabilities.imports import rederive_advisories as rederive

    get_settings().sqlalchemy_url  # noqa: B018 - fail fast with one line if unset
    with unit_of_work() as uow:
        since = db_now(uow.session)
    done = resume_from
    columns = TextColumn("{task.completed:,.0f} of {task.total:,.0f} records mapped again")
    with Progress(columns, console=console) as bar:
        task = bar.add_task("rederive", total=None)

        def progress(count: int, total: int) -> None:
            nonlocal done
            done = count
            bar.update(task, completed=count, total=total)

        try:
            report = rederive(batch_size=batch_size, resume_from=resume_from, progress=progress)
        except Exception:
            console.print(f"cut after {done} records; resume with --resume-from {done}")
            raise
    matched = rematch_changed(None, since)
    console.print(report.summary().replace("; 0 issues and pull requests", ""))
    console.print(
        f"{matched['advisories']} advisories written; {matched['origins']} origins matched "
        f"again in {matched['batches']} batches"
    )


@signals_cli.command("refresh")
def refresh_signals() -> None:
    """Match advisories, assign domains and compute importance from what is stored."""
    from app.signals.service import refresh_all

    get_settings().sqlalchemy_url  # noqa: B018 - fail fast with one line if unset
    console.print("refreshing signals (advisory matches, domains, importance)...")
    for name, counts in refresh_all().items():
        console.print(f"{name}: {counts}")
