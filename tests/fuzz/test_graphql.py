"""Schemathesis over the committed ``openapi/schema.graphql``, every root field, against
the app in process: well-formed responses that keep the schema's non-null promises,
and no server errors.

A server error in GraphQL is an error the service did not classify: every error a
client can cause carries ``extensions.code`` (``validation-error``, ``invalid-cursor``,
``not-found``, ``graphql-validation``...), our own faults carry ``internal-error``
and nothing else. Schemathesis's built-in ``not_a_server_error`` cannot tell a
resolver that refused a bad argument (an error with a ``path``) from one that
crashed unless errors use Apollo's codes, so the check here reads ours; it fails on
a 5xx as the built-in one does.
"""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import graphql
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from graphql.pyutils import Undefined
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import TEST_API_KEY
from tests.fuzz.conftest import FUZZ_EXAMPLES, Tally
from tests.fuzz.hostile import HOSTILE_CURSORS, HOSTILE_INTEGERS, HOSTILE_JSON_TEXT

Case = schemathesis.Case[Any]
SDL = Path(__file__).resolve().parents[2] / "openapi" / "schema.graphql"

schema = schemathesis.graphql.from_path(SDL)
schemathesis.graphql.scalar(
    "DateTime",
    st.datetimes(timezones=st.just(UTC)).map(lambda when: nodes.String(when.isoformat())),
)


def client_errors_only(response: schemathesis.Response) -> list[str]:
    """The problems with a GraphQL answer: a 5xx, a body that is not a GraphQL
    response, or an error that is ours (``internal-error``) or unclassified."""
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}"]
    body: Any = response.json()
    if not isinstance(body, dict) or not ({"data", "errors"} & set(body)):
        return [f"not a GraphQL response: {str(body)[:200]}"]
    problems = []
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code is None or code == "internal-error":
            problems.append(f"{code}: {error.get('message')}")
    return problems


@schemathesis.check
def no_internal_errors(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
) -> None:
    problems = client_errors_only(response)
    assert not problems, "\n".join(problems)


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_graphql_field_answers_without_server_errors(
    case: Case, fuzz_app: FastAPI, fuzz_tally: Tally
) -> None:
    response = case.call(
        app=fuzz_app,
        base_url="http://testserver/graphql",
        headers={"Authorization": f"Bearer {TEST_API_KEY}"},
    )
    fuzz_tally.add(
        "graphql",
        case.operation.label,
        response.status_code,
        server_error=bool(client_errors_only(response)),
    )
    case.validate_response(response, checks=[response_schema_conformance, no_internal_errors])


# --- the hostile sweep: every argument of every root field, each value ---

SDL_SCHEMA = graphql.build_schema(SDL.read_text())
# Required arguments other than the one under test get a well-formed value, so the
# hostile one is what the resolver has to deal with.
FILLERS: dict[str, Any] = {
    "key": f"sha1:{'0' * 40}",
    "swhid": f"swh:1:snp:{'0' * 40}",
    "identifier": "10.5555/fuzz",
    "spdxId": "MIT",
}


def _values_for(name: str, type_name: str) -> list[Any]:
    values: list[Any] = list(HOSTILE_JSON_TEXT)  # as a variable, any type can be sent text
    if type_name == "Int":
        values += HOSTILE_INTEGERS
    if name == "after":
        values += HOSTILE_CURSORS
    if type_name == "DateTime":
        values += ["not a date", "99999-01-01T00:00:00Z"]
    return values


def _selection(field: graphql.GraphQLField) -> str:
    target = graphql.get_named_type(field.type)
    return " { __typename }" if isinstance(target, graphql.GraphQLObjectType) else ""


def hostile_queries() -> list[tuple[str, str, dict[str, Any]]]:
    """(label, document, variables): each root field called with one argument, as a
    variable, set to a hostile value; its other required arguments filled in."""
    query_type = SDL_SCHEMA.query_type
    assert query_type is not None
    found = []
    for field_name, field in sorted(query_type.fields.items()):
        for arg_name, arg in sorted(field.args.items()):
            type_text = str(arg.type).rstrip("!")
            others = ", ".join(
                f"{name}: {json.dumps(FILLERS.get(name, 1 if 'Int' in str(a.type) else 'x'))}"
                for name, a in sorted(field.args.items())
                if name != arg_name
                and graphql.is_non_null_type(a.type)
                and a.default_value is Undefined
            )
            call = f"{field_name}({arg_name}: $v{', ' + others if others else ''})"
            document = f"query($v: {type_text}) {{ {call}{_selection(field)} }}"
            named = graphql.get_named_type(arg.type).name
            for value in _values_for(arg_name, named):
                found.append((f"{field_name}({arg_name})", document, {"v": value}))
    return found


def test_hostile_values_in_every_argument_are_client_errors(
    fuzz_app: FastAPI, fuzz_tally: Tally
) -> None:
    client = TestClient(fuzz_app, raise_server_exceptions=False)
    failures = []
    queries = hostile_queries()
    assert len(queries) > 200
    for label, document, variables in queries:
        # ASCII-escaped by hand: a lone surrogate cannot be encoded as UTF-8.
        payload = json.dumps({"query": document, "variables": variables})
        response = client.post(
            "/graphql",
            content=payload,
            headers={"content-type": "application/json", "authorization": f"Bearer {TEST_API_KEY}"},
        )
        problems = client_errors_only(schemathesis.Response.from_any(response))
        fuzz_tally.add("graphql-hostile", label, response.status_code, bool(problems))
        if problems:
            failures.append(f"{label} {variables!r:.60}: {problems[0]}")
    assert not failures, "\n".join(failures)
