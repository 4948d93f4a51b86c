"""Every stored archive object (revision, release, directory, snapshot) re-hashes to
its SWHID from its rows alone (issue 10, items 9 and the property tests): rebuilt with
swh.model from what the tables hold, never from the scan's in-memory records.

The repository is made with the git CLI and holds what real histories hold: a commit
really signed (``git commit -S`` with a throwaway SSH key made for the test, so a
``gpgsig`` header), a merge of a signed tag (a ``mergetag`` header), a commit with an
``encoding`` header, a ``-0000`` offset, a signed annotated tag (scans record the
revisions branches and tags point to), plus the rich test repository's hand-made
oddities (unparsable dates, a tag without tagger).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from swh.model import model as swh

from app.models import Directory, Release, Revision, Snapshot
from app.models.enums import BranchTargetType
from app.scans.reading import scan_source
from app.scans.recording import record_scan
from app.scans.writing import release_from_row, revision_from_row
from tests.factories import OriginFactory
from tests.scans.reading.conftest import git, head, write


def _signing_key(directory: Path) -> Path:
    key = directory / "throwaway_signing_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test only", "-f", str(key)],
        check=True,
        capture_output=True,
    )
    return key


@pytest.fixture
def signed_repo(tmp_path: Path) -> Path:
    key = _signing_key(tmp_path)
    sign = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}")
    repo = tmp_path / "signed"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, b"README", b"hello\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first", GIT_COMMITTER_DATE="1600000100 -0000")
    write(repo, b"README", b"hello, signed\n")
    git(repo, *sign, "commit", "-q", "-S", "-am", "a signed commit")
    git(repo, *sign, "tag", "-s", "v1", "-m", "a signed tag")
    git(repo, "checkout", "-q", "-b", "side")
    write(repo, b"side.txt", b"side\n")
    git(repo, "add", "-A")
    git(repo, *sign, "commit", "-q", "-S", "-m", "side work")
    git(repo, *sign, "tag", "-s", "side-v1", "-m", "signed tag to merge")
    git(repo, "checkout", "-q", "main")
    (repo / ".git" / "msg").write_bytes("Caf\u00e9\n".encode("latin-1"))
    write(repo, b"latin.txt", b"x\n")
    git(repo, "add", "-A")
    git(repo, "-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "-F", ".git/msg")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge a signed tag", "side-v1")
    git(repo, "branch", "latin", "HEAD^1")  # scans record tips: make that commit one
    return repo


def _headers(repo: Path, rev: str) -> set[bytes]:
    body = git(repo, "cat-file", "commit", rev)
    headers = body.split(b"\n\n", 1)[0].split(b"\n")
    return {line.split(b" ", 1)[0] for line in headers if line and not line.startswith(b" ")}


def test_signed_history_rehashes_from_rows(db: Session, signed_repo: Path) -> None:
    merge = head(signed_repo)
    assert b"mergetag" in _headers(signed_repo, merge)  # what git really wrote
    assert b"gpgsig" in _headers(signed_repo, "HEAD^2")
    with scan_source(signed_repo) as scan:
        record_scan(db, OriginFactory(), scan)
    revisions = db.scalars(select(Revision)).all()
    releases = db.scalars(select(Release)).all()
    assert len(revisions) == 4  # tips: merge, side, latin, and the signed commit (tag v1)
    assert len(releases) == 2
    for row in revisions:
        rebuilt = revision_from_row(row).to_model()
        assert rebuilt.compute_hash() == row.sha1_git, row.swhid
        # a real signature is kept as SWH keeps it, in extra headers: no raw manifest
        assert row.raw_manifest is None, row.swhid
    signed = [r for r in revisions if any(k == b"gpgsig" for k, _ in r.extra_headers)]
    assert len(signed) == 2
    merged = db.scalars(select(Revision).where(Revision.sha1_git == bytes.fromhex(merge))).one()
    assert [k for k, _ in merged.extra_headers] == [b"mergetag"]
    for release in releases:
        rebuilt_release = release_from_row(release).to_model()
        assert rebuilt_release.compute_hash() == release.sha1_git, release.swhid
        assert release.raw_manifest is None, release.swhid
    assert all(b"-----BEGIN SSH SIGNATURE-----" in (r.message or b"") for r in releases)


def test_every_stored_object_of_a_rich_history_rehashes(db: Session, rich_repo: Path) -> None:
    """Including the objects only a raw manifest reproduces (as in SWH)."""
    with scan_source(rich_repo) as scan:
        record_scan(db, OriginFactory(), scan)
    rows: list[Revision | Release] = [*db.scalars(select(Revision)), *db.scalars(select(Release))]
    assert len(rows) > 8
    for row in rows:
        model: swh.Revision | swh.Release = (
            revision_from_row(row).to_model()
            if isinstance(row, Revision)
            else release_from_row(row).to_model()
        )
        assert model.compute_hash() == row.sha1_git, row.swhid
    kept_raw = [r.swhid for r in rows if r.raw_manifest is not None]
    assert kept_raw  # the unparsable date and the like: only their raw manifest rebuilds them


def test_a_new_scan_completes_rows_written_before_migration_0005(
    db: Session, signed_repo: Path
) -> None:
    origin = OriginFactory()
    with scan_source(signed_repo) as scan:
        record_scan(db, origin, scan)
    db.execute(
        update(Revision).values(
            extra_headers=[], author_offset_bytes=None, committer_offset_bytes=None
        )
    )
    db.execute(update(Release).values(date_offset_bytes=None))
    db.expire_all()
    broken = [
        r
        for r in db.scalars(select(Revision))
        if revision_from_row(r).to_model().compute_hash() != r.sha1_git
    ]
    assert broken  # what rows of the old schema held: not enough
    with scan_source(signed_repo) as scan:
        record_scan(db, origin, scan)
    db.expire_all()
    for row in db.scalars(select(Revision)):
        assert revision_from_row(row).to_model().compute_hash() == row.sha1_git


def directory_model(row: Directory) -> swh.Directory:
    """A directory as swh.model sees it, from its ``directory_entry`` rows only."""
    return swh.Directory(
        entries=tuple(
            swh.DirectoryEntry(
                name=bytes(e.name), type=e.type.value, target=bytes(e.target), perms=e.perms
            )
            for e in row.entries
        )
    )


SWH_BRANCH_TYPES = {
    BranchTargetType.CONTENT: swh.SnapshotTargetType.CONTENT,
    BranchTargetType.DIRECTORY: swh.SnapshotTargetType.DIRECTORY,
    BranchTargetType.REVISION: swh.SnapshotTargetType.REVISION,
    BranchTargetType.RELEASE: swh.SnapshotTargetType.RELEASE,
    BranchTargetType.SNAPSHOT: swh.SnapshotTargetType.SNAPSHOT,
    BranchTargetType.ALIAS: swh.SnapshotTargetType.ALIAS,
}


def snapshot_model(row: Snapshot) -> swh.Snapshot:
    """A snapshot as swh.model sees it, from its ``snapshot_branch`` rows only."""
    return swh.Snapshot(
        branches={
            bytes(b.name): None
            if b.target_type is BranchTargetType.DANGLING or b.target is None
            else swh.SnapshotBranch(
                target=bytes(b.target), target_type=SWH_BRANCH_TYPES[b.target_type]
            )
            for b in row.branches
        }
    )


def test_every_directory_and_snapshot_rehashes_from_rows(
    db: Session, rich_repo: Path, signed_repo: Path, tmp_path: Path
) -> None:
    """Git histories (trees of every revision a tip reaches, HEAD aliases, tags) and a
    plain directory tree (symlinks, executables, empty files, nested folders)."""
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "deep.txt").write_bytes(b"deep\n")
    (tree / "empty").write_bytes(b"")
    (tree / "run.sh").write_bytes(b"#!/bin/sh\necho hi\n")
    (tree / "run.sh").chmod(0o755)
    (tree / "link").symlink_to("a/b/deep.txt")
    for source in (rich_repo, signed_repo, tree):
        with scan_source(source) as scan:
            record_scan(db, OriginFactory(), scan)
    db.expire_all()
    directories = db.scalars(select(Directory)).all()
    snapshots = db.scalars(select(Snapshot)).all()
    assert len(directories) >= 9  # the tips' root trees and their subtrees
    assert len(snapshots) == 3
    for directory in directories:
        assert directory_model(directory).compute_hash() == directory.sha1_git, directory.swhid
    kinds = set()
    for snapshot in snapshots:
        assert snapshot_model(snapshot).compute_hash() == snapshot.sha1_git, snapshot.swhid
        kinds |= {b.target_type for b in snapshot.branches}
    # the plain tree's snapshot names its root directory; histories alias HEAD
    assert {BranchTargetType.REVISION, BranchTargetType.ALIAS} <= kinds
