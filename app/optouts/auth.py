"""Who may act as an operator of the registry: a caller whose API key holds the
``admin`` scope (:mod:`app.keys`; ``OPTOUTS_ADMIN_KEYS`` and ``API_KEYS`` are admin
keys). Every route, the GraphQL fields and the CLI go through :func:`operator_of`.
Operators are recorded in the event log by name (``operator:<fingerprint>`` for a
configured key, as always, ``operator:key:<name>`` for a key from the table), never
by the key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.keys.auth import Admin, caller_of
from app.keys.service import Principal
from app.kit.api import api_key_of


def operator_of(principal: Principal | None) -> str | None:
    """The operator's actor name for a caller, or None when it is not an admin."""
    if principal is None or not principal.is_admin:
        return None
    return "operator:" + principal.name.removeprefix("config:")


def require_operator(admin: Admin) -> str:
    operator = operator_of(admin)
    assert operator is not None  # Admin has checked the scope
    return operator


Operator = Annotated[str, Depends(require_operator)]


def credentials(request: Request) -> tuple[str | None, str | None]:
    """What a caller presents to see or act on one opt-out: the requester's own token
    (``cco_...``, issued with the request) or, failing that, an operator's name."""
    presented = api_key_of(request)
    token = presented if presented and presented.startswith("cco_") else None
    operator = None if token else operator_of(caller_of(request, presented))
    return token, operator
