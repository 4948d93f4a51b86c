"""Identities on real forge histories (issue 10, items 7 and 9).

The payloads are real recordings (GitHub repository 3544490, ``jacquev6/PyGithub`` in
2012 and ``PyGithub/PyGithub`` in 2025: a real transfer) and real recordings edited
to play the rest of the story: the account renamed, its freed login taken by another
account, a new repository on the freed URL, an endpoint that forgot merges
(``fixtures/history/README.md`` says what each derives from). Each case runs through
the per-record path and the bulk COPY path (``run_both``), which must agree.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from swh.model.model import Origin as SWHOrigin

from app.forges import repository as repo
from app.forges.envelope import Envelope
from app.forges.imports import import_lines
from app.forges.ingest import ingest
from app.models import Issue, Origin, OriginAlias, Owner, OwnerLogin, RawMetadata
from app.models.enums import IssueState
from tests.forges.test_bulk import envelope, run_both

FIXTURES = Path(__file__).parent / "fixtures"
MAY_2012 = datetime(2012, 5, 27, 7, 17, 9, tzinfo=UTC)
JAN_2025 = datetime(2025, 1, 7, 7, 32, 15, tzinfo=UTC)
MAY_2026 = datetime(2026, 5, 2, tzinfo=UTC)
AUG_2026 = datetime(2026, 8, 3, tzinfo=UTC)


def fixture(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


def pygithub_2012() -> Envelope:
    return envelope(
        fixture("github/repo_2012_jacquev6_PyGithub.json"),
        url="https://api.github.com/repos/jacquev6/PyGithub",
        fetched_at=MAY_2012,
    )


def pygithub_2025() -> Envelope:
    return envelope(
        fixture("github/repo_PyGithub_PyGithub.json"),
        url="https://api.github.com/repos/PyGithub/PyGithub",
        fetched_at=JAN_2025,
    )


def gitflow_2012() -> Envelope:
    return envelope(
        fixture("github/repo_fork_2012_jacquev6_gitflow.json"),
        url="https://api.github.com/repos/jacquev6/gitflow",
        fetched_at=datetime(2012, 5, 26, 20, 23, 40, tzinfo=UTC),
    )


def gitflow_renamed_account() -> Envelope:
    return envelope(
        fixture("history/repo_2026_vincent-jacques_gitflow.json"),
        url="https://api.github.com/repos/vincent-jacques/gitflow",
        fetched_at=MAY_2026,
    )


def new_repository_on_freed_url() -> Envelope:
    return envelope(
        fixture("history/repo_2026_jacquev6_PyGithub_new.json"),
        url="https://api.github.com/repos/jacquev6/PyGithub",
        fetched_at=AUG_2026,
    )


def line(env: Envelope) -> bytes:
    assert env.fetched_at is not None
    return json.dumps(
        {
            "authority": env.authority,
            "format": env.format,
            "kind": env.kind,
            "url": env.url,
            "fetched_at": env.fetched_at.isoformat(),
            "payload": env.payload,
        }
    ).encode()


def origin_of(db: Session, native_id: str) -> Origin:
    return db.scalars(select(Origin).where(Origin.native_id == native_id)).one()


def owner_of(db: Session, native_id: str) -> Owner:
    return db.scalars(select(Owner).where(Owner.native_id == native_id)).one()


# --- item 7: the origin SWHID is the archive's ------------------------------------------


def test_origin_swhid_hashes_the_url_as_the_forge_spells_it(db: Session) -> None:
    outcome = ingest(db, pygithub_2025())
    origin = db.get(Origin, outcome.origin_id)
    assert origin is not None
    assert origin.url == "https://github.com/pygithub/pygithub"  # matching stays case-blind
    assert origin.swhid == str(SWHOrigin(url="https://github.com/PyGithub/PyGithub").swhid())
    assert origin.swhid != str(SWHOrigin(url=origin.url).swhid())
    assert repo.origin_by_url_or_alias(db, "https://github.com/pygithub/pygithub") == origin
    gitlab = ingest(
        db,
        envelope(
            fixture("gitlab/project_gitea_test_repo.json"),
            authority="gitlab.com",
            fmt="gitlab-project-json",
        ),
    )
    project = db.get(Origin, gitlab.origin_id)
    assert project is not None
    # what Software Heritage's GitLab lister records: the http clone URL
    expected = SWHOrigin(url="https://gitlab.com/gitea/test_repo.git").swhid()
    assert project.swhid == str(expected)


def test_recorded_spelling_follows_the_newest_payload(db: Session) -> None:
    """The same repository spelled two ways (case only): one origin, the newest
    spelling's SWHID, both spellings' periods kept."""
    payload = fixture("github/repo_PyGithub_PyGithub.json")
    older = {**payload, "html_url": "https://github.com/pygithub/PyGithub"}
    ingest(db, envelope(payload, fetched_at=JAN_2025))
    ingest(db, envelope(older, fetched_at=datetime(2024, 1, 1, tzinfo=UTC)))
    origin = origin_of(db, "3544490")
    assert origin.archive_url == "https://github.com/PyGithub/PyGithub"
    assert origin.swhid == str(SWHOrigin(url="https://github.com/PyGithub/PyGithub").swhid())


# --- item 9: renamed accounts, reused logins ---------------------------------------------


def test_account_rename_is_one_owner_and_does_not_sink_the_batch(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    lines = [line(e) for e in (pygithub_2012(), gitflow_2012(), gitflow_renamed_account())]
    report = import_lines(lines, session_factory, batch_size=100)
    assert (report.applied, report.failed) == (3, 0), report.failures
    owner = owner_of(db, "327146")
    assert (owner.login, owner.display_login) == ("vincent-jacques", "vincent-jacques")
    history = db.execute(
        select(OwnerLogin.login, OwnerLogin.first_seen_at, OwnerLogin.last_seen_at)
        .where(OwnerLogin.owner_id == owner.id)
        .order_by(OwnerLogin.first_seen_at)
    ).all()
    assert [h.login for h in history] == ["jacquev6", "vincent-jacques"]
    assert history[0].last_seen_at == MAY_2012  # as jacquev6 until then
    assert history[1].first_seen_at == MAY_2026
    # both repositories of the account point at it, whatever login each payload said
    assert origin_of(db, "3544490").owner_id == owner.id
    assert origin_of(db, "4457584").owner_id == owner.id


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_a_reused_login_is_another_account(db: Session, order: tuple[int, ...]) -> None:
    envs = [gitflow_2012(), gitflow_renamed_account(), new_repository_on_freed_url()]
    outcomes, tables = run_both(db, [[envs[i] for i in order]])
    assert "failed" not in {o[0] for o in outcomes}
    assert len(tables["owner"]) == 2  # the renamed account, and the one that took its login
    for i in order:
        ingest(db, envs[i])
    assert owner_of(db, "327146").login == "vincent-jacques"
    assert owner_of(db, "900000002").login == "jacquev6"


def test_old_origins_keep_their_account_when_the_login_moves(db: Session) -> None:
    for env in (gitflow_2012(), gitflow_renamed_account(), new_repository_on_freed_url()):
        ingest(db, env)
    renamed = owner_of(db, "327146")
    newcomer = owner_of(db, "900000002")
    assert origin_of(db, "4457584").owner_id == renamed.id
    assert origin_of(db, "900000001").owner_id == newcomer.id
    assert newcomer.login == "jacquev6"
    assert repo.owner_by_login(db, renamed.forge_id, "jacquev6") == newcomer


# --- item 9: a transferred repository and a new one on its old URL ------------------------


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_transfer_then_reuse_of_the_url(db: Session, order: tuple[int, ...]) -> None:
    envs = [pygithub_2012(), pygithub_2025(), new_repository_on_freed_url()]
    outcomes, _ = run_both(db, [[envs[i] for i in order]])
    assert "failed" not in {o[0] for o in outcomes}
    for env in (envs[i] for i in order):
        ingest(db, env)
    moved, newcomer = origin_of(db, "3544490"), origin_of(db, "900000001")
    assert moved.url == "https://github.com/pygithub/pygithub"
    assert newcomer.url == "https://github.com/jacquev6/pygithub"
    # the 2012 payload, its fields and provenance stay with the repository it described
    raw_2012 = db.scalars(select(RawMetadata).where(RawMetadata.fetched_at == MAY_2012)).one()
    assert raw_2012.origin_id == moved.id
    # who held the old URL, and when
    history = repo.url_history(db, "https://github.com/jacquev6/pygithub")
    assert [(o.native_id, p.first_seen_at if p else None) for o, p in history] == [
        ("900000001", AUG_2026),
        ("3544490", MAY_2012),
    ]
    assert repo.origin_by_url_or_alias(db, "https://github.com/jacquev6/pygithub") == newcomer
    holders_then = repo.url_holders(db, "https://github.com/jacquev6/pygithub", at=MAY_2012)
    assert holders_then[0] == moved


def test_a_fork_keeps_the_parent_its_forge_id_names(db: Session) -> None:
    """A fork recorded when its parent was at the URL a new repository took later."""
    for env in (pygithub_2012(), pygithub_2025(), new_repository_on_freed_url()):
        ingest(db, env)
    fork = fixture("github/repo_fork_2012_jacquev6_gitflow.json")
    fork["parent"] = {
        **fork["parent"],
        "id": 3544490,
        "full_name": "jacquev6/PyGithub",
        "html_url": "https://github.com/jacquev6/PyGithub",
    }
    outcome = ingest(db, envelope(fork, fetched_at=MAY_2012))
    forked = db.get(Origin, outcome.origin_id)
    assert forked is not None
    assert forked.fork_parent_id == origin_of(db, "3544490").id


# --- item 9: merged stays merged ----------------------------------------------------------


@pytest.mark.parametrize("merged_first", [True, False])
def test_a_merged_pull_request_never_turns_closed(db: Session, merged_first: bool) -> None:
    pages = [
        envelope(
            fixture("github/issues_pallets_itsdangerous_page1.json"),
            kind="issues",
            url="https://api.github.com/repos/pallets/itsdangerous/issues?page=1",
            fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        envelope(
            fixture("history/issues_pallets_itsdangerous_372_without_merged_at.json"),
            kind="issues",
            url="https://api.github.com/repos/pallets/itsdangerous/issues/372",
            fetched_at=datetime(2026, 2, 1, tzinfo=UTC),
        ),
    ]
    if not merged_first:
        pages.reverse()
    repository = envelope(fixture("github/repo_pallets_itsdangerous.json"))
    run_both(db, [[repository, *pages]])
    for env in (repository, *pages):
        ingest(db, env)
    pull = db.scalars(select(Issue).where(Issue.number == 372)).one()
    assert pull.state is IssueState.MERGED
    assert pull.merged_at == datetime(2024, 3, 11, 16, 45, 53, tzinfo=UTC)


# --- item 9: 2012 payloads, old GitLab URLs, ports ----------------------------------------


def test_stars_of_a_2012_payload(db: Session) -> None:
    _, tables = run_both(db, [[pygithub_2012()]])
    (row,) = tables["origin"]
    assert "'stars': 15" in row[0]


def test_old_gitlab_issue_urls_name_their_project(db: Session) -> None:
    project = envelope(
        fixture("gitlab/project_gitea_test_repo.json"),
        authority="gitlab.com",
        fmt="gitlab-project-json",
    )
    issues = envelope(
        fixture("history/gitlab_issues_old_form_page1.json"),
        authority="gitlab.com",
        fmt="gitlab-issues-json",
        kind="issues",
        url="https://gitlab.com/api/v4/projects/15578026/issues?page=1",  # id: no name
    )
    for order in ([project, issues], [issues, project]):
        _, tables = run_both(db, [order])
        assert [row[-1] for row in tables["raw_metadata"]] == [
            "https://gitlab.com/gitea/test_repo"
        ] * 2
        assert len(tables["origin"]) == 1


def test_a_port_is_another_server(db: Session) -> None:
    payload = fixture("gitlab/project_gitea_test_repo.json")
    on_port = {
        **payload,
        "id": payload["id"] + 1,
        "web_url": "https://gitlab.example.org:8443/gitea/test_repo",
        "http_url_to_repo": "https://gitlab.example.org:8443/gitea/test_repo.git",
    }
    default = {
        **payload,
        "web_url": "https://gitlab.example.org/gitea/test_repo",
        "http_url_to_repo": "https://gitlab.example.org/gitea/test_repo.git",
    }
    envs = [
        envelope(p, authority=a, fmt="gitlab-project-json")
        for p, a in ((on_port, "gitlab.example.org:8443"), (default, "gitlab.example.org"))
    ]
    _, tables = run_both(db, [envs])
    assert len(tables["origin"]) == 2
    for env in envs:
        ingest(db, env)
    assert sorted(db.scalars(select(Origin.url))) == [
        "https://gitlab.example.org/gitea/test_repo",
        "https://gitlab.example.org:8443/gitea/test_repo",
    ]


def test_every_url_an_origin_was_seen_at_is_kept(db: Session) -> None:
    for env in (pygithub_2025(), pygithub_2012()):  # the older one last
        ingest(db, env)
    moved = origin_of(db, "3544490")
    periods = {
        row.url: (row.first_seen_at, row.last_seen_at, row.archive_url)
        for row in db.scalars(select(OriginAlias).where(OriginAlias.origin_id == moved.id))
    }
    assert periods == {
        "https://github.com/jacquev6/pygithub": (
            MAY_2012,
            MAY_2012,
            "https://github.com/jacquev6/PyGithub",
        ),
        "https://github.com/pygithub/pygithub": (
            JAN_2025,
            JAN_2025,
            "https://github.com/PyGithub/PyGithub",
        ),
    }
    assert moved.stars == 7122  # the newer payload's fields, though it came first


def test_issue_pages_go_to_who_held_the_url_when_they_were_fetched(db: Session) -> None:
    """Issue pages name their repository by URL only (GitHub's ``/repos/{o}/{r}/issues``):
    a page fetched in 2012 belongs to the repository there in 2012, one fetched after
    the URL was taken by a new repository to that one. (The pages are the real
    itsdangerous ones; what is tested is where a page fetched from a URL goes.)"""
    for env in (pygithub_2012(), pygithub_2025(), new_repository_on_freed_url()):
        ingest(db, env)
    api = "https://api.github.com/repos/jacquev6/PyGithub/issues?state=all"
    pages = {
        when: ingest(
            db,
            envelope(
                fixture(f"github/issues_pallets_itsdangerous_page{n}.json"),
                kind="issues",
                url=f"{api}&page={n}",
                fetched_at=when,
            ),
        )
        for n, when in (
            (1, datetime(2012, 6, 1, tzinfo=UTC)),
            (2, datetime(2026, 9, 1, tzinfo=UTC)),
        )
    }
    assert [o.status for o in pages.values()] == ["applied", "applied"]
    early, late = pages.values()
    assert early.origin_id == origin_of(db, "3544490").id
    assert late.origin_id == origin_of(db, "900000001").id
