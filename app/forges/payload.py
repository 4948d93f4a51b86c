"""Typed, checked reads from decoded JSON payloads.

Forge payloads are untrusted JSON: a key may be missing, ``null`` or of another type
than documented. Every mapper reads through these helpers so a malformed payload
becomes :class:`UnmappablePayload` with a clear reason instead of a ``KeyError`` or
``TypeError`` escaping, and unknown extra keys are simply never looked at.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from app.forges.errors import UnmappablePayload

JSONObject = Mapping[str, Any]


def as_object(value: object, what: str) -> JSONObject:
    if not isinstance(value, Mapping):
        raise UnmappablePayload(f"{what}: expected a JSON object, got {_type_name(value)}")
    return value


def as_list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise UnmappablePayload(f"{what}: expected a JSON array, got {_type_name(value)}")
    return value


def req_str(obj: JSONObject, key: str, what: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise UnmappablePayload(f"{what}: required string {key!r} is missing or not a string")
    return value


def req_int(obj: JSONObject, key: str, what: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnmappablePayload(f"{what}: required integer {key!r} is missing or not an integer")
    return _in_range(value, key, what)


# JSON numbers have no width; the model's integers (ids, counts) are 64-bit at most.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _in_range(value: int, key: str, what: str) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise UnmappablePayload(f"{what}: {key!r} is out of range (64-bit integers): {value}")
    return value


def req_object(obj: JSONObject, key: str, what: str) -> JSONObject:
    value = obj.get(key)
    if not isinstance(value, Mapping):
        raise UnmappablePayload(f"{what}: required object {key!r} is missing or not an object")
    return value


def opt_str(obj: JSONObject | None, key: str, what: str) -> str | None:
    """A string field; empty strings count as absent (forges send "" for "not set")."""
    if obj is None:
        return None
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UnmappablePayload(f"{what}: {key!r} should be a string, got {_type_name(value)}")
    value = value.strip()
    return value or None


def opt_int(obj: JSONObject | None, key: str, what: str) -> int | None:
    if obj is None:
        return None
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnmappablePayload(f"{what}: {key!r} should be an integer, got {_type_name(value)}")
    return _in_range(value, key, what)


def opt_bool(obj: JSONObject | None, key: str, what: str) -> bool | None:
    if obj is None:
        return None
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise UnmappablePayload(f"{what}: {key!r} should be a boolean, got {_type_name(value)}")
    return value


def opt_object(obj: JSONObject | None, key: str, what: str) -> JSONObject | None:
    if obj is None:
        return None
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise UnmappablePayload(f"{what}: {key!r} should be an object, got {_type_name(value)}")
    return value


def opt_str_list(obj: JSONObject | None, key: str, what: str) -> tuple[str, ...]:
    """A list of strings; non-string items make the payload unmappable, blanks are dropped."""
    if obj is None:
        return ()
    value = obj.get(key)
    if value is None:
        return ()
    items = as_list(value, f"{what}.{key}")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise UnmappablePayload(f"{what}: {key!r} should hold strings only")
        if item.strip():
            out.append(item.strip())
    return tuple(out)


# Zero dates some forges send for "never" (Gitea's archived_at, Go's zero time).
_NEVER = {"0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z"}


def opt_datetime(obj: JSONObject | None, key: str, what: str) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (naive ones are taken as UTC)."""
    text = opt_str(obj, key, what)
    if text is None or text in _NEVER:
        return None
    return parse_datetime(text, f"{what}.{key}")


def parse_datetime(text: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UnmappablePayload(f"{what}: not an ISO 8601 timestamp: {text[:40]!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__
