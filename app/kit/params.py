"""Typed request parameters whose bounds are the bounds of the columns they reach.

FastAPI's ``int`` is a Python int, unbounded; PostgreSQL's ``integer`` and
``bigint`` are not, and SQLAlchemy binds a compared value with the column's type
(``%(id)s::BIGINT``), so ``/v1/origins/9223372036854775808`` or
``stars_min=2147483648`` used to end as ``integer out of range``, a 500. Each alias
below carries its column's range into validation (a 422 naming the parameter) and
into the OpenAPI document (``minimum`` / ``maximum``), so clients and the fuzz tests
read the same bounds. ``tests/kit/test_params.py`` checks every alias against the
column type in ``app/models`` and every integer parameter of the API for a bound.

GraphQL needs no copy of these: its ``Int`` is a signed 32-bit integer, inside every
id and count column here, and its cursors go through :mod:`app.kit.pagination`.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval
from fastapi import Query

INT2_MAX = 2**15 - 1
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1

# Row ids: identity/serial columns start at 1. Which column each one reaches:
BigintId = Annotated[int, Interval(ge=1, le=INT8_MAX)]
OriginId = BigintId  # origin.id bigint
OwnerId = BigintId  # owner.id bigint
RawId = BigintId  # raw_metadata.id bigint
JobId = BigintId  # job.id bigint
PaperId = BigintId  # paper.id bigint

# Counts (origin.stars, origin.forks, bigint since migration 0008): a range filter
# compares against the column, so its bound is the column's.
StarCount = Annotated[int, Interval(ge=0, le=INT8_MAX)]  # origin.stars bigint
ForkCount = Annotated[int, Interval(ge=0, le=INT8_MAX)]  # origin.forks bigint

# Dataset revisions and builds are numbered per dataset (dataset_revision.revision,
# dataset_build.number: integer); a manifest's leaves by leaf_index (bigint; -1 means
# "from the start" where a resume point is asked); the opt-out registry's version is
# its event sequence (optout_event.seq: bigint).
RevisionNumber = Annotated[int, Interval(ge=1, le=INT4_MAX)]
BuildNumber = Annotated[int, Interval(ge=1, le=INT4_MAX)]
LeafIndex = Annotated[int, Interval(ge=-1, le=INT8_MAX)]
RegistryVersion = Annotated[int, Interval(ge=0, le=INT8_MAX)]

Cursor = Annotated[
    str | None,
    Query(
        description="`next_cursor` of the previous page, as given (opaque; a cursor of "
        "another list, or one not issued by this API, is a 400 `invalid-cursor`)."
    ),
]
