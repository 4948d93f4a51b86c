"""Query cost: priced before execution, refused over the request's budget."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import GraphQLSchema, get_introspection_query, parse
from graphql import build_schema as schema_from_sdl
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.graphql.cost import TOTAL_COUNT_COST, CostBudget, operation_cost
from app.graphql.schema import build_schema
from app.kit.pagination import MAX_PAGE_SIZE
from app.main import create_app
from tests.factories import LicenseFindingFactory, OriginFactory

SCHEMA = build_schema()._schema

# A made-up schema with pages inside pages, to see the multipliers nest.
NESTED = schema_from_sdl(
    """
    type Query { repos(first: Int = 50): RepoConnection! }
    type RepoConnection { nodes: [Repo!]! edges: [RepoEdge!]! pageInfo: PageInfo! }
    type RepoEdge { cursor: String! node: Repo! }
    type PageInfo { hasNextPage: Boolean! }
    type Repo {
      name: String!
      issues(first: Int = 10): IssueConnection!
      members(first: Int = 5): [Person!]!
    }
    type IssueConnection { nodes: [Issue!]! totalCount: Int }
    type Issue { title: String! author: Person }
    type Person { login: String! }
    """
)

ORIGIN_FIELDS = """
    id swhid url forge kind nativeId fullName description homepage topics language
    stars forks watchers openIssues isFork isArchived isTemplate defaultBranch
    owner { login kind name url }
    effectiveLicense { expression category conflicts basis }
    provenance { rawMetadataId mapperVersion }
    licenses {
      expression originalText isMapped source evidencePath startLine endLine score
      tool toolVersion provenance { rawMetadataId mapperVersion }
    }
