"""The committed contracts match the code (regenerate with `make openapi`)."""

from __future__ import annotations

from app.ops import contracts


def test_openapi_document_is_current() -> None:
    assert contracts.OPENAPI.read_text() == contracts.render_openapi(), "run `make openapi`"


def test_graphql_schema_is_current() -> None:
    assert contracts.GRAPHQL.read_text() == contracts.render_graphql(), "run `make openapi`"
