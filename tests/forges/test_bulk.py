"""The batch fast path leaves exactly the rows, and gives exactly the outcomes, of the
per-record path: every input is applied once through ``ingest`` one by one and once
through ``ingest_batch`` (rolled back in between), and the normalized tables compared.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session, sessionmaker

from app.forges import bulk, imports
from app.forges.bulk import ConcurrentChange, ingest_batch
from app.forges.envelope import Envelope, parse_envelope
from app.forges.imports import import_lines
from app.forges.ingest import IngestOutcome, apply_mapped, ingest
from app.kit.copy import driver
from benchmarks.forge_import import generate

FIXTURES = Path(__file__).parent / "fixtures"
DEMO = Path(__file__).resolve().parents[2] / "app" / "demo" / "corpus" / "forge.jsonl"
GITHUB = "application/vnd.github.v3+json"
Snapshot = dict[str, list[tuple[str, ...]]]

# Rows of each table with ids and timestamps left out and every foreign key replaced by
# what it points to (a URL, a login, the payload's identity), so two imports compare.
RAW_KEY = (
    "(SELECT r.authority || ' ' || coalesce(r.source_url, '-') || ' ' || encode(r.sha256, 'hex') "
    "FROM raw_metadata r WHERE r.id = {}.raw_metadata_id)"
)
TABLES: dict[str, str] = {
    "forge": "SELECT to_jsonb(f) - 'id' - 'created_at' - 'updated_at' FROM forge f",
    "raw_metadata": (
        "SELECT to_jsonb(r) - 'id' - 'origin_id', "
        "(SELECT url FROM origin o WHERE o.id = r.origin_id) FROM raw_metadata r"
    ),
    "owner": (
        "SELECT to_jsonb(w) - 'id' - 'created_at' - 'updated_at' - 'forge_id' "
        "- 'raw_metadata_id', (SELECT name FROM forge f WHERE f.id = w.forge_id), "
        f"{RAW_KEY.format('w')} FROM owner w"
    ),
    "owner_login": (
        "SELECT to_jsonb(k) - 'id' - 'owner_id' - 'raw_metadata_id', "
        "(SELECT concat(native_id, '/', login) FROM owner w WHERE w.id = k.owner_id), "
        f"{RAW_KEY.format('k')} FROM owner_login k"
    ),
    "origin": (
        "SELECT to_jsonb(o) - 'id' - 'created_at' - 'updated_at' - 'forge_id' - 'owner_id' "
        "- 'fork_parent_id' - 'repository_origin_id' - 'raw_metadata_id', "
        "(SELECT name FROM forge f WHERE f.id = o.forge_id), "
        "(SELECT login FROM owner w WHERE w.id = o.owner_id), "
        "(SELECT url FROM origin p WHERE p.id = o.fork_parent_id), "
        "(SELECT url FROM origin p WHERE p.id = o.repository_origin_id), "
        f"{RAW_KEY.format('o')} FROM origin o"
    ),
    "origin_alias": (
        "SELECT to_jsonb(a) - 'id' - 'seen_at' - 'origin_id' - 'raw_metadata_id', "
        "(SELECT url FROM origin o WHERE o.id = a.origin_id), "
        f"{RAW_KEY.format('a')} FROM origin_alias a"
    ),
    "license_finding": (
        "SELECT to_jsonb(l) - 'id' - 'created_at' - 'origin_id' - 'raw_metadata_id', "
        "(SELECT url FROM origin o WHERE o.id = l.origin_id), "
        f"{RAW_KEY.format('l')} FROM license_finding l"
    ),
    # Kept by triggers (migration 0004): both paths must leave the same search index.
    "origin_license": (
        "SELECT to_jsonb(l) - 'origin_id', (SELECT url FROM origin o WHERE o.id = l.origin_id) "
        "FROM origin_license l"
    ),
    "paper": "SELECT to_jsonb(p) - 'id' - 'created_at' FROM paper p",
    "paper_link": (
        "SELECT to_jsonb(k) - 'id' - 'created_at' - 'paper_id' - 'origin_id' "
        "- 'raw_metadata_id', (SELECT concat(doi, arxiv_id, hal_id) FROM paper p "
        "WHERE p.id = k.paper_id), (SELECT url FROM origin o WHERE o.id = k.origin_id), "
        f"{RAW_KEY.format('k')} FROM paper_link k"
    ),
    "issue": (
        "SELECT to_jsonb(i) - 'id' - 'created_at' - 'updated_at' - 'origin_id' "
        "- 'raw_metadata_id', (SELECT url FROM origin o WHERE o.id = i.origin_id), "
        f"{RAW_KEY.format('i')} FROM issue i"
    ),
}


def snapshot(db: Session | Connection) -> Snapshot:
    return {
        table: sorted(tuple(str(v) for v in row) for row in db.execute(text(sql)))
        for table, sql in TABLES.items()
    }


def described(db: Session, outcome: IngestOutcome) -> tuple[object, ...]:
    """An outcome with its ids replaced by what they identify."""
    raw = origin = None
    if outcome.raw_metadata_id is not None:
        raw = db.execute(
            text("SELECT authority, source_url, sha256 FROM raw_metadata WHERE id = :id"),
            {"id": outcome.raw_metadata_id},
        ).one()
    if outcome.origin_id is not None:
        origin = db.scalar(text("SELECT url FROM origin WHERE id = :id"), {"id": outcome.origin_id})
    error = re.sub(r"origin \d+", "origin <id>", outcome.error or "")  # ids differ by run
    return (outcome.status, error, outcome.issues, raw, origin)


def run_both(
    db: Session, batches: Sequence[Sequence[Envelope]], stored_before: Sequence[Envelope] = ()
) -> tuple[list[tuple[object, ...]], Snapshot]:
    """Apply ``batches`` per record and in bulk, each in a savepoint rolled back after;
    assert the same outcomes and tables, and return them (for further checks)."""
    results = []
    for fast in (False, True):
        savepoint = db.begin_nested()
        try:
            for env in stored_before:
                ingest(db, env)
            outcomes: list[IngestOutcome] = []
            for batch in batches:
                if fast:
                    outcomes += ingest_batch(db, batch)
                else:
                    outcomes += [ingest(db, env) for env in batch]
            db.flush()
            results.append(([described(db, o) for o in outcomes], snapshot(db)))
        finally:
            savepoint.rollback()
    (slow_outcomes, slow_tables), (fast_outcomes, fast_tables) = results
    assert fast_outcomes == slow_outcomes
    for table in TABLES:
        assert fast_tables[table] == slow_tables[table], table
    return slow_outcomes, slow_tables


def chunks(items: Sequence[Envelope], size: int) -> list[list[Envelope]]:
    return [list(items[n : n + size]) for n in range(0, len(items), size)]


def fixture(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


def envelope(
    payload: Any,
    *,
    authority: str = "github.com",
    fmt: str = GITHUB,
    kind: str = "repository",
    url: str | None = None,
    origin: str | None = None,
    fetched_at: datetime | None = None,
) -> Envelope:
    return Envelope(
        authority=authority,
        format=fmt,
        kind=kind,
        payload=payload,
        payload_bytes=json.dumps(payload, separators=(",", ":")).encode(),
        url=url,
        origin=origin,
        fetched_at=fetched_at or datetime(2026, 11, 1, tzinfo=UTC),
    )


def on(authority: str, origin: str) -> Callable[..., Envelope]:
    """Envelopes from a forge, about one project (issue pages need to say which)."""
    return lambda payload, **kwargs: envelope(payload, authority=authority, origin=origin, **kwargs)


def fixture_envelopes() -> list[Envelope]:
    """Every recorded fixture, as the fetcher would have stored it."""
    envs = [
        envelope(fixture(f"github/{name}"))
        for name in (
            "repo_benjaminp_six.json",
            "repo_vercel_ms.json",
            "repo_pallets_itsdangerous.json",
            "repo_go-gitea_test_repo.json",
            "repo_fork_2012_jacquev6_gitflow.json",
            "repo_noassertion_takeo_Brief.json",
        )
    ]
    envs.append(
        envelope(
            fixture("github/repo_renamed_octokit-fixture-org.json"),
            url="https://api.github.com/repos/octokit-fixture-org/rename-repository",
        )
    )
    for page in (
        "issues_pallets_itsdangerous_page1.json",
        "issues_pallets_itsdangerous_page2.json",
    ):
        envs.append(
            envelope(
                fixture(f"github/{page}"),
                kind="issues",
                url="https://api.github.com/repos/pallets/itsdangerous/issues?state=all",
            )
        )
    envs.append(
        envelope(
            fixture("github/pulls_octocat_Hello-World.json"),
            kind="pulls",
            url="https://api.github.com/repos/octocat/Hello-World/pulls",
        )
    )
    gitlab = on("gitlab.com", "https://gitlab.com/gitea/test_repo")
    envs += [
        gitlab(fixture("gitlab/project_gitea_test_repo.json"), fmt="gitlab-project-json"),
        gitlab(fixture("gitlab/issues_page1.json"), fmt="gitlab-issues-json", kind="issues"),
        gitlab(
            [fixture("gitlab/merge_request_3.json"), fixture("gitlab/merge_request_4.json")],
            fmt="gitlab-merge-requests-json",
            kind="merge_requests",
        ),
    ]
    gitea = on("gitea.com", "https://gitea.com/gitea/test_repo")
    envs += [
        gitea(fixture("gitea/repo_gitea_test_repo.json"), fmt="gitea-repo-json"),
        gitea(fixture("gitea/repo_fork_6543-forks_test_repo.json"), fmt="gitea-repo-json"),
        gitea(fixture("gitea/issues_page3.json"), fmt="gitea-issues-json", kind="issues"),
        gitea(fixture("gitea/pulls_page1.json"), fmt="gitea-pulls-json", kind="pulls"),
        envelope(
            fixture("forgejo/repo_alice_test_repo.json"),
            authority="forgejo.example",
            fmt="forgejo-repo-json",
        ),
    ]
    bitbucket = on("bitbucket.org", "https://bitbucket.org/gitea/test_repo")
    envs += [
        bitbucket(fixture("bitbucket/repo_gitea_test_repo.json"), fmt="bitbucket-repository-json"),
        bitbucket(
            fixture("bitbucket/pullrequests_page1.json"),
            fmt="bitbucket-pullrequests-json",
            kind="pulls",
        ),
        envelope(
            fixture("crates/crate_foo_show.json"),
            authority="crates.io",
            fmt="crates-crate-json",
            kind="package",
        ),
    ]
    for path in sorted((FIXTURES / "pypi").glob("*.json")):
        envs.append(
            envelope(
                fixture(f"pypi/{path.name}"),
                authority="pypi.org",
                fmt="pypi-project-json",
                kind="package",
            )
        )
    for path in sorted((FIXTURES / "npm").glob("*.json")):
        envs.append(
            envelope(
                fixture(f"npm/{path.name}"),
                authority="registry.npmjs.org",
                fmt="npm-packument-json",
                kind="package",
            )
        )
    return envs


def demo_envelopes() -> list[Envelope]:
    return [parse_envelope(line) for line in DEMO.read_bytes().splitlines() if line.strip()]


def generated_envelopes(tmp_path: Path, records: int) -> list[Envelope]:
    dump = tmp_path / "dump.jsonl"
    generate(dump, records)
    return [parse_envelope(line) for line in dump.read_bytes().splitlines()]


def variant(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    changed.update(changes)
    return changed


def tricky_envelopes() -> tuple[list[Envelope], list[Envelope]]:
    """(stored before, then imported): the cases where order and history matter."""
    six = fixture("github/repo_benjaminp_six.json")
    renamed = fixture("github/repo_renamed_octokit-fixture-org.json")
    old_name = variant(
        renamed,
        name="rename-repository",
        full_name="octokit-fixture-org/rename-repository",
        html_url="https://github.com/octokit-fixture-org/rename-repository",
    )
    fork = fixture("github/repo_fork_2012_jacquev6_gitflow.json")
    parent = variant(
        six,
        id=481366,
        name="gitflow",
        full_name="nvie/gitflow",
        html_url="https://github.com/nvie/gitflow",
        owner={**six["owner"], "login": "nvie", "id": 1, "html_url": "https://github.com/nvie"},
    )
    stored = envelope(fixture("github/repo_vercel_ms.json"))
    june, january = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    imported = [
        stored,  # already stored: unchanged
        envelope(six, fetched_at=june),
        envelope(six, fetched_at=june),  # the same payload twice in one batch
        envelope(variant(six, stargazers_count=1), fetched_at=january),  # older: stale
        envelope(variant(six, stargazers_count=2), fetched_at=datetime(2026, 7, 1, tzinfo=UTC)),
        envelope({"id": "not-a-number", "name": 3}),  # malformed: failed, raw kept
        envelope(old_name, fetched_at=january),  # then renamed: an alias
        envelope(
            renamed,
            url="https://api.github.com/repos/octokit-fixture-org/rename-repository",
        ),
        envelope(variant(old_name, id=999_001, description="a new repo on the old name")),
        envelope(fork),  # parent unknown yet: a placeholder
        envelope(parent),  # the placeholder filled in
        envelope(variant(fork, id=999_002, name="gitflow-2", html_url="https://github.com/x/gf")),
        # the same owner spelled differently, and a fork whose parent now exists
        envelope(
            variant(
                fork,
                id=999_003,
                full_name="JACQUEV6/gitflow-3",
                html_url="https://github.com/JACQUEV6/gitflow-3",
                owner={**fork["owner"], "login": "JACQUEV6"},
            )
        ),
        # another repository (by forge id) now at six's URL: a transfer then reuse of
        # the URL, not a conflict: both origins held it, each in its time
        envelope(variant(parent, html_url="https://github.com/benjaminp/six")),
        # a package before its repository, and a repository before its package
        envelope(
            fixture("pypi/itsdangerous.json"),
            authority="pypi.org",
            fmt="pypi-project-json",
            kind="package",
        ),
        envelope(fixture("github/repo_pallets_itsdangerous.json")),
        envelope(
            fixture("pypi/six.json"), authority="pypi.org", fmt="pypi-project-json", kind="package"
        ),
        # issues of a repository not known yet, then the repository itself
        envelope(
            fixture("github/pulls_octocat_Hello-World.json"),
            kind="pulls",
            url="https://api.github.com/repos/octocat/Hello-World/pulls",
        ),
        envelope(
            variant(
                six,
                id=1296269,
                name="Hello-World",
                full_name="octocat/Hello-World",
                html_url="https://github.com/octocat/Hello-World",
                owner={**six["owner"], "login": "octocat", "id": 583231},
            )
        ),
        # a fork whose parent is itself (by forge id): no parent, as one by one
        envelope(
            variant(
                fork,
                id=999_004,
                html_url="https://github.com/x/self",
                parent={**fork["parent"], "id": 999_004},
            )
        ),
        # a package naming a paper (the per-record path records the link)
        envelope(
            variant(
                (pypi := fixture("pypi/six.json")),
                info={
                    **pypi["info"],
                    "project_urls": {"Paper": "https://doi.org/10.1234/Example.5678"},
                },
            ),
            authority="pypi.org",
            fmt="pypi-project-json",
            kind="package",
        ),
    ]
    return [stored], imported


def history_envelopes() -> list[Envelope]:
    """A rename (per record), a newer plain payload (fast path), then an older rename
    that must be stale; and one owner named fully, renamed, then by login only."""
    six = fixture("github/repo_benjaminp_six.json")
    tool = variant(
        six,
        id=777,
        name="tool",
        full_name="acme/tool",
        html_url="https://github.com/acme/tool",
        owner={
            "login": "Acme",
            "id": 4242,
            "type": "Organization",
            "name": "Acme Inc.",
            "html_url": "https://github.com/Acme",
        },
    )
    renamed_from = "https://api.github.com/repos/acme/old-tool"
    return [
        envelope(tool, url=renamed_from, fetched_at=datetime(2026, 2, 1, tzinfo=UTC)),
        envelope(variant(tool, stargazers_count=10), fetched_at=datetime(2026, 8, 1, tzinfo=UTC)),
        envelope(
            variant(tool, stargazers_count=20),
            url=renamed_from,
            fetched_at=datetime(2026, 5, 1, tzinfo=UTC),
        ),
        envelope(
            variant(
                tool,
                id=778,
                html_url="https://github.com/acme/tool-2",
                owner={"login": "ACME", "type": "Organization"},
            ),
            fetched_at=datetime(2026, 9, 1, tzinfo=UTC),
        ),
        envelope(
            variant(
                tool,
                id=779,
                html_url="https://github.com/acme/tool-3",
                owner={**tool["owner"], "name": "Acme Corporation"},
            ),
            fetched_at=datetime(2026, 9, 1, tzinfo=UTC),
        ),
        envelope(
            variant(
                tool,
                id=780,
                html_url="https://github.com/acme/tool-4",
                owner={"login": "acme", "type": "User"},
            ),
            fetched_at=datetime(2026, 9, 1, tzinfo=UTC),
        ),
    ]


def identity_envelopes() -> list[Envelope]:
    """Real forge histories (issue 10, item 9): GitHub repository 3544490 transferred
    from ``jacquev6`` to ``PyGithub`` (two real recordings), then real payloads edited
    (``fixtures/history``) into a renamed account, its login taken by another account,
    a new repository on the freed URL, an issues endpoint that forgot a merge, old
    GitLab issue URLs; plus a 2012 payload counting stars as ``watchers``."""
    from tests.forges.test_identities import (
        gitflow_2012,
        gitflow_renamed_account,
        new_repository_on_freed_url,
        pygithub_2012,
        pygithub_2025,
    )

    issues = "https://api.github.com/repos/pallets/itsdangerous/issues"
    return [
        pygithub_2025(),
        new_repository_on_freed_url(),
        pygithub_2012(),  # older than what is stored by then: its periods still count
        gitflow_2012(),
        gitflow_renamed_account(),
        envelope(fixture("github/repo_pallets_itsdangerous.json")),
        envelope(
            fixture("github/issues_pallets_itsdangerous_page1.json"),
            kind="issues",
            url=f"{issues}?page=1",
            fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        envelope(
            fixture("history/issues_pallets_itsdangerous_372_without_merged_at.json"),
            kind="issues",
            url=f"{issues}/372",
            fetched_at=datetime(2026, 2, 1, tzinfo=UTC),
        ),
        envelope(
            fixture("gitlab/project_gitea_test_repo.json"),
            authority="gitlab.com",
            fmt="gitlab-project-json",
        ),
        envelope(
            fixture("history/gitlab_issues_old_form_page1.json"),
            authority="gitlab.com",
            fmt="gitlab-issues-json",
            kind="issues",
            url="https://gitlab.com/api/v4/projects/15578026/issues?page=1",
        ),
    ]


@pytest.mark.parametrize("size", [1000, 4, 1])
def test_identity_histories_across_both_paths(
    db: Session, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    envs = identity_envelopes()
    slow: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> IngestOutcome:
        slow.append(args)
        return apply_mapped(*args, **kwargs)

    monkeypatch.setattr(bulk, "apply_mapped", counted)
    outcomes, tables = run_both(db, chunks(envs, size))
    assert [o[0] for o in outcomes] == ["applied"] * 2 + ["stale"] + ["applied"] * 7
    assert 0 < len(slow) < len(envs)  # the fast path took the plain ones
    assert len(tables["owner"]) == 5  # jacquev6 renamed, the newcomer, PyGithub, ...
    # (owner's forge id and current login, a login it was seen under)
    logins = sorted(
        (row[1], re.findall(r"'login': '([^']*)'", row[0])[0]) for row in tables["owner_login"]
    )
    assert logins == [
        ("11288996/pygithub", "pygithub"),
        ("16748505/pallets", "pallets"),
        ("3181312/gitea", "gitea"),
        ("327146/vincent-jacques", "jacquev6"),  # the account's two logins
        ("327146/vincent-jacques", "vincent-jacques"),
        ("900000002/jacquev6", "jacquev6"),  # its first, taken by another account
    ]
    (pull,) = [row for row in tables["issue"] if "'number': 372" in row[0]]
    assert "'state': 'merged'" in pull[0]


def test_demo_corpus(db: Session) -> None:
    outcomes, tables = run_both(db, [demo_envelopes()])
    assert {o[0] for o in outcomes} == {"applied"}
    assert len(tables["origin"]) >= 6
    assert tables["issue"]


@pytest.mark.parametrize("size", [1000, 5, 1])
def test_recorded_fixtures(db: Session, size: int) -> None:
    envs = fixture_envelopes()
    outcomes, tables = run_both(db, chunks(envs, size))
    assert len(outcomes) == len(envs)
    assert tables["license_finding"]
    assert tables["origin_alias"]


def test_generated_dump_with_shared_owners(db: Session, tmp_path: Path) -> None:
    envs = generated_envelopes(tmp_path, 400)
    # twice: the second time every payload is already stored
    outcomes, tables = run_both(db, [*chunks(envs, 150), envs[:50]])
    assert [o[0] for o in outcomes] == ["applied"] * 400 + ["unchanged"] * 50
    assert len(tables["owner"]) < 150  # owners are shared between repositories


@pytest.mark.parametrize("size", [1000, 3, 1])
def test_order_and_history_cases(db: Session, size: int) -> None:
    stored, imported = tricky_envelopes()
    outcomes, tables = run_both(db, chunks(imported, size), stored_before=stored)
    statuses = [o[0] for o in outcomes]
    assert statuses[:4] == ["unchanged", "applied", "unchanged", "stale"]
    assert statuses.count("failed") == 1  # the malformed payload
    assert tables["origin_alias"]
    assert tables["paper_link"]


@pytest.mark.parametrize("size", [1000, 4, 1])
def test_history_across_both_paths(db: Session, size: int) -> None:
    outcomes, tables = run_both(db, chunks(history_envelopes(), size))
    assert [o[0] for o in outcomes][:3] == ["applied", "applied", "stale"]
    (owner,) = tables["owner"]
    assert "'native_id': '4242'" in owner[0]
    assert "'name': 'Acme Corporation'" in owner[0]  # the last name given


def test_fast_path_takes_the_common_case(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generated dump never needs the per-record path (which is what makes it fast)."""
    envs = generated_envelopes(tmp_path, 60)
    slow: list[Any] = []
    monkeypatch.setattr(bulk, "apply_mapped", lambda *args, **kwargs: slow.append(args))
    outcomes = ingest_batch(db, envs[:30]) + ingest_batch(db, envs)
    assert slow == []
    assert [o.status for o in outcomes] == ["applied"] * 30 + ["unchanged"] * 30 + ["applied"] * 30


