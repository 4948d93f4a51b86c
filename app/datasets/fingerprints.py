"""The intensional fingerprint (Lefeuvre et al., REP'23): what was asked, hashed.

``intensional = SHA-256(canonical JSON of {definition, cutoff, versions,
optout_registry_version})`` where the definition is the revision's purpose and its
normalized selection (:meth:`~app.datasets.selection.Selection.canonical`), the
cut-off is an ISO 8601 UTC timestamp, and versions are the analyzers and mappers
whose output the build read.

Canonical JSON here: ``json.dumps(value, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8: keys sorted by code point, no whitespace, no
escaping beyond JSON's own. Values are strings, integers, booleans, null, lists and
objects, plus floats for fractions (Python's shortest round-trip repr). Two builds of
the same definition on the same data share the fingerprint; any change to the
definition, the cut-off, a tool version or the opt-out registry changes it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sha256_of(value: Any) -> bytes:
    return hashlib.sha256(canonical_json(value)).digest()


def iso_utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def intensional_document(
    purpose: str,
    selection: dict[str, Any],
    cutoff: datetime,
    versions: dict[str, Any],
    optout_registry_version: int | None,
) -> dict[str, Any]:
    return {
        "definition": {"purpose": purpose, "selection": selection},
        "cutoff": iso_utc(cutoff),
        "versions": versions,
        "optout_registry_version": optout_registry_version,
    }


def intensional(
    purpose: str,
    selection: dict[str, Any],
    cutoff: datetime,
    versions: dict[str, Any],
    optout_registry_version: int | None,
) -> bytes:
    return sha256_of(
        intensional_document(purpose, selection, cutoff, versions, optout_registry_version)
    )
