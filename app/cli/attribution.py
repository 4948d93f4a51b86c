"""``codecommons attribute FILE|-`` and ``codecommons attribution backfill``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli.errors import CLIError

attribution_cli = typer.Typer(help="The attribution index.", no_args_is_help=True)
out = Console()


def attribute_cmd(
    source: Annotated[str, typer.Argument(help="A file of code, or - for standard input.")],
    language: Annotated[str | None, typer.Option(help="Its language; guessed if absent.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=50)] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Which archived files the code resembles, with the matched line ranges."""
    from pydantic import ValidationError

    from app.attribution.schemas import AttributionIn
    from app.attribution.service import attribute
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem

    if source == "-":
        snippet = sys.stdin.read()
    else:
        try:
            snippet = Path(source).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise CLIError(f"cannot read {source}: {exc.strerror}") from exc
    try:
        request = AttributionIn(snippet=snippet, language=language, limit=limit)
    except ValidationError as exc:
        raise CLIError("; ".join(e["msg"] for e in exc.errors())) from exc
    try:
        with unit_of_work() as uow:
            answer = attribute(uow.session, request)
    except Problem as exc:
        raise CLIError(str(exc.detail)) from exc
    if as_json:
        out.print_json(answer.model_dump_json())
        return
    if not answer.matches:
        out.print(
            f"no archived file resembles it ({answer.language}, {answer.fingerprints} fingerprints)"
        )
        return
    table = Table("score", "file", "lines (snippet -> file)", "where", "licenses")
    for m in answer.matches:
        ranges = ", ".join(
            f"{r.snippet_start}-{r.snippet_end} -> {r.file_start}-{r.file_end}" for r in m.ranges
        )
        where = m.occurrences[0].origin + " " + m.occurrences[0].path if m.occurrences else ""
        if m.occurrence_count > 1:
            where += f" (+{m.occurrence_count - 1})"
        licenses = sorted({f.expression for f in m.licenses if f.expression})
        licenses += [f"{o.expression} (origin)" for o in m.origin_licenses if o.expression]
        table.add_row(f"{m.score:.2f}", m.swhid, ranges, where, ", ".join(licenses) or "-")
    out.print(table)


@attribution_cli.command("backfill")
def backfill_cmd(
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="Repositories, directories or archives to read again."),
    ] = None,
    demo: Annotated[bool, typer.Option(help="Also the demo corpus's projects.")] = False,
) -> None:
    """Fingerprint archived contents the index lacks: from the content store's bytes,
    then by reading sources again (default: every origin scanned from a path of this
    machine) for what the store lacks; then the stop-list.
    Runs here, not on a worker: the paths are this machine's."""
    from app.attribution.service import backfill

    locations = list(sources or [])
    if demo:
        from app.demo.loader import CORPUS

        locations += [str(p) for p in sorted((CORPUS / "projects").iterdir()) if p.is_dir()]
    result = backfill(None, locations, lambda done, total: None)
    out.print_json(json.dumps(result))


@attribution_cli.command("stoplist")
def stoplist_cmd() -> None:
    """Recompute the stop-list from document frequencies."""
    from app.attribution.service import refresh_stoplist
    from app.kit.db import unit_of_work

    with unit_of_work() as uow:
        result = refresh_stoplist(uow.session)
    out.print_json(json.dumps(result))
