"""Plan check: EXPLAIN every distinct captured statement; a sequential scan over a big
table fails the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg

from benchmarks.api.scenarios import Scenario

WATCHED_TABLES = {
    "origin",
    "content",
    "path_occurrence",
    "license_finding",
    "origin_license",
    "paper_link",
    "origin_importance",
}


@dataclass
class PlanCheck:
    scenario: str
    sql: str
    nodes: list[str]
    seq_scans: list[str]
    generic_seq_scans: list[str] | None  # None: the generic plan could not be explained


def _walk(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _walk(child)


def _describe(node: dict[str, Any]) -> str:
    text = str(node["Node Type"])
    if node.get("Scan Direction") == "Backward":
        text += " Backward"
    if "Relation Name" in node:
        text += f" {node['Relation Name']}"
    if "Index Name" in node:
        text += f" [{node['Index Name']}]"
    return text


def _seq_scans(plan: dict[str, Any]) -> list[str]:
    return [
        str(n["Relation Name"])
        for n in _walk(plan)
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in WATCHED_TABLES
    ]


def _positional(statement: str, params: Any) -> str | None:
    """The statement with $n placeholders (for EXPLAIN GENERIC_PLAN)."""
    if not isinstance(params, dict):
        return None
    names: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"${names.setdefault(match.group(1), len(names) + 1)}"

    return re.sub(r"%\((\w+)\)s", number, statement).replace("%%", "%")


def check_plans(dsn: str, items: list[Scenario], force_index: bool) -> list[PlanCheck]:
    """EXPLAIN every distinct statement the scenarios ran, with literal binds (the plan
    of a first execution) and as a generic plan (what a statement psycopg has prepared
    may switch to after five executions)."""
    checks = []
    seen: set[str] = set()
    with psycopg.connect(dsn, autocommit=True) as conn:
        if force_index:
            conn.execute("SET enable_seqscan = off")
        literal = psycopg.ClientCursor(conn)
        for scenario in items:
            for request in scenario.sql:
                for statement, params in request.statements:
                    # One check per statement shape (IN lists of any length are one).
                    shape = re.sub(
                        r"\(%\(\w+\)s(::\w+)?(, %\(\w+\)s(::\w+)?)*\)", "(...)", statement
                    )
                    if shape in seen or not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    seen.add(shape)
                    sql = literal.mogrify(statement, params)
                    explained = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()
                    assert explained is not None
                    plan = explained[0][0]["Plan"]
                    generic: list[str] | None = None
                    positional = _positional(statement, params)
                    if positional is not None:
                        try:
                            row = conn.execute(
                                f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {positional}"
                            ).fetchone()
                            assert row is not None
                            generic = _seq_scans(row[0][0]["Plan"])
                        except psycopg.Error:
                            generic = None
                    checks.append(
                        PlanCheck(
                            scenario.name,
                            sql,
                            [_describe(n) for n in _walk(plan)],
                            _seq_scans(plan),
                            generic,
                        )
                    )
    return checks


def where_clause(sql: str, width: int = 220) -> str:
    """The start of a statement's first WHERE clause (which filter values it had)."""
    flat = " ".join(sql.split())
    at = flat.find(" WHERE ")
    part = flat[at + 1 :] if at >= 0 else flat
    return part if len(part) <= width else part[: width - 3] + "..."


def short_sql(sql: str, width: int = 110) -> str:
    flat = " ".join(sql.split())
    at = flat.find(" FROM ")
    head = flat[:6] + " ..." + flat[at:] if at > 0 else flat
    return head if len(head) <= width else head[: width - 3] + "..."