"""
# One page of 500 origins, everything about each: fine with a key, too much without.
COSTLY = (
    "query Everything($first: Int!) { origins(first: $first) {"
    " edges { cursor node { ...All } } pageInfo { hasNextPage endCursor } } }"
    f" fragment All on Origin {{ {ORIGIN_FIELDS} }}"
)


def cost(query: str, schema: GraphQLSchema = SCHEMA, **variables: Any) -> int | None:
    return operation_cost(schema, parse(query), variables)


def post(
    client: TestClient, query: str, headers: dict[str, str] | None = None, **variables: Any
) -> dict[str, Any]:
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def origin_sql(db: Session) -> Iterator[list[str]]:
    """The statements that read origins while the test runs."""
    statements: list[str] = []
    engine = db.get_bind().engine

    def record(*args: Any) -> None:
        if "FROM origin" in str(args[2]):
            statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


# --- the cost function on parsed documents ---------------------------------------------


def test_each_field_costs_one_and_pages_multiply_their_lists() -> None:
    # origins 1 + nodes (1 + 10 x 2) + pageInfo (1 + 1)
    assert cost("{ origins(first: 10) { nodes { id url } pageInfo { hasNextPage } } }") == 24
    # edges: 1 + 10 x (cursor 1 + node (1 + 2))
    assert cost("{ origins(first: 10) { edges { cursor node { id url } } } }") == 42
    assert cost('{ license(spdxId: "MIT") { spdxId name } }') == 3


def test_the_page_size_is_the_field_default_and_is_clamped() -> None:
    assert cost("{ origins { nodes { id } } }") == 1 + 1 + 50
    assert cost("{ jobs { nodes { id } } }") == 1 + 1 + 50
    assert cost("{ origins(first: 100000) { nodes { id } } }") == 2 + MAX_PAGE_SIZE
    assert cost("{ origins(first: -3) { nodes { id } } }") == 2 + 1


def test_variables_and_their_defaults_set_the_page_size() -> None:
    query = "query($n: Int!) { origins(first: $n) { nodes { id url } } }"
    assert cost(query, n=7) == 2 + 7 * 2
    assert cost(query, n=400) == 2 + 400 * 2
    with_default = "query($n: Int = 3) { origins(first: $n) { nodes { id } } }"
    assert cost(with_default) == 2 + 3
    assert cost(with_default, n=9) == 2 + 9


def test_fragments_count_as_if_written_in_place() -> None:
    plain = cost("{ origins(first: 10) { nodes { id url licenses { expression } } } }")
    assert plain == 2 + 10 * 4
    named = """{ origins(first: 10) { nodes { ...O } } }
        fragment O on Origin { id url licenses { ...L } }
        fragment L on LicenseFinding { expression }"""
    inline = """{ origins(first: 10) {
        nodes { ... on Origin { id } ... { url licenses { expression } } } } }"""
    assert cost(named) == cost(inline) == plain
    # A fragment on the connection still sees the page size.
    on_connection = """{ origins(first: 10) { ...Page } }
        fragment Page on OriginConnection { nodes { id } pageInfo { endCursor } }"""
    assert cost(on_connection) == 1 + (1 + 10) + 2
    twice = "{ origins(first: 10) { nodes { ...O ...O } } } fragment O on Origin { id url }"
    assert cost(twice) == 2 + 10 * 4  # an upper bound: each spread counts


def test_fragments_spreading_fragments_are_priced_quickly() -> None:
    # Each fragment spreads the next twice: 2^40 leaves, priced once per fragment.
    levels = 40
    fragments = " ".join(
        f"fragment F{i} on Origin {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    last = f"fragment F{levels} on Origin {{ id }}"
    query = f"{{ origins(first: 10) {{ nodes {{ ...F0 }} }} }} {fragments} {last}"
    started = time.monotonic()
    assert cost(query) == 2 + 10 * 2**levels
    assert time.monotonic() - started < 1


def test_aliases_count_separately() -> None:
    query = "{ a: origins(first: 10) { nodes { id } } b: origins(first: 20) { nodes { id } } }"
    assert cost(query) == (2 + 10) + (2 + 20)


def test_lists_the_client_does_not_size_count_once() -> None:
    assert cost("{ origins(first: 10) { nodes { licenses { expression source } } } }") == 2 + 10 * 3
    assert cost("{ originPapers(originId: 1) { kind paper { doi } } }") == 1 + 1 + 2


def test_skip_and_include_are_honoured() -> None:
    query = """query($s: Boolean!) { origins(first: 10) {
        nodes { id url @skip(if: $s) licenses @include(if: false) { expression } } } }"""
    assert cost(query, s=True) == 2 + 10
    assert cost(query, s=False) == 2 + 10 * 2


def test_introspection_is_free() -> None:
    assert cost(get_introspection_query()) == 0
    assert cost('{ __typename __type(name: "Origin") { fields { name } } }') == 0
    assert cost("{ origins(first: 10) { __typename nodes { __typename id } } }") == 2 + 10


def test_pages_inside_pages_multiply() -> None:
    # GitHub's example: 50 repositories, 10 issues each.
    query = "{ repos(first: 50) { nodes { name issues(first: 10) { nodes { title } } } } }"
    # repos 1 + nodes (1 + 50 x (name 1 + issues (1 + nodes (1 + 10 x 1))))
    assert cost(query, NESTED) == 1 + 1 + 50 * (1 + 1 + 1 + 10)
    defaults = "{ repos { edges { node { issues { nodes { author { login } } totalCount } } } } }"
    # edges 1 + 50 x (node 1 + issues (1 + nodes (1 + 10 x (author 1 + 1)) + totalCount))
    assert cost(defaults, NESTED) == 1 + 1 + 50 * (1 + 1 + (1 + 10 * 2) + TOTAL_COUNT_COST)
    # A paged field returning a plain list multiplies its own selection.
    assert cost("{ repos(first: 2) { nodes { members(first: 3) { login } } } }", NESTED) == (
        1 + 1 + 2 * (1 + 3 * 1)
    )


def test_operations_and_variables_that_cannot_run_are_not_priced() -> None:
    two = (
        "query A { origins(first: 1) { nodes { id } } } query B { jobs(first: 2) { nodes { id } } }"
    )
    assert operation_cost(SCHEMA, parse(two), None, "B") == 2 + 2
    assert operation_cost(SCHEMA, parse(two), None, "C") is None
    assert operation_cost(SCHEMA, parse(two)) is None  # ambiguous without a name
    assert cost("query($n: Int!) { origins(first: $n) { nodes { id } } }") is None
    assert cost("query($n: Int!) { origins(first: $n) { nodes { id } } }", n="many") is None


def test_the_costly_query_sits_between_the_two_budgets() -> None:
    budget = CostBudget.defaults()
    priced = cost(COSTLY, first=MAX_PAGE_SIZE)
    assert priced is not None
    assert budget.anonymous < priced <= budget.key
    assert cost(COSTLY, first=10) is not None
    assert (cost(COSTLY, first=10) or 0) < budget.anonymous


def test_refused_before_execution_without_a_context() -> None:
    result = build_schema().execute_sync(COSTLY, variable_values={"first": 500})
    assert result.data is None
    assert result.errors is not None
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == "query-too-costly"
    assert result.extensions is not None
    assert result.extensions["cost"]["limit"] == CostBudget.defaults().anonymous


# --- over HTTP ------------------------------------------------------------------------


def test_a_cheap_query_passes_and_reports_its_cost(client: TestClient, db: Session) -> None:
    OriginFactory()
    body = post(client, "{ origins(first: 2) { nodes { id } } }")
    assert "errors" not in body
    assert len(body["data"]["origins"]["nodes"]) == 1
    assert body["extensions"]["cost"] == {
        "requested": 4,
        "limit": client.app.state.settings.graphql_max_cost_anonymous,  # type: ignore[attr-defined]
    }


def test_a_costly_query_is_refused_anonymously_and_nothing_runs(
    client: TestClient, db: Session, origin_sql: list[str]
) -> None:
    LicenseFindingFactory(origin_id=OriginFactory().id)
    body = post(client, COSTLY, first=MAX_PAGE_SIZE)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "query-too-costly"
    requested, limit = error["extensions"]["cost"], error["extensions"]["limit"]
    assert limit == 10_000 < requested
    assert f"query cost {requested} exceeds the budget of {limit}" in error["message"]
    assert "API key" in error["message"]
    assert body["extensions"]["cost"] == {"requested": requested, "limit": limit}
    assert origin_sql == []  # no resolver ran


def test_the_same_query_passes_with_an_api_key(
    client: TestClient, db: Session, auth: dict[str, str], origin_sql: list[str]
) -> None:
    LicenseFindingFactory(origin_id=OriginFactory().id, expression="MIT")
    body = post(client, COSTLY, headers=auth, first=MAX_PAGE_SIZE)
    assert "errors" not in body, body["errors"]
    [edge] = body["data"]["origins"]["edges"]
    assert edge["node"]["licenses"][0]["expression"] == "MIT"
    assert body["extensions"]["cost"]["limit"] == 100_000
    assert body["extensions"]["cost"]["requested"] > 10_000
    assert origin_sql  # it ran
    wrong_key = post(client, COSTLY, headers={"X-API-Key": "nope"}, first=MAX_PAGE_SIZE)
    assert wrong_key["errors"][0]["extensions"]["code"] == "query-too-costly"


def test_variables_and_fragments_are_counted_over_http(client: TestClient) -> None:
    small = post(client, COSTLY, first=5)
    assert "errors" not in small
    assert small["extensions"]["cost"]["requested"] == cost(COSTLY, first=5)
    big = post(client, COSTLY, first=400)
    assert big["errors"][0]["extensions"]["code"] == "query-too-costly"
    assert big["extensions"]["cost"]["requested"] == cost(COSTLY, first=400)


def test_introspection_is_allowed_anonymously(client: TestClient) -> None:
    body = post(client, "{ __schema { queryType { name } types { name fields { name } } } }")
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    assert body["extensions"]["cost"]["requested"] == 0


def test_the_budgets_come_from_the_settings(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], db: Session
) -> None:
    tight = settings.model_copy(update={"graphql_max_cost_anonymous": 3})
    app = create_app(tight, engine=engine, session_factory=session_factory)
    with TestClient(app) as client:
        assert "errors" not in post(client, "{ origins(first: 1) { nodes { id } } }")
        refused = post(client, "{ origins(first: 2) { nodes { id } } }")
        assert refused["errors"][0]["extensions"] == {
            "code": "query-too-costly",
            "cost": 4,
            "limit": 3,
        }
        assert "raises it to 100000" in refused["errors"][0]["message"]


def test_total_count_is_priced_like_a_large_page() -> None:
    without = cost("{ origins(first: 1) { nodes { id } } }")
    with_count = cost("{ origins(first: 1) { totalCount nodes { id } } }")
    assert without is not None
    assert with_count == without + TOTAL_COUNT_COST
