"""The committed API contracts: openapi/openapi.json and openapi/schema.graphql.

``python -m app.ops.contracts --write`` regenerates them (``make openapi``); a test
fails when the code and the committed files differ, so a change to the API is
always a visible change to the contract in review.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.config import Settings
from app.graphql.schema import build_schema
from app.main import create_app

ROOT = Path(__file__).resolve().parents[2] / "openapi"
OPENAPI = ROOT / "openapi.json"
GRAPHQL = ROOT / "schema.graphql"


def render_openapi() -> str:
    app = create_app(Settings(database_url=None, redis_url=None))
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_graphql() -> str:
    return build_schema().as_str() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the committed files")
    args = parser.parse_args(argv)
    stale = []
    for path, text in ((OPENAPI, render_openapi()), (GRAPHQL, render_graphql())):
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        if args.write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT.parent)}")
        else:
            stale.append(str(path.relative_to(ROOT.parent)))
    if stale:
        print(f"out of date: {', '.join(stale)} (run `make openapi`)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
