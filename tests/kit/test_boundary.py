"""Text the database cannot store (NUL, lone surrogates) is refused at the door, with a
422 naming the field, on every route: query and path parameters, headers, JSON bodies.
Each case used to reach PostgreSQL and answer 500 (``PostgreSQL text fields cannot
contain NUL``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.boundary import RequestModel
from app.main import create_app
from app.models import Forge, Job, Origin
from tests import factories

NUL_TEXT = "a\x00b"
# A lone surrogate: valid in JSON ("\ud800"), not encodable as UTF-8.
SURROGATE_JSON = '"a\\ud800b"'


def _openapi() -> dict[str, Any]:
    return create_app(Settings(database_url=None, redis_url=None)).openapi()


def _is_text(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(o.get("type") == "string" and "enum" not in o for o in options)


def _text_parameters(where: str) -> list[tuple[str, str, str]]:
    """(method, path, name) of every free-text parameter ``in`` query or path."""
    found = []
    for path, item in _openapi()["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == where and _is_text(parameter["schema"]):
                    found.append((method.upper(), path, parameter["name"]))
    return found


def _fill(path: str, **values: str) -> str:
    """The path with every parameter set: ``values`` by name, else a plain word."""
    parts = []
    for segment in path.split("/"):
        if segment.startswith("{"):  # "{name}" or "{name}.png"
            name, _, suffix = segment[1:].partition("}")
            segment = quote(values.get(name, "1"), safe=":") + suffix
        parts.append(segment)
    return "/".join(parts)


def _assert_refused(response: Any, location: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert location in [e["location"] for e in problem["errors"]], problem
    assert "NUL" in problem["detail"] or "surrogate" in problem["detail"], problem


QUERY_TEXT = _text_parameters("query")
PATH_TEXT = _text_parameters("path")


def test_the_api_has_text_parameters_to_check() -> None:
    # Guards the parametrizations below against silently testing nothing.
    assert len(QUERY_TEXT) >= 15
    assert len(PATH_TEXT) >= 5


@pytest.mark.parametrize(("method", "path", "name"), QUERY_TEXT)
def test_nul_in_any_text_query_parameter_is_refused(
    client: TestClient, auth: dict[str, str], method: str, path: str, name: str
) -> None:
    response = client.request(method, _fill(path), params={name: NUL_TEXT}, headers=auth)
    _assert_refused(response, f"query.{name}")


@pytest.mark.parametrize(("method", "path", "name"), PATH_TEXT)
def test_nul_in_any_text_path_parameter_is_refused(
    client: TestClient, auth: dict[str, str], method: str, path: str, name: str
) -> None:
    response = client.request(method, _fill(path, **{name: NUL_TEXT}), headers=auth)
    _assert_refused(response, f"path.{name}")


@pytest.mark.parametrize("header", ["If-None-Match", "X-API-Key", "Authorization"])
def test_nul_in_a_header_we_read_is_refused(client: TestClient, header: str) -> None:
    response = client.get("/v1/origins", headers={header: "Bearer a\x00b"})
    _assert_refused(response, f"header.{header.lower()}")


BODIES = [
    ("/v1/scans", '{"location": %s}'),
    ("/v1/scans", '{"location": "/tmp/x", "origin_url": %s}'),
    ("/v1/origins/fetch", '{"url": %s}'),
    ("/v1/rederive", '{"authority": %s}'),
    ("/v1/lookup", '{"items": ["swh:1:cnt:0000000000000000000000000000000000000000", %s]}'),
]


@pytest.mark.parametrize("bad", [json.dumps("https://github.com/a/" + NUL_TEXT), SURROGATE_JSON])
@pytest.mark.parametrize(("path", "template"), BODIES)
def test_unstorable_text_in_a_json_body_is_refused_and_writes_nothing(
    client: TestClient, auth: dict[str, str], db: Session, path: str, template: str, bad: str
) -> None:
    jobs, origins = db.scalar(select(func.count(Job.id))), db.scalar(select(func.count(Origin.id)))
    response = client.post(
        path, content=template % bad, headers={**auth, "content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    field = template.split('"')[-2] if template.endswith(": %s}") else "items"
    assert problem["errors"][0]["location"] == f"body.{field}", problem
    assert db.scalar(select(func.count(Job.id))) == jobs
    assert db.scalar(select(func.count(Origin.id))) == origins


def test_every_request_body_model_inherits_the_rule() -> None:
    """A new body model that forgot to derive from RequestModel would let NUL in."""

    def subclasses(cls: type[Any]) -> set[str]:
        found: set[str] = set()
        for sub in cls.__subclasses__():
            found |= {sub.__name__, *subclasses(sub)}
        return found

    guarded = subclasses(RequestModel)
    bodies = set()
    for item in _openapi()["paths"].values():
        for operation in item.values():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media["schema"].get("$ref") or str(media["schema"].get("anyOf", ""))
                if "#/components/schemas/" in ref:
                    bodies.add(ref.split("#/components/schemas/")[1].split("'")[0])
    assert bodies, "no JSON request bodies found"
    assert bodies <= guarded, bodies - guarded


def test_a_rejected_fetch_writes_nothing(
    client: TestClient, auth: dict[str, str], db: Session
) -> None:
    """A URL refused after the work began (no repository in it) rolls back whole."""
    counts = [db.scalar(select(func.count(t.id))) for t in (Forge, Origin, Job)]
    response = client.post("/v1/origins/fetch", json={"url": "https://github.com/"}, headers=auth)
    assert response.status_code == 400, response.text
    assert [db.scalar(select(func.count(t.id))) for t in (Forge, Origin, Job)] == counts


@pytest.mark.usefixtures("db")
def test_valid_text_still_passes(client: TestClient) -> None:
    origin = factories.OriginFactory(full_name="naïve/ünïcode-😀")
    response = client.get("/v1/origins/lookup", params={"url": origin.url})
    assert response.status_code == 200, response.text
