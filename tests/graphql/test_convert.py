"""``to_gql`` gives what Strawberry's ``from_pydantic`` gives, for every type of the
schema that is generated from a REST model, and drops no field."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel
from strawberry.types.base import StrawberryObjectDefinition

from app.graphql.convert import to_gql
from app.graphql.schema import build_schema
from app.licenses.findings import EffectiveLicenseOut, LicenseFindingOut, ProvenanceOut
from app.models.enums import LicenseSource, OriginKind, OwnerKind
from app.origins.gql import Origin
from app.origins.schemas import OriginOut, OwnerOut


def pydantic_types() -> list[tuple[type, type[BaseModel]]]:
    schema = build_schema()
    found = []
    for gql_type in schema.schema_converter.type_map.values():
        definition = gql_type.definition
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        model = getattr(definition.origin, "_pydantic_type", None)
        if model is not None:
            found.append((definition.origin, model))
    return found


def test_the_schema_has_pydantic_types() -> None:
    assert len(pydantic_types()) > 10


@pytest.mark.parametrize(("gql_type", "model"), pydantic_types(), ids=lambda t: t.__name__)
def test_every_model_field_is_carried(gql_type: type, model: type[BaseModel]) -> None:
    init = {f.name for f in dataclasses.fields(gql_type) if f.init}
    assert init == set(model.model_fields), gql_type


def origin_out() -> OriginOut:
    provenance = ProvenanceOut(raw_metadata_id=7, mapper_version="github/3")
    return OriginOut(
        id=1,
        swhid="swh:1:ori:" + "a" * 40,
        url="https://github.com/a/b",
        forge="github.com",
        kind=OriginKind.REPOSITORY,
        native_id="12",
        full_name="a/b",
        owner=OwnerOut(login="a", kind=OwnerKind.USER, name="A", url=None),
        description="d",
        homepage=None,
        topics=["x", "y"],
        language="Python",
        stars=3,
        forks=None,
        watchers=1,
        open_issues=0,
        is_fork=False,
        is_archived=True,
        is_template=False,
        default_branch="main",
        declared_repository_url=None,
        forge_created_at=datetime(2020, 1, 1, tzinfo=UTC),
        forge_updated_at=None,
        forge_pushed_at=None,
        last_fetched_at=None,
        last_scanned_at=None,
        effective_license=EffectiveLicenseOut(
            expression="MIT", category="permissive", conflicts=["GPL-3.0-only"], basis="file"
        ),
        provenance=provenance,
    )


def as_data(value: Any) -> Any:
    """Strawberry objects as nested dicts (type names kept) to compare two trees."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "__type": type(value).__name__,
            **{
                f.name: as_data(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
            },
        }
    if isinstance(value, list):
        return [as_data(v) for v in value]
    return value


def test_nested_models_convert_like_from_pydantic() -> None:
    model = origin_out()
    fast, reference = to_gql(Origin, model), Origin.from_pydantic(model)  # type: ignore[attr-defined]
    assert as_data(fast) == as_data(reference)
    assert type(fast.owner).__name__ == "Owner"  # type: ignore[attr-defined]
    assert fast.effective_license.conflicts == ["GPL-3.0-only"]  # type: ignore[attr-defined]


def test_lists_of_models_convert_like_from_pydantic() -> None:
    from app.licenses.gql import LicenseFinding

    finding = LicenseFindingOut(
        expression="MIT",
        original_text="MIT",
        is_mapped=True,
        source=LicenseSource.LICENSE_FILE,
        evidence_path="LICENSE",
        start_line=1,
        end_line=20,
        score=100.0,
        tool="scancode",
        tool_version="32.5.0",
        provenance=ProvenanceOut(raw_metadata_id=None, mapper_version=None),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    fast = [to_gql(LicenseFinding, f) for f in (finding, finding)]
    reference = [LicenseFinding.from_pydantic(f) for f in (finding, finding)]  # type: ignore[attr-defined]
    assert as_data(fast) == as_data(reference)
