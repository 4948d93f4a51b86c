"""Filling the scratch database by binary COPY (:mod:`app.kit.copy`), secondary indexes
dropped during the load and rebuilt after it, as bulk loads are done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg

from app.kit.copy import copy_rows
from benchmarks.api.corpus import Corpus, Generator, cols


class Copier:
    """Binary COPY into the scratch database's real tables (types read from the catalog,
    enums sent as their labels)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.rows: dict[str, int] = {}
        self._types: dict[str, dict[str, int]] = {}

    def _oids(self, table: str, columns: Sequence[str]) -> list[int]:
        if table not in self._types:
            rows = self.conn.execute(
                "SELECT a.attname, CASE WHEN t.typtype = 'e' THEN 'text'::regtype::oid"
                " ELSE a.atttypid END FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                (table,),
            ).fetchall()
            self._types[table] = {str(name): int(oid) for name, oid in rows}
        return [self._types[table][c] for c in columns]

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        typed = list(zip(columns, self._oids(table, columns), strict=True))
        n = copy_rows(self.conn, table, typed, rows)
        self.rows[table] = self.rows.get(table, 0) + n
        return n


def set_sequences(conn: psycopg.Connection[Any], tables: Iterable[str]) -> None:
    for table in tables:
        conn.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)",
            (table,),
        )


BULK_TABLES = [
    "origin",
    "license_finding",
    "content",
    "content_fact",
    "path_occurrence",
    "paper_link",
    "origin_license",
    "origin_importance",
]


def drop_secondary_indexes(conn: psycopg.Connection[Any]) -> list[str]:
    """Drop the indexes no constraint needs on the big tables, returning the DDL that
    recreates them exactly: one sorted build after the load beats maintaining them row
    by row (the usual bulk-load practice; all inside the loading transaction)."""
    rows = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
        " WHERE c.relname = ANY(%s) AND c.relnamespace = 'public'::regnamespace"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
        (BULK_TABLES,),
    ).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX {name}")
    return [str(ddl) for _, ddl in rows]


def fill(dsn: str, n_origins: int, n_contents: int) -> Corpus:
    gen = Generator(n_origins, n_contents)
    with psycopg.connect(dsn) as conn:
        try:
            # The limit of bulk loading: no per-row FK trigger (as benchmarks.forge_import).
            conn.execute("SET session_replication_role = replica")
        except psycopg.Error:
            conn.rollback()
            print("(not superuser: foreign keys are checked row by row while filling)")
        conn.execute("SET maintenance_work_mem = '256MB'")
        recreate = drop_secondary_indexes(conn)
        out = Copier(conn)
        out.copy(
            "forge", cols("id name kind base_url api_url case_insensitive_paths"), gen.forges()
        )
        out.copy(
            "owner",
            cols("id forge_id native_id login display_login kind name url mapper_version"),
            gen.owners(),
        )
        out.copy("origin", Generator.ORIGIN_COLUMNS, gen.origin_rows())
        out.copy("origin_importance", Generator.IMPORTANCE_COLUMNS, gen.importance())
        out.copy("origin_alias", cols("id origin_id url full_name reason seen_at"), gen.aliases())
        out.copy("license_finding", Generator.FINDING_COLUMNS, gen.declared_findings())
        snapshots, revisions, branches, visits = gen.archive()
        out.copy("snapshot", ["id", "sha1_git"], snapshots)
        out.copy(
            "revision",
            cols(
                "id sha1_git directory parents author author_date author_offset_minutes "
                "committer committer_date committer_offset_minutes message"
            ),
            revisions,
        )
        out.copy("snapshot_branch", cols("snapshot_id name target_type target"), branches)
        out.copy("visit", cols("id origin_id visit_type date status snapshot_id"), visits)
        for chunk in gen.content_chunks():
            out.copy("content", cols("id sha1_git sha1 sha256 length"), chunk["content"])
            out.copy(
                "content_fact",
                cols(
                    "content_id language encoding is_binary is_minified is_generated "
                    "is_vendored is_data is_too_large line_count max_line_length "
                    "mean_line_length alnum_fraction near_dup_cluster pii_count tool tool_version"
                ),
                chunk["content_fact"],
            )
            out.copy(
                "path_occurrence",
                cols("id content_id origin_id snapshot_id revision_id path"),
                chunk["path_occurrence"],
            )
            out.copy("license_finding", Generator.FINDING_COLUMNS, chunk["license_finding"])
        # The effective license of scanned origins lands in their scan summary, as the
        # scan pipeline writes it.
        out.copy("scan_summary", Generator.SCAN_SUMMARY_COLUMNS, gen.scan_summaries())
        papers, links = gen.papers()
        out.copy(
            "paper",
            cols("id doi arxiv_id hal_id title authors year venue status resolved_by resolved_at"),
            papers,
        )
        out.copy(
            "paper_link",
            cols(
                "id paper_id origin_id kind evidence_content_id evidence_path evidence_line "
                "identifier_as_found tool tool_version"
            ),
            links,
        )
        # Triggers keep origin_license; replica mode (above) skipped them, so the
        # index is built in one pass, as the migration's backfill does.
        conn.execute("SELECT origin_license_rebuild()")
        built = conn.execute("SELECT count(*) FROM origin_license").fetchone()
        out.rows["origin_license"] = int(built[0]) if built else 0
        for ddl in recreate:
            conn.execute(ddl)  # DDL as pg_get_indexdef gave it
        keyless = {
            "content_fact",
            "snapshot_branch",
            "origin_license",
            "scan_summary",
            "origin_importance",
        }
        set_sequences(conn, [t for t in out.rows if t not in keyless])
        conn.commit()
    return Corpus(
        origins=n_origins,
        contents=gen.next_content - 1,
        rows=dict(out.rows),
        linked_origins=sorted(gen.linked),
    )
