"""Integers in paths and filters are bounded by the columns they reach: beyond them a
422 naming the parameter, where they used to end as ``integer out of range`` or
``bigint out of range`` (500)."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from annotated_types import Interval
from fastapi.testclient import TestClient
from sqlalchemy import BigInteger, Integer, SmallInteger
from sqlalchemy.orm import InstrumentedAttribute

from app.config import Settings
from app.kit import params
from app.main import create_app
from app.models import (
    DatasetBuild,
    DatasetManifest,
    DatasetRevision,
    Job,
    OptoutEvent,
    Origin,
    Owner,
    Paper,
    RawMetadata,
)

COLUMN_MAX = {SmallInteger: params.INT2_MAX, Integer: params.INT4_MAX, BigInteger: params.INT8_MAX}
ALIASES: list[tuple[str, Any, InstrumentedAttribute[Any]]] = [
    ("OriginId", params.OriginId, Origin.id),
    ("OwnerId", params.OwnerId, Owner.id),
    ("RawId", params.RawId, RawMetadata.id),
    ("JobId", params.JobId, Job.id),
    ("PaperId", params.PaperId, Paper.id),
    ("StarCount", params.StarCount, Origin.stars),
    ("ForkCount", params.ForkCount, Origin.forks),
    ("RevisionNumber", params.RevisionNumber, DatasetRevision.revision),
    ("BuildNumber", params.BuildNumber, DatasetBuild.number),
    ("LeafIndex", params.LeafIndex, DatasetManifest.leaf_index),
    ("RegistryVersion", params.RegistryVersion, OptoutEvent.seq),
]


def _bounds(alias: Any) -> Interval:
    return next(a for a in get_args(alias)[1:] if isinstance(a, Interval))


@pytest.mark.parametrize(("name", "alias", "column"), ALIASES, ids=[a[0] for a in ALIASES])
def test_alias_bound_is_its_column_types_bound(
    name: str, alias: Any, column: InstrumentedAttribute[Any]
) -> None:
    column_type = type(column.property.columns[0].type)
    # SQLAlchemy's BigInteger and SmallInteger subclass Integer: the most derived wins.
    maximum = next(v for t, v in COLUMN_MAX.items() if column_type is t)
    assert _bounds(alias).le == maximum, f"{name} allows up to {_bounds(alias).le}"


def test_every_integer_parameter_of_the_api_is_bounded() -> None:
    document = create_app(Settings(database_url=None, redis_url=None)).openapi()
    unbounded = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                for option in parameter["schema"].get("anyOf", [parameter["schema"]]):
                    if option.get("type") == "integer" and (
                        "maximum" not in option or "minimum" not in option
                    ):
                        unbounded.append(f"{method.upper()} {path} {parameter['name']}")
    assert not unbounded


@pytest.mark.parametrize(
    ("path", "query", "name"),
    [
        ("/v1/origins/9223372036854775808", {}, "path.origin_id"),
        ("/v1/origins/-9223372036854775809", {}, "path.origin_id"),
        ("/v1/origins/99999999999999999999999999", {}, "path.origin_id"),
        ("/v1/owners/9223372036854775808", {}, "path.owner_id"),
        ("/v1/raw/9223372036854775808", {}, "path.raw_id"),
        ("/v1/jobs/9223372036854775808", {}, "path.job_id"),
        ("/v1/jobs/9223372036854775808/items", {}, "path.job_id"),
        ("/v1/papers/9223372036854775808", {}, "path.paper_id"),
        ("/v1/origins/9223372036854775808/papers", {}, "path.origin_id"),
        ("/v1/origins/9223372036854775808/raw", {}, "path.origin_id"),
        ("/v1/issues", {"origin_id": 2**63}, "query.origin_id"),
        ("/v1/origins", {"stars_min": 2**63}, "query.stars_min"),
        ("/v1/origins", {"stars_max": 2**63}, "query.stars_max"),
        ("/v1/origins", {"forks_min": 2**63}, "query.forks_min"),
        ("/v1/origins", {"forks_max": 2**63}, "query.forks_max"),
        ("/v1/datasets/d/builds/2147483648", {}, "path.number"),
        ("/v1/datasets/d/revisions/2147483648", {}, "path.number"),
        ("/v1/optouts/registry/chain", {"after": 2**63}, "query.after"),
    ],
)
def test_integers_beyond_their_column_are_a_422(
    client: TestClient, path: str, query: dict[str, int], name: str
) -> None:
    response = client.get(path, params=query)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/validation-error"
    assert response.json()["errors"][0]["location"] == name


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        (f"/v1/origins/{params.INT8_MAX}", {}, 404),
        (f"/v1/jobs/{params.INT8_MAX}", {}, 404),
        ("/v1/issues", {"origin_id": params.INT8_MAX}, 200),
        ("/v1/origins", {"stars_min": params.INT8_MAX, "forks_max": params.INT8_MAX}, 200),
    ],
)
def test_the_largest_values_the_columns_hold_are_accepted(
    client: TestClient, path: str, query: dict[str, int], status: int
) -> None:
    assert client.get(path, params=query).status_code == status


@pytest.mark.parametrize(
    "query",
    [
        "{ origin(id: 9223372036854775807) { id } }",
        "{ issues(originId: 2147483648) { nodes { id } } }",
        "{ origins(starsMin: 2147483648) { nodes { id } } }",
    ],
)
def test_graphql_int_arguments_are_32_bit(client: TestClient, query: str) -> None:
    """GraphQL's Int is a signed 32-bit integer: larger literals never reach a column."""
    body = client.post("/graphql", json={"query": query}).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "graphql-validation"


def test_graphql_int_variables_beyond_32_bit_are_client_errors(client: TestClient) -> None:
    """The same through a variable used to answer "internal error"."""
    body = client.post(
        "/graphql",
        json={"query": "query($id: Int) { origin(id: $id) { id } }", "variables": {"id": 2**40}},
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "graphql-validation", body
