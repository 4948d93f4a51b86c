"""``codecommons optouts ...``: the vocabulary, the registry's state and chain, what a
build would exclude, and the operator's decisions from the console."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli.errors import CLIError

optouts_cli = typer.Typer(help="The opt-out registry.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
CONSOLE_OPERATOR = "operator:console"


def _problem(exc: Exception) -> CLIError:
    return CLIError(str(getattr(exc, "detail", exc)))


@optouts_cli.command("purposes")
def purposes_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The purpose vocabulary and its mapping to aipref, Content Signals and TDMRep."""
    from app.optouts.purposes import mapping_table

    rows = mapping_table()
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("use", "parent", "aipref", "Content Signals", "read from aipref")
    for row in rows:
        table.add_row(
            row["node"],
            row["parent"],
            row["aipref"],
            row["content_signals"],
            row["read_from_aipref"],
        )
    out.print(table)


@optouts_cli.command("stats")
def stats_cmd() -> None:
    """Public aggregates: version, chain head, counts."""
    from app.kit.db import unit_of_work
    from app.optouts.registry import statistics

    with unit_of_work() as uow:
        out.print_json(json.dumps(statistics(uow.session)))


@optouts_cli.command("verify-chain")
def verify_chain_cmd() -> None:
    """Recompute every hash and digest of the registry's history (exit 1 if broken)."""
    from app.kit.db import unit_of_work
    from app.optouts.registry import verify_chain

    with unit_of_work() as uow:
        report = verify_chain(uow.session)
    for problem in report.problems:
        err.print(f"[red]{problem}[/]")
    out.print(f"checked {report.checked} events, version {report.version}, head {report.head}")
    if not report.ok:
        raise typer.Exit(1)


@optouts_cli.command("resolve")
def resolve_cmd(
    purpose: Annotated[str, typer.Argument(help="e.g. pre-training;research-only")],
    version: Annotated[int | None, typer.Option(min=0)] = None,
) -> None:
    """How many contents a build for PURPOSE at VERSION would leave out, and why."""
    from app.config import get_settings
    from app.kit.db import unit_of_work
    from app.optouts import registry, resolution
    from app.optouts.purposes import InvalidPurpose

    settings = get_settings()
    with unit_of_work() as uow:
        at = registry.current_version(uow.session) if version is None else version
        secret = settings.optouts_secret.get_secret_value() if settings.optouts_secret else None
        try:
            result = resolution.materialize(uow.session, purpose, at, secret=secret)
        except InvalidPurpose as exc:
            raise CLIError(f"purpose: {exc}") from exc
    out.print(f"purpose {result.purpose} at version {result.version}: {result.total} excluded")
    for item in result.explanations:
        out.print(f"  {item.request}  {item.scope_kind:<8} {item.method:<14} {item.contents}")


@optouts_cli.command("decide")
def decide_cmd(
    request: Annotated[str, typer.Argument(help="The request id (oo_...).")],
    decision: Annotated[str, typer.Argument(help="approve or refuse")],
    reason: Annotated[str, typer.Option(help="Recorded in the registry's history.")],
) -> None:
    """An operator's decision on a pending request, recorded with its reason."""
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem
    from app.optouts import service

    if decision not in ("approve", "refuse"):
        raise CLIError("decision is approve or refuse")
    if len(reason.strip()) < 3:
        raise CLIError("give a reason (at least 3 characters)")
    try:
        with unit_of_work() as uow:
            found = service.decide(
                uow, request, CONSOLE_OPERATOR, decision == "approve", reason.strip()
            )
            status = found.status
    except Problem as exc:
        raise _problem(exc) from exc
    out.print(f"{request}: {status}")


@optouts_cli.command("confirm")
def confirm_cmd(
    request: Annotated[str, typer.Argument(help="The request id (oo_...).")],
    code: Annotated[str, typer.Argument(help="The code from the e-mail.")],
    token: Annotated[str, typer.Option(envvar="CODECOMMONS_OPTOUT_TOKEN", help="cco_...")],
) -> None:
    """Confirm an e-mail opt-out with the code it was sent."""
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem
    from app.optouts import service

    try:
        with unit_of_work() as uow:
            status = service.confirm_email(uow, request, token, code).status
    except Problem as exc:
        raise _problem(exc) from exc
    out.print(f"{request}: {status}")


# The requester's token, for the private views below.
RequesterToken = Annotated[
    str | None,
    typer.Option(
        envvar="CODECOMMONS_OPTOUT_TOKEN",
        help="The requester's token (cco_...); without it, as the console operator.",
    ),
]


def _print_private_view(request: str, token: str | None, view_name: str) -> None:
    """One private view of a request (``app.datasets.impact``'s ``impact`` or
    ``author_view``) as JSON, for its requester's token or the console operator."""
    from app.datasets import impact
    from app.kit.db import unit_of_work
    from app.kit.problems import Problem
    from app.optouts import service

    render = {"impact": impact.impact, "author": impact.author_view}[view_name]
    try:
        with unit_of_work() as uow:
            found = service.authorize(
                uow.session, request, token, None if token else CONSOLE_OPERATOR
            )
            view = render(uow.session, found)
    except Problem as exc:
        raise _problem(exc) from exc
    out.print_json(view.model_dump_json())


@optouts_cli.command("impact")
def impact_cmd(
    request: Annotated[str, typer.Argument(help="The request id (oo_...).")],
    token: RequesterToken = None,
) -> None:
    """An opt-out's impact (JSON): what its scope covers, the builds that included that
    code and what was withdrawn from them. Private: the requester's token, or the
    operator at the console (the database's holder), as for the request itself."""
    _print_private_view(request, token, "impact")


@optouts_cli.command("author")
def author_cmd(
    request: Annotated[str, typer.Argument(help="A request id (oo_...) of the author's.")],
    token: RequesterToken = None,
) -> None:
    """An author's view (JSON) across every request verified as the identity REQUEST
    proved: each scope, the builds that included that code before the opt-out, and what
    was withdrawn from them. Private, like ``impact``."""
    _print_private_view(request, token, "author")
