"""Per-origin license index: which license expressions each origin declares or
contains, kept by the database itself.

Why a table kept by triggers: ``/v1/origins?license=MIT`` must be an index probe at
millions of origins, while the facts live in ``license_finding`` (declared on the
origin, or detected in a content) and ``path_occurrence`` (which origin holds which
content). Joining those two per query seq-scans both at scale. Every writer (forge
ingest, the bulk COPY path, rederive, scans, the benchmarks' fillers) changes those
tables, so the database maintains the summary for all of them with statement-level
triggers over transition tables. The application never writes ``origin_license``.

Each row counts its ``support``: the findings on the origin with that expression
(declared), or the (occurrence, finding) pairs of its files (detected). Triggers add
signed counts set-wise (an UPDATE nets its old and new rows) with an upsert, which
takes the row's lock, so concurrent writers add up exactly instead of one recomputing
from a snapshot that cannot see the other; a row whose support reaches 0 goes. The
one race left is a join race that the write paths avoid: a finding added to a content
while another transaction adds that content's first occurrence in an origin (scans
write a new content's findings in the transaction that creates it, and a concurrent
scan of the same content waits on that insert). ``SELECT origin_license_rebuild()``
recomputes everything; bulk loads that bypass triggers (replica mode) call it.

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

-- Add signed counts of supporting rows; rows whose support falls to 0 go. Both the
-- upsert and the decrement take the row's lock (in one order for every writer, so two
-- cannot deadlock), so concurrent additions and removals add up exactly. A removal
-- never creates a row: its origin may be going (FK cascade) with its rows already gone.
CREATE FUNCTION origin_license_add(o bigint[], v text[], e text[], d bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO origin_license AS l (origin_id, via, expression, keys, support)
    SELECT x.o, x.v, x.e, license_keys(x.e), x.d
    FROM unnest(o, v, e, d) AS x(o, v, e, d)
    WHERE x.d > 0
    ORDER BY x.o, x.v, x.e
    ON CONFLICT (origin_id, via, expression) DO UPDATE SET support = l.support + excluded.support;
    SELECT 1 FROM origin_license l JOIN unnest(o, v, e, d) AS x(o, v, e, d)
        ON l.origin_id = x.o AND l.via = x.v AND l.expression = x.e
    WHERE x.d < 0
    ORDER BY l.origin_id, l.via, l.expression
    FOR UPDATE OF l;
    UPDATE origin_license l SET support = l.support + x.d
    FROM unnest(o, v, e, d) AS x(o, v, e, d)
    WHERE x.d < 0 AND l.origin_id = x.o AND l.via = x.v AND l.expression = x.e;
    DELETE FROM origin_license l USING unnest(o, v, e, d) AS x(o, v, e, d)
    WHERE x.d < 0 AND l.origin_id = x.o AND l.via = x.v AND l.expression = x.e
      AND l.support <= 0;
$$;

-- A content going takes its findings and occurrences with it (FK cascades), and the
-- cascades' triggers would each miss the other table's rows: its occurrences go first,
-- while its findings still say which licenses they carried.
CREATE FUNCTION origin_license_content_deleting() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM path_occurrence WHERE content_id = OLD.id;
    RETURN OLD;
END $$;

-- Everything from scratch (the backfill, and bulk loads that ran without triggers).
CREATE FUNCTION origin_license_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM origin_license;
    INSERT INTO origin_license (origin_id, via, expression, keys, support)
    SELECT origin_id, via, expression, license_keys(expression), n FROM (
        SELECT origin_id, 'declared' AS via, expression, count(*) AS n FROM license_finding
        WHERE origin_id IS NOT NULL AND expression IS NOT NULL
        GROUP BY origin_id, expression
        UNION ALL
        SELECT o.origin_id, 'detected', f.expression, count(*)
        FROM path_occurrence o JOIN license_finding f ON f.content_id = o.content_id
        WHERE f.expression IS NOT NULL
        GROUP BY o.origin_id, f.expression
    ) AS found;
$$;

-- The rows a statement changed, signed: +1 added, -1 removed (an UPDATE is both, so
-- what did not change nets to nothing). Names the trigger's transition tables.
CREATE FUNCTION origin_license_delta_rows(op text, columns text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws(' UNION ALL ',
        CASE WHEN op IN ('INSERT', 'UPDATE') THEN format('SELECT %s, 1 AS s FROM added', columns) END,
        CASE WHEN op IN ('DELETE', 'UPDATE') THEN format('SELECT %s, -1 AS s FROM removed', columns) END)
$$;

-- A finding on an origin supports (origin, declared, expression); a finding on a
-- content supports (origin, detected, expression) once per occurrence of the content.
CREATE FUNCTION origin_license_findings_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        WITH delta AS (%s)
        SELECT origin_license_add(array_agg(o), array_agg(v), array_agg(e), array_agg(d))
        FROM (
            SELECT origin_id AS o, 'declared'::text AS v, expression AS e, sum(s) AS d
            FROM delta WHERE origin_id IS NOT NULL AND expression IS NOT NULL
            GROUP BY origin_id, expression
            UNION ALL
            SELECT p.origin_id, 'detected'::text, x.expression, sum(x.s)
            FROM delta x JOIN path_occurrence p ON p.content_id = x.content_id
            WHERE x.expression IS NOT NULL
            GROUP BY p.origin_id, x.expression
        ) AS changes
    $q$, origin_license_delta_rows(TG_OP, 'origin_id, content_id, expression'));
    RETURN NULL;
END $$;

CREATE FUNCTION origin_license_occurrences_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        WITH delta AS (%s)
        SELECT origin_license_add(array_agg(o), array_agg(v), array_agg(e), array_agg(d))
        FROM (
            SELECT x.origin_id AS o, 'detected'::text AS v, f.expression AS e, sum(x.s) AS d
            FROM delta x JOIN license_finding f ON f.content_id = x.content_id
            WHERE f.expression IS NOT NULL
            GROUP BY x.origin_id, f.expression
        ) AS changes
    $q$, origin_license_delta_rows(TG_OP, 'origin_id, content_id'));
    RETURN NULL;
END $$;

CREATE FUNCTION origin_license_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'license_finding' THEN
        DELETE FROM origin_license;
    ELSE
        DELETE FROM origin_license WHERE via = 'detected';
    END IF;
    RETURN NULL;
END $$;
"""

