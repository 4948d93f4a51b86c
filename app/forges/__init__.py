"""Forge and registry metadata: pure normalization of stored API payloads.

Entry point: :func:`map_envelope` (``app.forges.mappers``) turns one stored payload
into :mod:`app.forges.records`; URL identity rules live in :mod:`app.forges.urls`,
declared-license mapping in :mod:`app.licenses.spdx`. Nothing here touches the
database or the network.
"""

from __future__ import annotations

from app.forges.errors import UnmappablePayload
from app.forges.mappers import map_envelope, resolve_forge_kind
from app.forges.records import (
    IssueRecord,
    MappedPayload,
    OriginRecord,
    OwnerRecord,
)
from app.licenses.spdx import DeclaredLicense

__all__ = [
    "DeclaredLicense",
    "IssueRecord",
    "MappedPayload",
    "OriginRecord",
    "OwnerRecord",
    "UnmappablePayload",
    "map_envelope",
    "resolve_forge_kind",
]