# --- import_lines: the batches go through the fast path, with a per-record fallback -----


def import_both(
    connection: Connection,
    factory: sessionmaker[Session],
    lines: Sequence[bytes],
    monkeypatch: pytest.MonkeyPatch,
    break_fast_path: Callable[[pytest.MonkeyPatch], None],
) -> None:
    """Import ``lines`` record by record, then through a broken fast path (that must
    fall back), and compare the reports and tables."""
    results = []
    for broken in (False, True):
        savepoint = connection.begin_nested()
        try:
            with monkeypatch.context() as patch:
                if broken:
                    break_fast_path(patch)
                else:
                    patch.setattr(imports, "ingest_batch", _per_record)
                report = import_lines(lines, factory, batch_size=4)
            results.append((report.as_dict(), snapshot(connection)))
        finally:
            savepoint.rollback()
    assert results[0] == results[1]


def _per_record(session: Session, envelopes: Sequence[Envelope]) -> list[IngestOutcome]:
    return [ingest(session, env) for env in envelopes]


@pytest.mark.parametrize("through", ["sqlalchemy", "psycopg"])
def test_import_lines_falls_back_on_a_database_error(
    connection: Connection,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    through: str,
) -> None:
    lines = [*DEMO.read_bytes().splitlines(keepends=True), b"{not json\n"]
    original = bulk._write_origins
    calls: list[int] = []

    def failing(session: Session, *args: Any) -> dict[int, int]:
        calls.append(1)
        result = original(session, *args)  # half-written, then the database says no
        if len(calls) == 2 and through == "sqlalchemy":
            session.execute(text("SELECT 1 / 0"))
        elif len(calls) == 2:
            driver(session).execute("SELECT 1 / 0")  # as a failing COPY would
        return result

    import_both(
        connection,
        session_factory,
        lines,
        monkeypatch,
        lambda patch: patch.setattr(bulk, "_write_origins", failing),
    )
    assert len(calls) >= 2
    assert "applying the batch record by record" in caplog.text


def test_import_lines_falls_back_on_a_concurrent_change(
    connection: Connection,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []

    def concurrent(session: Session, envelopes: Sequence[Envelope]) -> list[IngestOutcome]:
        calls.append(1)
        ingest_batch(session, envelopes)
        raise ConcurrentChange("someone else wrote")

    # import_both asserts the fallback gives the same report and rows as record by
    # record; the broken fast path must have been taken for that to mean anything.
    import_both(
        connection,
        session_factory,
        DEMO.read_bytes().splitlines(keepends=True),
        monkeypatch,
        lambda patch: patch.setattr(imports, "ingest_batch", concurrent),
    )
    assert calls, "the fast path was never tried"
