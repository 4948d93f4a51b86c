"""The API process loads what it serves, not what the workers run: no task framework,
no metadata-file readers, no paper resolvers (each was loaded once by an import
chain; together they made the first request's garbage collection ~200 ms slower)."""

from __future__ import annotations

import json
import subprocess
import sys

NOT_IN_API = ("celery", "kombu", "pykwalify", "markdown_it", "httpx", "scancode")


def test_the_api_does_not_load_worker_only_libraries() -> None:
    code = (
        "import json, sys; import app.main; "
        f"print(json.dumps([m for m in {NOT_IN_API!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
