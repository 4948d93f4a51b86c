"""``codecommons keys create|list|revoke``: API keys with scopes.

The key is printed once, at creation, on stdout (so ``$(codecommons keys create ...)``
captures it); only its hash is stored. The table shows names, scopes and the first
characters of each key, never a key.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli.errors import CLIError

keys_cli = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


@keys_cli.command("create")
def create_cmd(
    name: Annotated[str, typer.Argument(help="A name for the key (who or what holds it).")],
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            "-s",
            help="read, submit or admin (repeat; each includes the ones before it). "
            "Default: submit.",
        ),
    ] = None,
) -> None:
    """Create a key and print it (once: only its hash is kept)."""
    from app.keys import service
    from app.kit.db import unit_of_work

    try:
        with unit_of_work() as uow:
            row, secret = service.create(uow.session, name, scope or ["submit"])
            scopes = list(row.scopes)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    err.print(f"[green]key {name!r} created[/] with scopes {', '.join(scopes)}; it is shown once:")
    print(secret)


@keys_cli.command("list")
def list_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every key: name, scopes, first characters, created, revoked."""
    from app.keys import repository
    from app.kit.db import unit_of_work

    with unit_of_work() as uow:
        rows = [
            {
                "name": row.name,
                "scopes": list(row.scopes),
                "prefix": row.prefix,
                "created_at": row.created_at.isoformat(),
                "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
            }
            for row in repository.all_keys(uow.session)
        ]
    if as_json:
        print(json.dumps(rows))
        return
    table = Table("name", "scopes", "key starts", "created", "revoked")
    for row in rows:
        table.add_row(
            str(row["name"]),
            ", ".join(row["scopes"]),  # type: ignore[arg-type]
            f"{row['prefix']}…",
            str(row["created_at"])[:19],
            str(row["revoked_at"] or "")[:19],
        )
    out.print(table)


@keys_cli.command("revoke")
def revoke_cmd(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke a key: refused from the next request on (the row stays, for the jobs
    that name it)."""
    from app.keys import service
    from app.kit.db import unit_of_work

    try:
        with unit_of_work() as uow:
            service.revoke(uow.session, name)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    err.print(f"key {name!r} revoked")
