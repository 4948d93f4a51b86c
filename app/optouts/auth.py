"""Who may act as an operator of the registry: the one place that decides it.

Today operators present one of ``OPTOUTS_ADMIN_KEYS`` (``Authorization: Bearer`` or
``X-API-Key``). When API keys with scopes arrive (issue 10), :func:`operator_of`
becomes "a key holding the ``optouts:admin`` scope"; every route, the GraphQL fields
and the CLI already go through it. Operators are recorded in the event log by a short
fingerprint of their key, never by the key.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated

from fastapi import Depends, Request

from app.config import Settings
from app.kit.api import SettingsDep, api_key_of
from app.kit.problems import Unauthorized


def operator_of(presented: str | None, settings: Settings) -> str | None:
    """The operator's actor name for a presented key, or None."""
    if not presented:
        return None
    for key in settings.optouts_admin_keys:
        secret = key.get_secret_value()
        if secrets.compare_digest(presented.encode(), secret.encode()):
            return "operator:" + hashlib.sha256(secret.encode()).hexdigest()[:12]
    return None


def require_operator(request: Request, settings: SettingsDep) -> str:
    operator = operator_of(api_key_of(request), settings)
    if operator is None:
        raise Unauthorized("this needs an opt-out operator key")
    return operator


Operator = Annotated[str, Depends(require_operator)]
