"""``codecommons datasets ...``: define, build, export, diff and verify datasets.

Like the other operator commands it works on the configured database (the same
service functions as the API); ``verify`` works offline, on an answer of the API.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.cli.errors import CLIError

datasets_cli = typer.Typer(
    help="Datasets: definitions, builds, exports, proofs.", no_args_is_help=True
)
console = Console(stderr=True)
MEGABYTE = 1 << 20


def _problem(exc: Exception) -> CLIError:
    """A service problem (bad definition, unknown dataset...) as one line."""
    from app.kit.problems import Problem

    if isinstance(exc, Problem):
        errors = exc.extensions.get("errors") or []
        lines = [exc.detail]
        for e in errors[1:]:
            hint = f" (did you mean {', '.join(e['suggestions'])}?)" if e.get("suggestions") else ""
            lines.append(f"  {e['location']}: {e['message']}{hint}")
        if errors and errors[0].get("suggestions"):
            lines[0] += f" (did you mean {', '.join(errors[0]['suggestions'])}?)"
        return CLIError("\n".join(lines))
    raise exc


def _load_json(path: Path) -> Any:
    try:
        return json.loads(sys.stdin.read() if str(path) == "-" else path.read_text())
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise CLIError(f"{path} is not JSON: {exc}") from None


@datasets_cli.command("create")
def create_cmd(
    name: Annotated[str, typer.Argument(help="Lower case, digits, . _ -")],
    selection: Annotated[Path, typer.Argument(help="Selection JSON file ('-': stdin).")],
    purpose: Annotated[str, typer.Option(help="e.g. pre-training;research-only")],
    description: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Define a dataset (revision 1)."""
    from pydantic import ValidationError

    from app.datasets import service
    from app.datasets.schemas import DatasetIn
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem

    try:
        body = DatasetIn(
            name=name, purpose=purpose, description=description, selection=_load_json(selection)
        )
    except ValidationError as exc:
        raise CLIError(f"invalid dataset: {exc.errors()[0]['msg']}") from None
    try:
        with unit_of_work() as uow:
            dataset, _ = service.create(uow, body)
            console.print(f"[green]dataset {dataset.name}[/] (id {dataset.id}), revision 1")
    except Problem as exc:
        raise _problem(exc) from None


@datasets_cli.command("list")
def list_cmd() -> None:
    """The datasets and their latest build."""
    from app.datasets import repository
    from app.kit.db import unit_of_work

    with unit_of_work() as uow:
        for dataset in repository.list_datasets(uow.session, after_id=None, limit=10_000):
            number = repository.next_build_number(uow.session, dataset.id) - 1
            last = repository.build(uow.session, dataset.id, number) if number else None
            state = (
                f"build {last.number} {last.state}, {last.row_count or 0:,} files"
                if last
                else "never built"
            )
            typer.echo(
                f"{dataset.id}\t{dataset.name}\trevision {dataset.current_revision}\t{state}"
            )


