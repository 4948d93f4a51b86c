"""Generate a Jupyter notebook from a script written in the "percent" cell format.

Cells start at lines ``# %%`` (code) and ``# %% [markdown]`` (markdown, each line a
comment), the format that Jupytext, VS Code and PyCharm also read. Run from the
repository root after editing the script:

    python examples/build_notebook.py            # rewrites examples/notebook_graphql.ipynb
    python examples/build_notebook.py --check    # exits 1 if the notebook is stale

Only the standard library is needed; the notebook is written without outputs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "notebook_graphql.py"
NOTEBOOK = HERE / "notebook_graphql.ipynb"


def cells(source: str) -> list[dict[str, Any]]:
    """Split percent-format source into notebook cells."""
    found: list[tuple[str, list[str]]] = []
    for line in source.splitlines():
        if line.startswith("# %%"):
            found.append(("markdown" if "[markdown]" in line else "code", []))
        elif found:
            found[-1][1].append(line)
    out: list[dict[str, Any]] = []
    for kind, lines in found:
        if kind == "markdown":
            lines = [line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines]
        text = "\n".join(lines).strip("\n")
        if not text:
            continue
        body = [line + "\n" for line in text.split("\n")]
        body[-1] = body[-1].rstrip("\n")
        cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": body}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    return out


def notebook(source: str) -> str:
    document = {
        "cells": cells(source),
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the .ipynb from the example script.")
    parser.add_argument("--check", action="store_true", help="only check it is up to date")
    args = parser.parse_args(argv)
    wanted = notebook(SCRIPT.read_text(encoding="utf-8"))
    if args.check:
        current = NOTEBOOK.read_text(encoding="utf-8") if NOTEBOOK.exists() else ""
        if current != wanted:
            print(f"{NOTEBOOK.name} is stale: run python examples/build_notebook.py")
            return 1
        return 0
    NOTEBOOK.write_text(wanted, encoding="utf-8")
    print(f"wrote {NOTEBOOK}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
