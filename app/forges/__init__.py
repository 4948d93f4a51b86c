"""Forge and registry metadata: payloads fetched or imported, stored verbatim, and
normalized into origins, owners, issues and declared licenses.

The pure part, exported here: :func:`map_envelope` (``mappers/``) turns one stored
payload into :mod:`app.forges.records`; URL identity rules live in
:mod:`app.forges.urls`, declared-license mapping in :mod:`app.licenses.spdx`; none of
it touches the database or the network. Around it: ``clients/`` and ``fetch.py``
(live fetching, shared rate budget), ``ingest.py``, ``bulk.py``, ``imports.py`` and
``rederive.py`` (storing and applying payloads), ``register.py``, ``repository.py``
(SQL), ``service.py`` (what the API queues), ``tasks.py`` (jobs ``forges.*``),
``routes.py`` and ``gql.py`` (raw payloads, owners, issues; an origin's own routes are
in :mod:`app.origins.routes`).
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
