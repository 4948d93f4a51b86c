"""Pydantic models (the REST schemas) into their Strawberry types, fast.

Written by hand because Strawberry's ``from_pydantic`` resolves every field's type
annotation on every call: a py-spy profile of a 50-origin GraphQL query spent 40% of
the request there (``StrawberryField.resolve_type`` alone 11%). Our GraphQL types are
generated from the REST schemas with ``all_fields=True``, so a conversion is a copy of
the same-named attributes, nested models converted the same way; the list of fields
is computed once per class. ``tests/graphql/test_convert.py`` checks that the result
equals ``from_pydantic``'s.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")
_FIELDS: dict[type, tuple[str, ...]] = {}


def to_gql(cls: type[T], model: BaseModel) -> T:
    """``cls.from_pydantic(model)``, without re-resolving annotations."""
    names = _FIELDS.get(cls)
    if names is None:
        init = (f.name for f in dataclasses.fields(cls) if f.init)  # type: ignore[arg-type]
        names = _FIELDS[cls] = tuple(n for n in init if n in type(model).model_fields)
    return cls(**{name: _value(getattr(model, name)) for name in names})


def _value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        target = getattr(type(value), "_strawberry_type", None)
        return value if target is None else to_gql(target, value)
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value
