"""Operator errors are one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def codecommons(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_URL": "mysql://x/y"},
            "invalid setting DATABASE_URL: Value error, must be a postgresql:// URL",
        ),
        ({"API_PORT": "eighty"}, "invalid setting API_PORT"),
        ({"REDIS_URL": "http://x"}, "invalid setting REDIS_URL"),
        ({}, "DATABASE_URL is not set"),
        ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, "cannot reach the database"),
    ],
)
def test_bad_configuration_is_one_line(env: dict[str, str], message: str) -> None:
    result = codecommons("migrate", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("codecommons: error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def check_verdicts(stderr: str) -> dict[str, str]:
    """``{dependency: "ok" | "FAIL"}`` from the lines `codecommons check` prints."""
    return {
        words[0]: words[1]
        for words in (line.split() for line in stderr.splitlines())
        if len(words) >= 2 and words[0] in {"database", "migrations", "broker"}
    }


def test_check_reports_each_dependency(database_url: str, engine: object) -> None:
    result = codecommons(
        "check", env={"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    assert result.returncode == 1
    # Each dependency's own verdict, read from its own line: a bare `"ok" in stderr`
    # was satisfied by the word "broker" whatever the database's state.
    assert check_verdicts(result.stderr) == {
        "database": "ok",
        "migrations": "ok",
        "broker": "FAIL",
    }, result.stderr


def test_check_reports_an_unreachable_database_as_failed() -> None:
    """The same reading catches a failing database (where `"ok" in stderr` did not)."""
    result = codecommons(
        "check",
        env={
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "REDIS_URL": "redis://127.0.0.1:1/0",
        },
    )
    assert result.returncode == 1
    assert "ok" in result.stderr  # what the old assertion took for success ("broker")
    assert check_verdicts(result.stderr) == {
        "database": "FAIL",
        "migrations": "FAIL",
        "broker": "FAIL",
    }


def test_help_lists_the_processes() -> None:
    result = codecommons("--help")
    assert result.returncode == 0
    for command in ("run", "api", "worker", "beat", "migrate", "load-demo", "jobs"):
        assert command in result.stdout


def test_import_of_a_missing_file_is_one_line(database_url: str, engine: object) -> None:
    result = codecommons("import", "/nonexistent/dump.jsonl", env={"DATABASE_URL": database_url})
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "codecommons: error: cannot read /nonexistent/dump.jsonl: no such file"
    )


def test_import_reports_failed_lines(database_url: str, engine: object, tmp_path: object) -> None:
    from pathlib import Path

    dump = Path(str(tmp_path)) / "dump.jsonl"
    dump.write_bytes(b'{"authority": "github.com"}\n')
    result = codecommons("import", str(dump), env={"DATABASE_URL": database_url})
    assert result.returncode == 1
    assert "1 failed" in result.stderr
    assert "line 1: invalid envelope: missing 'format', 'kind', 'payload'" in result.stderr


def test_import_lists_every_failed_line(
    database_url: str, engine: object, tmp_path: object
) -> None:
    """Not only the first ten (issue 10, item 9): an operator fixing a dump needs them all."""
    from pathlib import Path

    dump = Path(str(tmp_path)) / "dump.jsonl"
    dump.write_bytes(b"".join(b'{"authority": "github.com", "n": %d}\n' % n for n in range(25)))
    result = codecommons("import", str(dump), env={"DATABASE_URL": database_url})
    assert result.returncode == 1
    assert "25 failed" in result.stderr
    for line_no in range(1, 26):
        assert f"line {line_no}: invalid envelope" in result.stderr


def test_a_pool_timeout_is_one_line_not_a_traceback() -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from app.cli.errors import describe

    line = describe(PoolTimeout("QueuePool limit of size 1 overflow 1 reached"))
    assert line == "every database connection is busy; retry shortly"
