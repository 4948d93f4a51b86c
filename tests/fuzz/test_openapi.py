"""Schemathesis over the committed ``openapi/openapi.json``, every operation, against
the app in process: no server errors, and every answer (status code, content type,
body) is one the contract documents. Write operations are fuzzed with an API key.

Seeded (``derandomize``) and bounded (``FUZZ_EXAMPLES`` cases per operation in the
fuzzing phase, plus schemathesis's examples and coverage phases) so a run takes the
same cases each time; ``FUZZ_EXAMPLES=150`` is the long run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import TEST_API_KEY
from tests.fuzz.conftest import FUZZ_EXAMPLES, KNOWN, Tally
from tests.fuzz.hostile import (
    HOSTILE,
    HOSTILE_CURSORS,
    HOSTILE_INTEGERS,
    HOSTILE_JSON_TEXT,
    HOSTILE_TEXT,
    hostile_body,
    with_hostile,
)

Case = schemathesis.Case[Any]
OPENAPI = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Loaded eagerly, with the app given per call: schemathesis's lazy ``from_fixture``
# reads a pytest attribute that pytest 9 no longer has.
schema = schemathesis.openapi.from_path(OPENAPI)
# A dump upload (POST /v1/imports) is raw bytes, whatever they hold.
schemathesis.serializer.alias("application/x-ndjson", "application/octet-stream")


@schema.hook("flatmap_query")
def _hostile_query(context: schemathesis.HookContext, query: dict[str, Any] | None) -> Any:
    names = [p.name for p in context.operation.query] if context.operation else []
    return with_hostile(query, names, HOSTILE)


@schema.hook("flatmap_path_parameters")
def _hostile_path(context: schemathesis.HookContext, path: dict[str, Any] | None) -> Any:
    names = list(path or {})
    known = [name for name in names if name in KNOWN]
    if not known or context.operation is None:
        return with_hostile(path, names, HOSTILE)
    # Now and then a seeded object, so that 200 answers get their schemas checked too.
    name = known[0]
    where = context.operation.path
    pool = (
        "dir"
        if where.startswith("/v1/directories/")
        else "snp"
        if where.startswith("/v1/snapshots/")
        else name
    )
    given = dict(path or {})
    real = st.deferred(lambda: st.sampled_from(KNOWN[pool])).map(lambda v: {**given, name: v})
    return st.one_of(with_hostile(path, names, HOSTILE), real)


@schema.hook("flatmap_body")
def _hostile_json(context: schemathesis.HookContext, body: Any) -> Any:
    return hostile_body(body)


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(
    case: Case, fuzz_app: FastAPI, fuzz_tally: Tally
) -> None:
    response = case.call(app=fuzz_app, headers={"Authorization": f"Bearer {TEST_API_KEY}"})
    fuzz_tally.add("openapi", case.operation.label, response.status_code)
    case.validate_response(response, checks=CHECKS)


# --- the hostile sweep: every parameter and body field of every operation, each value ---


def _kind(schema: dict[str, Any]) -> set[str]:
    return {option.get("type", "") for option in schema.get("anyOf", [schema])}


def _values_for(name: str, schema: dict[str, Any], pool: list[Any]) -> list[Any]:
    """What to try in one parameter: NUL always (everything is text on the wire),
    integers past the columns where integers go, wildcards and cursors where text
    and cursors go."""
    kinds = _kind(schema)
    values: list[Any] = [v for v in pool if isinstance(v, str) and "\x00" in v]
    if "integer" in kinds:
        values += HOSTILE_INTEGERS
    if "string" in kinds:
        values += [v for v in pool if isinstance(v, str) and v not in values]
    if name == "cursor":
        values += HOSTILE_CURSORS
    return values


def _minimal_case(operation: Any) -> Case:
    """The smallest valid request of ``operation``, the same on every run."""
    found: Case = find(
        operation.as_strategy(),
        lambda _: True,
        # The first valid one drawn, not shrunk (shrinking costs seconds per operation).
        settings=settings(
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )
    return found


def hostile_variants(operation: Any) -> list[tuple[str, Any, Case]]:
    """(where, value, case): the minimal case with one input replaced."""
    base = _minimal_case(operation)

    def variant(**replaced: Any) -> Case:
        parts: dict[str, Any] = {
            "path_parameters": dict(base.path_parameters or {}),
            "query": dict(base.query or {}),
            "body": base.body,
            "media_type": base.media_type,
        }
        for container, (name, value) in replaced.items():
            if container == "body":
                parts["body"] = {**(base.body if isinstance(base.body, dict) else {}), name: value}
            else:
                parts[container][name] = value
        made: Case = operation.Case(**parts)
        return made

    variants = []
    for container, parameters in (
        ("path_parameters", operation.path_parameters),
        ("query", operation.query),
    ):
        for parameter in parameters:
            schema_ = parameter.definition.get("schema", {})
            for value in _values_for(parameter.name, schema_, HOSTILE_TEXT):
                where = f"{container.split('_')[0]}.{parameter.name}"
                variants.append((where, value, variant(**{container: (parameter.name, value)})))
    for body in operation.body:
        if body.media_type != "application/json":
            continue
        for name, schema_ in body.definition["schema"].get("properties", {}).items():
            values = _values_for(name, schema_, HOSTILE_JSON_TEXT)
            if "array" in _kind(schema_):
                values += [[v] for v in HOSTILE_JSON_TEXT]
            for value in values:
                variants.append((f"body.{name}", value, variant(body=(name, value))))
    return variants


LABELS = [result.ok().label for result in schema.get_all_operations()]  # type: ignore[union-attr]


@pytest.mark.parametrize("label", LABELS)
def test_hostile_values_in_every_input_keep_the_contract(
    label: str, fuzz_app: FastAPI, fuzz_tally: Tally
) -> None:
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    failures = []
    for where, value, case in hostile_variants(operation):
        response = case.call(app=fuzz_app, headers={"Authorization": f"Bearer {TEST_API_KEY}"})
        fuzz_tally.add("openapi-hostile", label, response.status_code)
        try:
            case.validate_response(response, checks=CHECKS)
        except AssertionError as exc:  # schemathesis failures are AssertionErrors
            failures.append(f"{where}={value!r:.60}: {str(exc).splitlines()[0]}")
    assert not failures, "\n".join(failures)
