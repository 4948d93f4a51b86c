"""Identities that survive real forge histories, origin SWHIDs as the archive records
them, and archive rows that rebuild their objects (issue 10, items 1, 7 and 9).

Schema:

* ``owner`` is keyed by the forge's stable id: the unique (forge, login) goes (logins
  are renamed and reused; only owners without an id stay unique by login), each login
  is kept with the period it was seen in ``owner_login``, and ``seen_at`` /
  ``seen_rank`` record which payload decided the current fields;
* ``origin.url`` (the canonical URL, for matching) and ``origin.swhid_id`` are no
  longer unique: after a transfer a new repository may take the old URL, and both
  origins have held it (origins without a forge id stay unique by URL).
  ``origin.archive_url`` is the URL as the forge spells it, which Software Heritage
  records and hashes; ``origin_alias`` holds every URL each origin was seen at (its
  current one too) with ``first_seen_at`` / ``last_seen_at``, unique per origin;
* forge-derived ``is_mirror``, ``latest_version`` and ``fork_source_url`` move out of
  ``origin.extra`` into columns, so forge ingest never writes ``extra`` (what scans
  store there survives refreshes and re-imports);
* counts become ``bigint`` (``origin.stars/forks/watchers/open_issues``,
  ``issue.number/comments_count``): real counts pass 2^31;
* ``revision`` keeps its offsets as written, its extra headers (``gpgsig``,
  ``mergetag``...) and, when needed, its raw manifest; ``release`` its offset and raw
  manifest: every row rebuilds its object and id with ``swh.model``.

Data:

* ``archive_url`` is read from the stored payload behind each origin's current fields
  (GitHub ``html_url``; GitLab ``http_url_to_repo``, else ``web_url``; Gitea and
  Forgejo ``clone_url``, else ``html_url``; Bitbucket the https clone link, else the
  html link: the URLs Software Heritage's listers record), kept only when it names the
  same place as the canonical URL (same host and path up to case, ``.git`` and a
  trailing slash), and ``swhid_id`` recomputed from it. Where it cannot be known, it
  stays NULL and the SWHID stays that of the canonical URL: origins known only by
  reference (a fork's parent, an issue page's project, a registered URL), payloads that
  do not decode as JSON or lack the field, and URLs that disagree with the canonical
  one. The next payload of such an origin (an import, a refresh, ``rederive``) sets it.
  Packages with a payload get their canonical URL as ``archive_url`` (same SWHID).
* Each origin with a payload gets its current URL in ``origin_alias``, seen from the
  fetch of that payload to ``last_fetched_at``; former URLs recorded before keep
  ``reason = 'renamed'`` and no period. ``codecommons rederive`` maps every stored
  payload again and records each URL's and login's period exactly.
* Each owner's current login goes into ``owner_login`` (seen when the payload behind
  the owner was fetched); ``seen_rank`` starts empty, below any payload's.
* Existing revision and release rows cannot be completed here (the git objects are not
  stored): their new columns stay empty until the repository is scanned again, when
  the writer fills them (objects are immutable, so it only ever completes rows).

The column type changes rewrite ``origin`` and ``issue`` under an exclusive lock.
The downgrade refuses to run while two origins share a URL (the old schema cannot
hold that) and drops the URL and login history.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
COUNT_COLUMNS = {"origin": ("stars", "forks", "watchers", "open_issues")}
ISSUE_COLUMNS = ("number", "comments_count")
FORGE_KEYS = ("is_mirror", "latest_version", "fork_source_url")


def upgrade() -> None:
    _owners()
    _origins()
    _aliases()
    for column in ISSUE_COLUMNS:
        op.alter_column("issue", column, type_=sa.BigInteger(), existing_type=sa.Integer())
    _archive_objects()
    _recorded_urls()
    _current_urls()


def _owners() -> None:
    op.drop_constraint("uq_owner_forge_id_login", "owner", type_="unique")
    op.create_index("ix_owner_forge_id_login", "owner", ["forge_id", "login"])
    op.create_index(
        "uq_owner_forge_id_login_unidentified",
        "owner",
        ["forge_id", "login"],
        unique=True,
        postgresql_where=sa.text("native_id IS NULL"),
    )
    op.add_column("owner", sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "owner",
        sa.Column(
            "seen_rank", sa.LargeBinary(), server_default=sa.text("'\\x'::bytea"), nullable=False
        ),
    )
    op.execute(
        "UPDATE owner w SET seen_at = r.fetched_at FROM raw_metadata r "
        "WHERE r.id = w.raw_metadata_id"
    )
    op.create_table(
        "owner_login",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("display_login", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "seen_rank", sa.LargeBinary(), server_default=sa.text("'\\x'::bytea"), nullable=False
        ),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owner.id"],
            name=op.f("fk_owner_login_owner_id_owner"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_owner_login_raw_metadata_id_raw_metadata"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner_login")),
        sa.UniqueConstraint("owner_id", "login", name=op.f("uq_owner_login_owner_id_login")),
    )
    op.create_index(op.f("ix_owner_login_login"), "owner_login", ["login"])
    op.execute(
        "INSERT INTO owner_login (owner_id, login, display_login, first_seen_at, last_seen_at, "
        "raw_metadata_id) SELECT id, login, display_login, seen_at, seen_at, raw_metadata_id "
        "FROM owner"
    )


def _origins() -> None:
    op.drop_constraint("uq_origin_url", "origin", type_="unique")
    op.drop_constraint("uq_origin_swhid_id", "origin", type_="unique")
    op.create_index(op.f("ix_origin_url"), "origin", ["url"])
    op.create_index(op.f("ix_origin_swhid_id"), "origin", ["swhid_id"])
    op.create_index(
        "uq_origin_url_unidentified",
        "origin",
        ["url"],
        unique=True,
        postgresql_where=sa.text("native_id IS NULL"),
    )
    op.add_column("origin", sa.Column("archive_url", sa.Text(), nullable=True))
    op.add_column(
        "origin",
        sa.Column("is_mirror", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column("origin", sa.Column("latest_version", sa.Text(), nullable=True))
    op.add_column("origin", sa.Column("fork_source_url", sa.Text(), nullable=True))
    for column in COUNT_COLUMNS["origin"]:
        op.alter_column("origin", column, type_=sa.BigInteger(), existing_type=sa.Integer())
    op.execute(
        "UPDATE origin SET "
        "is_mirror = coalesce(jsonb_typeof(extra -> 'is_mirror') = 'boolean' "
        "  AND (extra ->> 'is_mirror')::boolean, false), "
        "latest_version = extra ->> 'latest_version', "
        "fork_source_url = extra ->> 'fork_source_url', "
        "extra = extra - 'is_mirror' - 'latest_version' - 'fork_source_url' "
        "WHERE extra ?| array['is_mirror', 'latest_version', 'fork_source_url']"
    )


def _aliases() -> None:
    op.drop_constraint("uq_origin_alias_url", "origin_alias", type_="unique")
    op.create_unique_constraint(
        op.f("uq_origin_alias_origin_id_url"), "origin_alias", ["origin_id", "url"]
    )
    op.create_index(op.f("ix_origin_alias_url"), "origin_alias", ["url"])
    op.add_column("origin_alias", sa.Column("archive_url", sa.Text(), nullable=True))
    for column in ("first_seen_at", "last_seen_at"):
        op.add_column("origin_alias", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "origin_alias",
        sa.Column(
            "seen_rank", sa.LargeBinary(), server_default=sa.text("'\\x'::bytea"), nullable=False
        ),
    )


def _archive_objects() -> None:
    for column in ("author_offset_bytes", "committer_offset_bytes", "raw_manifest"):
        op.add_column("revision", sa.Column(column, sa.LargeBinary(), nullable=True))
    op.add_column(
        "revision",
        sa.Column(
            "extra_headers",
            postgresql.ARRAY(sa.LargeBinary(), dimensions=2),
            server_default="{}",
            nullable=False,
        ),
    )
    for column in ("date_offset_bytes", "raw_manifest"):
        op.add_column("release", sa.Column(column, sa.LargeBinary(), nullable=True))


# --- data: the URL as recorded, read from the stored payloads -------------------------


def _recorded_url(fmt: str, payload: Any) -> str | None:
    """The URL Software Heritage's lister for this forge records, from a repository
    payload (a frozen copy of the mappers' rule, as a migration must not change)."""
    if not isinstance(payload, dict):
        return None
    kind = fmt.lower()
    candidates: list[Any]
    if "github" in kind:
        candidates = [payload.get("html_url")]
    elif "gitlab" in kind:
        candidates = [payload.get("http_url_to_repo"), payload.get("web_url")]
    elif "gitea" in kind or "forgejo" in kind:
        candidates = [payload.get("clone_url"), payload.get("html_url")]
    elif "bitbucket" in kind:
        links: dict[str, Any] = _object(payload.get("links"))
        clones = links.get("clone")
        https = [
            c.get("href")
            for c in (clones if isinstance(clones, list) else [])
            if isinstance(c, dict) and c.get("name") == "https"
        ]
        candidates = [
            *(_without_userinfo(h) for h in https),
            _object(links.get("html")).get("href"),
        ]
    else:
        return None
    return next((c.strip() for c in candidates if isinstance(c, str) and c.strip()), None)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _without_userinfo(url: Any) -> Any:
    """A clone link as listed anonymously: no ``user@`` (an authenticated listing adds it)."""
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()


def _place(url: str) -> str:
    """Host and path, compared up to case, ``.git`` and trailing slashes."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    path = path.removesuffix(".git").rstrip("/")
    return f"{host}{path}".lower()


def _recorded_urls() -> None:
    # Packages: the canonical registry URL is the one the listers record.
    op.execute(
        "UPDATE origin SET archive_url = url WHERE kind = 'package' AND raw_metadata_id IS NOT NULL"
    )
    bind = op.get_bind()
    last_id = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT o.id, o.url, r.format, r.payload FROM origin o "
                "JOIN raw_metadata r ON r.id = o.raw_metadata_id "
                "WHERE o.id > :last AND o.kind = 'repository' ORDER BY o.id LIMIT :n"
            ),
            {"last": last_id, "n": BATCH},
        ).all()
        if not rows:
            return
        last_id = rows[-1][0]
        ids, urls, swhids = [], [], []
        for origin_id, url, fmt, payload in rows:
            try:
                decoded = json.loads(bytes(payload))
            except (ValueError, RecursionError):
                continue
            recorded = _recorded_url(fmt, decoded)
            if recorded is None or _place(recorded) != _place(url):
                continue
            ids.append(origin_id)
            urls.append(recorded)
            swhids.append(hashlib.sha1(recorded.encode()).digest())  # noqa: S324 - SWH's id
        if ids:
            bind.execute(
                sa.text(
                    "UPDATE origin o SET archive_url = v.archive_url, swhid_id = v.swhid_id "
                    "FROM unnest(CAST(:ids AS bigint[]), CAST(:urls AS text[]), "
                    "CAST(:swhids AS bytea[])) AS v(id, archive_url, swhid_id) WHERE o.id = v.id"
                ),
                {"ids": ids, "urls": urls, "swhids": swhids},
            )


def _current_urls() -> None:
    op.execute(
        "INSERT INTO origin_alias (origin_id, url, archive_url, full_name, reason, "
        "first_seen_at, last_seen_at, seen_at, raw_metadata_id) "
        "SELECT o.id, o.url, o.archive_url, o.full_name, 'seen', r.fetched_at, "
        "greatest(r.fetched_at, o.last_fetched_at), r.fetched_at, o.raw_metadata_id "
        "FROM origin o JOIN raw_metadata r ON r.id = o.raw_metadata_id "
        "ON CONFLICT (origin_id, url) DO UPDATE SET reason = 'seen', "
        "archive_url = EXCLUDED.archive_url, first_seen_at = EXCLUDED.first_seen_at, "
        "last_seen_at = EXCLUDED.last_seen_at, seen_at = EXCLUDED.seen_at, "
        "raw_metadata_id = EXCLUDED.raw_metadata_id"
    )


def downgrade() -> None:
    bind = op.get_bind()
    shared = bind.execute(
        sa.text("SELECT url FROM origin GROUP BY url HAVING count(*) > 1 LIMIT 1")
    ).scalar()
    if shared is not None:
        raise RuntimeError(
            f"cannot downgrade below 0008: several origins have held {shared} "
            "(the older schema has one origin per URL)"
        )
    login = bind.execute(
        sa.text("SELECT login FROM owner GROUP BY forge_id, login HAVING count(*) > 1 LIMIT 1")
    ).scalar()
    if login is not None:
        raise RuntimeError(
            f"cannot downgrade below 0008: several accounts have had the login {login!r} "
            "(the older schema has one owner per login)"
        )
    # Back to "former URLs only", one origin per alias (the most recently seen).
    op.execute(
        "DELETE FROM origin_alias a USING origin o WHERE o.id = a.origin_id AND o.url = a.url"
    )
    op.execute("DELETE FROM origin_alias a USING origin o WHERE o.url = a.url")
    op.execute(
        "DELETE FROM origin_alias a WHERE EXISTS (SELECT 1 FROM origin_alias b "
        "WHERE b.url = a.url AND (coalesce(b.last_seen_at, '-infinity'), b.id) > "
        "(coalesce(a.last_seen_at, '-infinity'), a.id))"
    )
    for column in ("date_offset_bytes", "raw_manifest"):
        op.drop_column("release", column)
    for column in ("author_offset_bytes", "committer_offset_bytes", "raw_manifest"):
        op.drop_column("revision", column)
    op.drop_column("revision", "extra_headers")
    for column in ISSUE_COLUMNS:
        op.alter_column("issue", column, type_=sa.Integer(), existing_type=sa.BigInteger())
    for column in ("seen_rank", "last_seen_at", "first_seen_at", "archive_url"):
        op.drop_column("origin_alias", column)
    op.drop_index(op.f("ix_origin_alias_url"), table_name="origin_alias")
    op.drop_constraint(op.f("uq_origin_alias_origin_id_url"), "origin_alias", type_="unique")
    op.create_unique_constraint("uq_origin_alias_url", "origin_alias", ["url"])
    op.execute(
        "UPDATE origin SET extra = extra || jsonb_strip_nulls(jsonb_build_object("
        "'is_mirror', CASE WHEN is_mirror THEN true END, "
        "'latest_version', latest_version, 'fork_source_url', fork_source_url))"
    )
    _canonical_swhids()
    for column in COUNT_COLUMNS["origin"]:
        op.alter_column("origin", column, type_=sa.Integer(), existing_type=sa.BigInteger())
    for column in ("fork_source_url", "latest_version", "is_mirror", "archive_url"):
        op.drop_column("origin", column)
    op.drop_index("uq_origin_url_unidentified", table_name="origin")
    op.drop_index(op.f("ix_origin_swhid_id"), table_name="origin")
    op.drop_index(op.f("ix_origin_url"), table_name="origin")
    op.create_unique_constraint("uq_origin_swhid_id", "origin", ["swhid_id"])
    op.create_unique_constraint("uq_origin_url", "origin", ["url"])
    op.drop_index(op.f("ix_owner_login_login"), table_name="owner_login")
    op.drop_table("owner_login")
    op.drop_column("owner", "seen_rank")
    op.drop_column("owner", "seen_at")
    op.drop_index("uq_owner_forge_id_login_unidentified", table_name="owner")
    op.drop_index("ix_owner_forge_id_login", table_name="owner")
    op.create_unique_constraint("uq_owner_forge_id_login", "owner", ["forge_id", "login"])


def _canonical_swhids() -> None:
    """Before 0008 an origin's SWHID hashed its canonical URL."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, url FROM origin WHERE archive_url IS NOT NULL")).all()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        bind.execute(
            sa.text(
                "UPDATE origin o SET swhid_id = v.swhid_id FROM unnest(CAST(:ids AS bigint[]), "
                "CAST(:swhids AS bytea[])) AS v(id, swhid_id) WHERE o.id = v.id"
            ),
            {
                "ids": [origin_id for origin_id, _ in chunk],
                "swhids": [hashlib.sha1(url.encode()).digest() for _, url in chunk],  # noqa: S324
            },
        )
