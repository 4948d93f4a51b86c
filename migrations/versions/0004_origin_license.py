"""Per-origin license index: which license expressions each origin declares or
contains, kept by the database itself.

Why a table kept by triggers: ``/v1/origins?license=MIT`` must be an index probe at
millions of origins, while the facts live in ``license_finding`` (declared on the
origin, or detected in a content) and ``path_occurrence`` (which origin holds which
content). Joining those two per query seq-scans both at scale. Every writer (forge
ingest, the bulk COPY path, rederive, scans, the benchmarks' fillers) changes those
tables, so the database maintains the summary for all of them with statement-level
triggers over transition tables: additions add rows set-wise, removals recompute the
affected origins. The application never writes ``origin_license``.

``keys`` holds the lowercased identifiers of the expression ("mit", "apache-2.0",
exception ids after WITH), so a whole-token search is ``keys && ARRAY[...]``: served by
a GIN index for rare licenses, or by a probe of the primary key per origin while
walking a sort index for common ones.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = r"""
CREATE FUNCTION license_keys(expression text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT lower(t)), '{}')
    FROM regexp_split_to_table(expression, '[\s()]+') AS t
    WHERE t <> '' AND upper(t) NOT IN ('AND', 'OR', 'WITH')
$$;

-- Recompute one side ('declared' or 'detected') of the index for some origins.
CREATE FUNCTION origin_license_refresh(ids bigint[], side text) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM origin_license WHERE origin_id = ANY(ids) AND via = side;
    INSERT INTO origin_license (origin_id, via, expression, keys)
    SELECT origin_id, side, expression, license_keys(expression) FROM (
        SELECT f.origin_id, f.expression FROM license_finding f
        WHERE side = 'declared' AND f.origin_id = ANY(ids) AND f.expression IS NOT NULL
        UNION
        SELECT o.origin_id, f.expression
        FROM path_occurrence o JOIN license_finding f ON f.content_id = o.content_id
        WHERE side = 'detected' AND o.origin_id = ANY(ids) AND f.expression IS NOT NULL
    ) AS found;
$$;

-- Everything from scratch (the backfill, and bulk loads that ran without triggers).
CREATE FUNCTION origin_license_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM origin_license;
    INSERT INTO origin_license (origin_id, via, expression, keys)
    SELECT origin_id, via, expression, license_keys(expression) FROM (
        SELECT DISTINCT origin_id, 'declared' AS via, expression FROM license_finding
        WHERE origin_id IS NOT NULL AND expression IS NOT NULL
        UNION ALL
        SELECT DISTINCT o.origin_id, 'detected', f.expression
        FROM path_occurrence o JOIN license_finding f ON f.content_id = o.content_id
        WHERE f.expression IS NOT NULL
    ) AS found;
$$;

CREATE FUNCTION origin_license_findings_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO origin_license (origin_id, via, expression, keys)
    SELECT origin_id, 'declared', expression, license_keys(expression) FROM (
        SELECT DISTINCT origin_id, expression FROM added
        WHERE origin_id IS NOT NULL AND expression IS NOT NULL
    ) AS found
    ON CONFLICT DO NOTHING;
    INSERT INTO origin_license (origin_id, via, expression, keys)
    SELECT origin_id, 'detected', expression, license_keys(expression) FROM (
        SELECT DISTINCT o.origin_id, a.expression
        FROM added a JOIN path_occurrence o ON o.content_id = a.content_id
        WHERE a.content_id IS NOT NULL AND a.expression IS NOT NULL
    ) AS found
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION origin_license_findings_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Deleted or updated findings: recompute the origins they touched, both ways.
    PERFORM origin_license_refresh(ARRAY(
        SELECT origin_id FROM removed WHERE origin_id IS NOT NULL
        UNION SELECT origin_id FROM changed WHERE origin_id IS NOT NULL
    ), 'declared');
    PERFORM origin_license_refresh(ARRAY(
        SELECT o.origin_id FROM path_occurrence o
        WHERE o.content_id IN (
            SELECT content_id FROM removed WHERE content_id IS NOT NULL
            UNION SELECT content_id FROM changed WHERE content_id IS NOT NULL)
    ), 'detected');
    RETURN NULL;