@datasets_cli.command("build")
def build_cmd(
    ref: Annotated[str, typer.Argument(help="Dataset id or name.")],
    wait: Annotated[bool, typer.Option(help="Follow the job until it ends.")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait.")] = 3600,
) -> None:
    """Build the current revision (a job on the workers), following its progress."""
    from app.datasets import service
    from app.datasets.schemas import BuildIn
    from app.jobs import repository as jobs
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem

    try:
        with unit_of_work() as uow:
            build, _ = service.submit_build(uow, ref, BuildIn())
            number, job_id = build.number, build.job_id
    except Problem as exc:
        raise _problem(exc) from None
    console.print(f"build {number} queued (job {job_id})")
    if not wait or job_id is None:
        return
    deadline = time.monotonic() + timeout
    with Progress(TextColumn("build {task.fields[number]}"), BarColumn(), MofNCompleteColumn(),
                  console=console) as bar:  # fmt: skip
        task = bar.add_task("build", total=None, number=number)
        while True:
            with unit_of_work() as uow:
                job = jobs.get(uow.session, job_id)
                assert job is not None
                bar.update(task, completed=job.progress_done, total=job.progress_total)
                state, error = job.state.value, job.error
            if state in {"succeeded", "failed", "cancelled"}:
                break
            if time.monotonic() > deadline:
                raise CLIError(f"build {number} is still {state}: is a worker running?")
            time.sleep(0.5)
    if state != "succeeded":
        raise CLIError(f"build {number} {state}: {error}")
    with unit_of_work() as uow:
        done, _ = service.get_build(uow.session, ref, number)
        assert done.extensional_fingerprint is not None
        console.print(
            f"[green]build {number}[/]: {done.row_count:,} files, extensional fingerprint "
            f"{done.extensional_fingerprint.hex()}"
        )


def _resume_after(path: Path, fmt: str) -> int | None:
    """The last complete row's leaf index in a partial export (cutting a torn last
    line), or None to start over."""
    if not path.exists() or fmt == "parquet":
        return None
    data = path.read_bytes()
    end = data.rfind(b"\n")
    if end < 0:
        path.write_bytes(b"")
        return None
    with path.open("r+b") as out:
        out.truncate(end + 1)
    lines = data[: end + 1].decode("utf-8", errors="replace").splitlines()
    if fmt == "jsonl":
        return int(json.loads(lines[-1])["leaf_index"])
    if len(lines) <= 1:
        return None  # only the header
    row = next(csv.reader(io.StringIO(lines[-1])))
    return int(row[0])


@datasets_cli.command("export")
def export_cmd(
    ref: Annotated[str, typer.Argument(help="Dataset id or name.")],
    number: Annotated[int, typer.Argument(help="Build number.")],
    output: Annotated[Path, typer.Argument(help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or parquet")] = "parquet",
    resume: Annotated[bool, typer.Option(help="Continue a partial JSONL/CSV file.")] = False,
    with_content: Annotated[
        bool,
        typer.Option(
            "--with-content",
            help="Parquet shards with the files' bytes: OUTPUT is a directory "
            "(data/train-*.parquet, missing.txt, export.json).",
        ),
    ] = False,
    shard_mb: Annotated[
        float,
        typer.Option("--shard-mb", min=0.0, help="Shard size (MiB) with --with-content."),
    ] = 256.0,
) -> None:
    """Write a build's manifest to a file (flat memory), with a ``.meta.json`` sidecar
    naming both fingerprints; with ``--with-content``, Parquet shards that carry each
    file's bytes, loadable as they are by pyarrow or Hugging Face ``datasets``
    (``load_dataset("parquet", data_dir=OUTPUT + "/data")``)."""
    from app.datasets import exports, repository, service
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem

    if fmt not in exports.MEDIA_TYPES:
        raise CLIError(f"unknown format {fmt!r} (jsonl, csv or parquet)")
    if with_content:
        if fmt != "parquet":
            raise CLIError("--with-content writes Parquet (--format parquet)")
        _export_with_content(ref, number, output, max(1, int(shard_mb * MEGABYTE)))
        return
    after = _resume_after(output, fmt) if resume else None
    with unit_of_work() as uow:
        try:
            build, revision = service.finished_build(uow.session, ref, number)
            meta = exports.sidecar(build, revision, service.resolve(uow.session, ref).name)
        except Problem as exc:
            raise _problem(exc) from None
        total = build.row_count or 0
        raw = uow.session.connection().connection.driver_connection
        table = repository.partition_name(build.id)
        done = after + 1 if after is not None else 0
        with (
            output.open("ab" if after is not None else "wb") as out,
            Progress(TextColumn(f"{output.name}"), BarColumn(), MofNCompleteColumn(),
                     TimeRemainingColumn(), console=console) as bar,
        ):  # fmt: skip
            task = bar.add_task("export", total=total, completed=done)
            if fmt == "parquet":
                for chunk in exports.export_chunks(raw, table, fmt, meta, after=after):
                    out.write(chunk)
                    done = min(total, done + exports.CHUNK_ROWS)
                    bar.update(task, completed=done)
            else:
                header = fmt == "csv" and after is not None
                chunks = (  # JSON Lines as the API serves it (segments read in parallel)
                    exports.export_chunks(raw, table, fmt, meta, after=after)
                    if fmt == "jsonl"
                    else exports.copy_stream(raw, exports.copy_sql(fmt, table, after=after))
                )
                for chunk in chunks:
                    if header:  # a resumed CSV already has its header line
                        header = False
                        continue
                    out.write(chunk)
                    done += chunk.count(b"\n")
                    bar.update(task, completed=min(done, total))
            bar.update(task, completed=total)
    Path(f"{output}.meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    console.print(f"[green]{output}[/]: {total:,} files; fingerprints in {output}.meta.json")


def _export_with_content(ref: str, number: int, output: Path, shard_bytes: int) -> None:
    """Shards ``OUTPUT/data/train-NNNNN-of-MMMMM.parquet`` (named once their number
    is known), ``OUTPUT/missing.txt`` (the SWHIDs whose bytes the store did not give:
    fetch them from the archive) and ``OUTPUT/export.json`` (the fingerprints)."""
    from app.datasets import exports, repository, service
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem
    from app.storage.store import content_store

    store = content_store()
    if store is None:
        raise CLIError("the content storage is disabled (CONTENT_STORAGE_ENABLED=false)")
    data = output / "data"
    data.mkdir(parents=True, exist_ok=True)
    for old in data.glob("train-*.parquet"):
        old.unlink()
    with unit_of_work() as uow:
        try:
            build, revision = service.finished_build(uow.session, ref, number)
            meta = exports.sidecar(build, revision, service.resolve(uow.session, ref).name)
        except Problem as exc:
            raise _problem(exc) from None
        total = build.row_count or 0
        raw = uow.session.connection().connection.driver_connection
        stream = exports.copy_stream(
            raw, exports.copy_sql("parquet", repository.partition_name(build.id))
        )
        parts: list[Path] = []
        missing = 0
        with (
            (output / "missing.txt").open("w") as missing_file,
            Progress(TextColumn(f"{output.name}"), BarColumn(),
                     TextColumn("{task.completed:,} bytes"), console=console) as bar,
        ):  # fmt: skip
            task = bar.add_task("export", total=None)

            def on_missing(swhid: str) -> None:
                nonlocal missing
                missing += 1
                missing_file.write(swhid + "\n")

            out = None
            for shard, chunk in exports.parquet_parts(
                stream, meta, store=store, on_missing=on_missing, shard_bytes=shard_bytes
            ):
                if shard == len(parts):
                    if out is not None:
                        out.close()
                    parts.append(data / f"part-{shard:05d}.parquet.partial")
                    out = parts[-1].open("wb")
                assert out is not None
                out.write(chunk)
                bar.update(task, advance=len(chunk))
            if out is not None:
                out.close()
    for i, part in enumerate(parts):
        part.rename(data / f"train-{i:05d}-of-{len(parts):05d}.parquet")
    (output / "export.json").write_text(json.dumps(meta, indent=2) + "\n")
    console.print(
        f"[green]{output}[/]: {total:,} files in {len(parts)} shard(s) under {data}; "
        f"{missing:,} without content (listed in {output / 'missing.txt'})"
    )


@datasets_cli.command("diff")
def diff_cmd(
    ref: Annotated[str, typer.Argument(help="Dataset id or name.")],
    base: Annotated[int, typer.Argument(help="Build number.")],
    other: Annotated[int, typer.Argument(help="Build number.")],
) -> None:
    """SWHIDs added and removed between two builds, with reasons (tab-separated)."""
    from app.datasets import diff, service
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem

    cursor: str | None = None
    with unit_of_work() as uow:
        try:
            a = service.finished_build(uow.session, ref, base)
            b = service.finished_build(uow.session, ref, other)
            diff.check_pair(a[0], b[0])
        except Problem as exc:
            raise _problem(exc) from None
        while True:
            page = diff.diff(uow.session, a[0].dataset_id, a, b, cursor, 500)
            for entry in page.entries:
                typer.echo(f"{entry.change}\t{entry.swhid}\t{entry.reason}")
            cursor = page.next_cursor
            if cursor is None:
                break
        console.print(f"{page.added:,} added, {page.removed:,} removed")


@datasets_cli.command("withdrawals")
def withdrawals_cmd(
    ref: Annotated[str, typer.Argument(help="Dataset id or name.")],
    number: Annotated[int, typer.Argument(help="Build number.")],
    since: Annotated[
        int, typer.Option(min=0, help="Only withdrawals after this registry version.")
    ] = 0,
) -> None:
    """The build's files that opt-outs in force since it was built now cover (drop them
    before training again): ``SWHID<TAB>registry version`` lines, SWHIDs only."""
    from app.datasets import service, withdrawals
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem

    cursor: str | None = None
    count = 0
    with unit_of_work() as uow:
        try:
            build, _ = service.finished_build(uow.session, ref, number)
        except Problem as exc:
            raise _problem(exc) from None
        while True:
            page = withdrawals.listing(uow.session, build, since, cursor, 1000)
            for item in page.items:
                typer.echo(f"{item.swhid}\t{item.registry_version}")
            count += len(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        console.print(
            f"{count:,} withdrawn after version {since} (computed up to version "
            f"{page.checked_version})"
        )


@datasets_cli.command("exclusion")
def exclusion_cmd(
    ref: Annotated[str, typer.Argument(help="Dataset id or name.")],
    number: Annotated[int, typer.Argument(help="Build number.")],
    swhid: Annotated[str, typer.Argument(help="A content SWHID (swh:1:cnt:...).")],
) -> None:
    """Was this file left out of the build by an opt-out? Prints the answer (JSON, with
    its proof either way: check it with ``verify - --fingerprint <exclusion root>``)."""
    from app.datasets import exclusion, membership, service
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem
    from app.kit.swhid import InvalidSWHID

    with unit_of_work() as uow:
        try:
            build, _ = service.finished_build(uow.session, ref, number)
            _, sha1_git = membership.content_key(swhid, None, None)
            answer = exclusion.prove(uow.session, build, sha1_git)
        except Problem as exc:
            raise _problem(exc) from None
        except InvalidSWHID as exc:
            raise CLIError(f"not a SWHID: {exc}") from None
    typer.echo(answer.model_dump_json(indent=2))
    verdict = "was excluded" if answer.excluded else "was NOT excluded"
    console.print(
        f"{answer.swhid} {verdict} from build {number} "
        f"(excluded set: {answer.tree_size:,} files, root {answer.root})"
    )


@datasets_cli.command("verify")
def verify_cmd(
    answer: Annotated[
        Path,
        typer.Argument(help="A membership or exclusion answer (JSON; '-': stdin)."),
    ],
    fingerprint: Annotated[
        str,
        typer.Option(
            help="The root you trust: the build's extensional fingerprint for a membership "
            "answer, its optout_exclusion root for an exclusion answer."
        ),
    ],
    size: Annotated[
        int | None,
        typer.Option(help="The build's number of files (excluded files for an exclusion)."),
    ] = None,
) -> None:
    """Check a membership answer (``.../membership``) or an exclusion answer
    (``.../exclusion``) offline against a root you trust: an inclusion proof and a
    non-inclusion proof alike."""
    from app.datasets.verify import verify

    data = _load_json(answer)
    if not isinstance(data, dict) or "proof" not in data or "swhid" not in data:
        raise CLIError("not a membership or exclusion answer (it needs 'swhid' and 'proof')")
    exclusion = "excluded" in data
    try:
        member = verify(data["proof"], data["swhid"], fingerprint, size)
    except (KeyError, TypeError) as exc:
        raise CLIError(f"malformed proof: missing {exc}") from None
    except ValueError as exc:
        raise CLIError(f"the proof does NOT check out: {exc}") from None
    if exclusion:
        verdict = "WAS excluded from" if member else "was NOT excluded from"
        typer.echo(
            f"verified: {data['swhid']} {verdict} the build (excluded set with root {fingerprint})"
        )
        return
    verdict = "IS in" if member else "is NOT in"
    typer.echo(f"verified: {data['swhid']} {verdict} the build with root {fingerprint}")
