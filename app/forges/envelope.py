"""The JSON Lines envelope of raw forge/registry payloads (dumps and live fetches).

One JSON object per line::

    {"authority": "github.com",                       # who said it (required)
     "format": "application/vnd.github.v3+json",      # payload format (required)
     "kind": "repository",                            # repository | package | issues | pulls
     "url": "https://api.github.com/repos/o/r",       # what was fetched (optional)
     "origin": "https://github.com/o/r",              # what it is about (optional)
     "fetched_at": "2026-11-01T12:00:00Z",            # optional, default: now
     "fetcher": {"name": "...", "version": "..."},    # optional
     "etag": "W/\\"...\\"",                            # optional
     "payload": {...}}                                # the API response body (required)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.kit.redaction import strip_credentials

MAX_LINE_BYTES = 64 * 1024 * 1024


class InvalidEnvelope(ValueError):
    """A line is not a usable envelope; the message says why."""


@dataclass(frozen=True, slots=True)
class Envelope:
    authority: str
    format: str
    kind: str
    payload: Any
    payload_bytes: bytes
    url: str | None = None
    origin: str | None = None
    fetched_at: datetime | None = None
    fetcher_name: str = "import"
    fetcher_version: str = "1"
    etag: str | None = None

    def __post_init__(self) -> None:
        # Every payload source (dumps, live fetches, advisories) makes an Envelope:
        # stripping here keeps credentials out of raw_metadata.source_url and origins.
        for name in ("url", "origin"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, strip_credentials(value))


def _opt_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidEnvelope(f"{key!r} must be a string")
    return _storable(value, repr(key)) or None


def _storable(value: str, what: str) -> str:
    """PostgreSQL text holds neither NUL nor unpaired surrogates: refuse them here,
    where the line can fail alone, rather than at the INSERT of its whole batch."""
    if "\x00" in value:
        raise InvalidEnvelope(f"{what} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidEnvelope(f"{what} contains a lone surrogate (not valid Unicode)") from None
    return value


def _reject_constant(name: str) -> Any:
    raise InvalidEnvelope(f"not JSON: {name} is not a JSON number")


def parse_envelope(line: bytes | str) -> Envelope:
    """Parse and check one line. The payload is kept as the dump holds it, re-encoded
    compactly with key order and values preserved (the bytes a fetcher stored)."""
    if len(line) > MAX_LINE_BYTES:
        raise InvalidEnvelope(f"line longer than {MAX_LINE_BYTES} bytes")
    try:
        obj = json.loads(line, parse_constant=_reject_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidEnvelope(f"not JSON: {exc}") from exc
    except RecursionError:
        # json refuses to nest deeper than the interpreter's recursion limit (about a
        # thousand levels; real payloads nest a handful): the line fails alone, and
        # every later reader of the stored bytes (rederive) stays within that limit.
        raise InvalidEnvelope("JSON nested too deep") from None
    if not isinstance(obj, dict):
        raise InvalidEnvelope("an envelope is a JSON object")
    missing = [k for k in ("authority", "format", "kind", "payload") if k not in obj]
    if missing:
        raise InvalidEnvelope(f"missing {', '.join(repr(m) for m in missing)}")
    authority, fmt, kind = (_opt_str(obj, k) for k in ("authority", "format", "kind"))
    if not authority or not fmt or not kind:
        raise InvalidEnvelope("'authority', 'format' and 'kind' must be non-empty strings")
    fetched_at = None
    if obj.get("fetched_at") is not None:
        raw = _opt_str(obj, "fetched_at") or ""
        try:
            fetched_at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidEnvelope(f"'fetched_at' is not an ISO 8601 time: {raw!r}") from exc
        if fetched_at.tzinfo is None:
            fetched_at = fetched_at.replace(tzinfo=UTC)
    fetcher = obj.get("fetcher") or {}
    if not isinstance(fetcher, dict):
        raise InvalidEnvelope("'fetcher' must be an object")
    payload = obj["payload"]
    try:
        payload_bytes = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        raise InvalidEnvelope("the payload contains a lone surrogate (not valid Unicode)") from None
    except RecursionError:
        raise InvalidEnvelope("JSON nested too deep") from None
    return Envelope(
        authority=authority.strip().lower(),
        format=fmt,
        kind=kind,
        payload=payload,
        payload_bytes=payload_bytes,
        url=_opt_str(obj, "url"),
        origin=_opt_str(obj, "origin"),
        fetched_at=fetched_at,
        fetcher_name=_storable(str(fetcher.get("name") or "import"), "'fetcher.name'"),
        fetcher_version=_storable(str(fetcher.get("version") or "1"), "'fetcher.version'"),
        etag=_opt_str(obj, "etag"),
    )