END $$;

CREATE FUNCTION origin_license_findings_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM origin_license_refresh(ARRAY(
        SELECT origin_id FROM removed WHERE origin_id IS NOT NULL), 'declared');
    PERFORM origin_license_refresh(ARRAY(
        SELECT o.origin_id FROM path_occurrence o
        WHERE o.content_id IN (SELECT content_id FROM removed WHERE content_id IS NOT NULL)
    ), 'detected');
    RETURN NULL;
END $$;

CREATE FUNCTION origin_license_occurrences_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO origin_license (origin_id, via, expression, keys)
    SELECT origin_id, 'detected', expression, license_keys(expression) FROM (
        SELECT DISTINCT a.origin_id, f.expression
        FROM added a JOIN license_finding f ON f.content_id = a.content_id
        WHERE f.expression IS NOT NULL
    ) AS found
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION origin_license_occurrences_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM origin_license_refresh(ARRAY(SELECT DISTINCT origin_id FROM removed), 'detected');
    RETURN NULL;
END $$;

CREATE FUNCTION origin_license_occurrences_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM origin_license_refresh(ARRAY(
        SELECT origin_id FROM removed UNION SELECT origin_id FROM changed), 'detected');
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER origin_license_findings_added AFTER INSERT ON license_finding
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION origin_license_findings_added();
CREATE TRIGGER origin_license_findings_changed AFTER UPDATE ON license_finding
    REFERENCING OLD TABLE AS removed NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION origin_license_findings_changed();
CREATE TRIGGER origin_license_findings_deleted AFTER DELETE ON license_finding
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION origin_license_findings_deleted();
CREATE TRIGGER origin_license_occurrences_added AFTER INSERT ON path_occurrence
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION origin_license_occurrences_added();
CREATE TRIGGER origin_license_occurrences_changed AFTER UPDATE ON path_occurrence
    REFERENCING OLD TABLE AS removed NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION origin_license_occurrences_changed();
CREATE TRIGGER origin_license_occurrences_removed AFTER DELETE ON path_occurrence
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION origin_license_occurrences_removed();
"""

TRIGGER_TABLES = {
    "origin_license_findings_added": "license_finding",
    "origin_license_findings_changed": "license_finding",
    "origin_license_findings_deleted": "license_finding",
    "origin_license_occurrences_added": "path_occurrence",
    "origin_license_occurrences_changed": "path_occurrence",
    "origin_license_occurrences_removed": "path_occurrence",
}
FUNCTION_SIGNATURES = [
    *(f"{name}()" for name in TRIGGER_TABLES),
    "origin_license_refresh(bigint[], text)",
    "origin_license_rebuild()",
    "license_keys(text)",
]


def upgrade() -> None:
    op.create_table(
        "origin_license",
        sa.Column(
            "origin_id",
            sa.BigInteger(),
            sa.ForeignKey("origin.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("via", sa.Text(), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("keys", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.CheckConstraint("via IN ('declared', 'detected')", name="via_side"),
        sa.PrimaryKeyConstraint("origin_id", "via", "expression"),
    )
    op.create_index("ix_origin_license_keys", "origin_license", ["keys"], postgresql_using="gin")
    op.create_index(
        "ix_origin_license_expression_lower", "origin_license", [sa.text("lower(expression)")]
    )
    # The regex search it replaces used a trigram index that every finding paid for.
    op.drop_index("ix_license_finding_expression_trgm", table_name="license_finding")
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)
    # What is already there.
    op.execute("SELECT origin_license_rebuild()")


def downgrade() -> None:
    for name, table in TRIGGER_TABLES.items():
        op.execute(f"DROP TRIGGER {name} ON {table}")
    for signature in FUNCTION_SIGNATURES:
        op.execute(f"DROP FUNCTION {signature}")
    op.drop_table("origin_license")
    op.create_index(
        "ix_license_finding_expression_trgm",
        "license_finding",
        ["expression"],
        postgresql_using="gin",
        postgresql_ops={"expression": "gin_trgm_ops"},
    )
