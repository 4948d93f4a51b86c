"""Job kinds named after the feature that runs them (``<feature>.<action>``, the same
name as the Celery task): ``demo`` -> ``jobs.demo``, ``archive.scan`` ->
``scans.scan``, ``facts.neardup`` -> ``neardups.recluster``. The other kinds
(``forges.*``, ``papers.resolve``) already were.

Existing job rows are renamed so that lists filtered by kind, the reaper (which
re-sends a stale job to the task of its kind) and readers of old results keep
working; the downgrade renames them back.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENAMED = {
    "demo": "jobs.demo",
    "archive.scan": "scans.scan",
    "facts.neardup": "neardups.recluster",
}


def _rename(pairs: dict[str, str]) -> None:
    statement = sa.text("UPDATE job SET kind = :new WHERE kind = :old")
    for old, new in pairs.items():
        op.execute(statement.bindparams(old=old, new=new))


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()})