# (event, transition tables): the names origin_license_delta_rows reads.
EVENTS = {
    "added": ("INSERT", "REFERENCING NEW TABLE AS added"),
    "updated": ("UPDATE", "REFERENCING OLD TABLE AS removed NEW TABLE AS added"),
    "deleted": ("DELETE", "REFERENCING OLD TABLE AS removed"),
    "truncated": ("TRUNCATE", ""),  # no transition tables for TRUNCATE
}
WATCHED = {"findings": "license_finding", "occurrences": "path_occurrence"}
TRIGGER_TABLES = {
    f"origin_license_{what}_{event}": table for what, table in WATCHED.items() for event in EVENTS
} | {"origin_license_content_deleting": "content"}


def _trigger(what: str, event: str) -> str:
    operation, transitions = EVENTS[event]
    function = "truncated" if event == "truncated" else f"{what}_changed"
    return (
        f"CREATE TRIGGER origin_license_{what}_{event} AFTER {operation} ON {WATCHED[what]} "
        f"{transitions} FOR EACH STATEMENT EXECUTE FUNCTION origin_license_{function}()"
    )


TRIGGERS = [
    *(_trigger(what, event) for what in WATCHED for event in EVENTS),
    "CREATE TRIGGER origin_license_content_deleting BEFORE DELETE ON content "
    "FOR EACH ROW EXECUTE FUNCTION origin_license_content_deleting()",
]
FUNCTION_SIGNATURES = [
    "origin_license_findings_changed()",
    "origin_license_occurrences_changed()",
    "origin_license_truncated()",
    "origin_license_content_deleting()",
    "origin_license_delta_rows(text, text)",
    "origin_license_rebuild()",
    "origin_license_add(bigint[], text[], text[], bigint[])",
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
        sa.Column("support", sa.BigInteger(), nullable=False),
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
    for statement in TRIGGERS:
        op.execute(statement)
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
