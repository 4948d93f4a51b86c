"""GraphQL refuses what REST refuses, the GraphQL way: an error whose
``extensions.code`` says what was wrong, no data, and no resolver run. These inputs
used to answer ``"internal error"`` (``code: internal-error``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.kit.test_pagination import HOSTILE

# A field and how to call it with one string argument set to $value.
STRING_ARGUMENTS = [
    ("origins", "origins(language: $value) { nodes { id } }"),
    ("origins", "origins(q: $value) { nodes { id } }"),
    ("origin", "origin(url: $value) { id }"),
    ("licenses", "licenses(q: $value) { nodes { spdxId } }"),
    ("license", "license(spdxId: $value) { spdxId }"),
    ("owners", "owners(login: $value) { nodes { id } }"),
    ("jobs", "jobs(kind: $value) { nodes { id } }"),
    ("content", "content(key: $value) { length }"),
    ("resolveSWHID", "resolveSWHID(swhid: $value) { swhid }"),
    ("paper", "paper(identifier: $value) { id }"),
]


def gql(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    # ASCII-escaped by hand: httpx's json= cannot encode a lone surrogate.
    payload = json.dumps({"query": query, "variables": variables})
    response = client.post(
        "/graphql", content=payload, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def assert_refused(body: dict[str, Any], code: str) -> None:
    assert body["data"] is None, body
    codes = [error["extensions"]["code"] for error in body["errors"]]
    assert codes == [code], body


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "surrogate"])
@pytest.mark.parametrize(("field", "call"), STRING_ARGUMENTS, ids=[c for _, c in STRING_ARGUMENTS])
def test_unstorable_text_in_a_variable_is_refused(
    client: TestClient, field: str, call: str, bad: str
) -> None:
    body = gql(client, f"query($value: String!) {{ {call} }}", {"value": bad})
    assert_refused(body, "validation-error")
    assert "$value" in body["errors"][0]["message"]


@pytest.mark.parametrize(("field", "call"), STRING_ARGUMENTS, ids=[c for _, c in STRING_ARGUMENTS])
def test_nul_in_a_literal_argument_is_refused(client: TestClient, field: str, call: str) -> None:
    body = gql(client, "{ " + call.replace("$value", '"a\\u0000b"') + " }")
    assert_refused(body, "validation-error")


# Each connection, its cursor kind and key length, and any argument it needs.
CONNECTIONS = [
    ("origins", "origins:id:asc", 2, ""),
    ("licenses", "licenses", 1, ""),
    ("jobs", "jobs", 1, ""),
    ("issues", "issues", 1, ""),
    ("owners", "owners", 1, ""),
    ("papers", "papers", 1, ""),
    ("contentOccurrences", "occurrences", 1, f'key: "sha1:{"0" * 40}", '),
    ("directoryEntries", "entries", 1, f'swhid: "swh:1:dir:{"0" * 40}", '),
    ("snapshotBranches", "branches", 1, f'swhid: "swh:1:snp:{"0" * 40}", '),
]


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
@pytest.mark.parametrize(
    ("field", "kind", "arity", "arguments"), CONNECTIONS, ids=[c[0] for c in CONNECTIONS]
)
def test_hostile_cursors_are_invalid_cursor_errors(
    client: TestClient, field: str, kind: str, arity: int, arguments: str, hostile: str
) -> None:
    selection = f"{field}({arguments}after: $after) {{ pageInfo {{ endCursor }} }}"
    query = f"query($after: String) {{ {selection} }}"
    body = gql(client, query, {"after": HOSTILE[hostile](kind, arity)})
    assert_refused(body, "invalid-cursor")
