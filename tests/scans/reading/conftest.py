"""Fixtures that build small, fully controlled git repositories and trees on disk.

Repositories are made with the ``git`` CLI at test time (no binary fixtures), with
fixed identities and dates so that every commit id is reproducible.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

NON_UTF8 = b"caf\xe9-latin1.txt"


def git(cwd: Path, *args: str, stdin: bytes | None = None, **env: str) -> bytes:
    """Run git in ``cwd`` isolated from the user's configuration."""
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ada Lovelace",
        "GIT_AUTHOR_EMAIL": "ada@example.org",
        "GIT_AUTHOR_DATE": "1600000000 +0530",
        "GIT_COMMITTER_NAME": "Charles Babbage",
        "GIT_COMMITTER_EMAIL": "charles@example.org",
        "GIT_COMMITTER_DATE": "1600000100 -0700",
        **env,
    }
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        check=True,
    ).stdout


def write(root: Path, relpath: bytes, data: bytes, mode: int = 0o644) -> None:
    """Write a file whose name may not be valid UTF-8."""
    target = os.path.join(os.fsencode(root), relpath)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as stream:
        stream.write(data)
    os.chmod(target, mode)


def symlink(root: Path, relpath: bytes, target: bytes) -> None:
    path = os.path.join(os.fsencode(root), relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def populate_tree(root: Path) -> None:
    """Everything the SWH hashing rules distinguish: exec bits, symlinks (inside,
    dangling, absolute), empty files, non-UTF-8 and odd names, duplicated subtrees,
    a file larger than the small size limits used in tests."""
    write(root, b"README.md", b"# Demo\n\nSome text.\n")
    write(root, b"empty", b"")
    write(root, b"bin/run.sh", b"#!/bin/sh\necho run\n", 0o755)
    write(root, b"bin/group-exec-only", b"x\n", 0o654)
    write(root, NON_UTF8, b"latin-1 name\n")
    write(root, b"with space and\nnewline", b"odd name\n")
    write(root, b"src/pkg/__init__.py", b"")
    write(root, b"src/pkg/mod.py", b"def f():\n    return 42\n" * 50)
    write(root, b"copy1/same.txt", b"same\n")
    write(root, b"copy2/same.txt", b"same\n")
    write(root, b"src/pkg-sorting", b"sorts between 'pkg' and 'pkg/' in git order\n")
    write(root, b"big.bin", bytes(range(256)) * 64)
    symlink(root, b"link-to-readme", b"README.md")
    symlink(root, b"src/up", b"../README.md")
    symlink(root, b"dangling", b"/nonexistent/absolute/target")


def head_tree(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD^{tree}").decode().strip()


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").decode().strip()


def literal_object(repo: Path, kind: str, body: bytes) -> str:
    """Write a hand-made object (possibly malformed) and return its id."""
    out = git(repo, "hash-object", "--literally", "-t", kind, "-w", "--stdin", stdin=body)
    return out.decode().strip()


def crafted_commits(repo: Path) -> dict[str, str]:
    """Commits git itself would not write: signature header, -0000 offset, empty
    message, unparsable date (which only a raw manifest can reproduce)."""
    tree, parent = head_tree(repo), head(repo)
    who = b"A U Thor <author@example.org>"
    bodies = {
        "signed": (
            b"tree %s\nparent %s\nauthor %s 1600000000 -0000\ncommitter %s 1600000001 +1400\n"
            b"gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n"
            b" -----END PGP SIGNATURE-----\n\nsigned commit\n"
        )
        % (tree.encode(), parent.encode(), who, who),
        "empty-message": b"tree %s\nauthor %s 1 +0000\ncommitter %s 2 +0000\n\n"
        % (tree.encode(), who, who),
        "no-message": b"tree %s\nauthor %s 1 +0000\ncommitter %s 2 +0000\n"
        % (tree.encode(), who, who),
        "weird-date": b"tree %s\nauthor %s notadate +0000\ncommitter %s 2 +0000\n\nx\n"
        % (tree.encode(), who, who),
    }
    return {name: literal_object(repo, "commit", body) for name, body in bodies.items()}


@pytest.fixture(scope="session")
def rich_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working copy with branches, a merge, every kind of tag and odd commits."""
    repo = tmp_path_factory.mktemp("rich") / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    populate_tree(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first\n\nwith a body\n")
    git(repo, "tag", "light")
    git(repo, "tag", "-a", "v1.0", "-m", "Release 1.0\n")
    git(repo, "tag", "-a", "v1.0-nested", "-m", "a tag of a tag", "v1.0")
    git(repo, "tag", "-a", "tree-tag", "-m", "tags a tree", head_tree(repo))
    blob = git(repo, "rev-parse", "HEAD:README.md").decode().strip()
    git(repo, "tag", "blob-tag", blob)
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, b"src/pkg/feature.py", b"FEATURE = True\n")
    git(repo, "add", "-A")
    (repo / ".git" / "msg").write_bytes("Fonctionnalit\u00e9 en latin-1\n".encode("latin-1"))
    git(repo, "-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "-F", ".git/msg")
    git(repo, "checkout", "-q", "main")
    write(repo, b"README.md", b"# Demo\n\nMore text.\n")
    git(repo, "commit", "-q", "-am", "second", GIT_AUTHOR_DATE="1600000300 +0000")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature")
    for name, oid in crafted_commits(repo).items():
        git(repo, "update-ref", f"refs/heads/crafted/{name}", oid)
    no_tagger = literal_object(
        repo, "tag", b"object %s\ntype commit\ntag no-tagger\n\nold style\n" % head(repo).encode()
    )
    git(repo, "update-ref", "refs/tags/no-tagger", no_tagger)
    git(repo, "update-ref", "refs/pull/1/head", head(repo))
    git(repo, "update-ref", "refs/pull/1/merge", head(repo))
    return repo


@pytest.fixture(scope="session")
def checkout(rich_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone's working tree: HEAD's files as git checks them out."""
    target = tmp_path_factory.mktemp("checkout") / "wt"
    git(rich_repo.parent, "clone", "-q", "--no-hardlinks", str(rich_repo), str(target))
    return target


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str) -> Path:
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q")
        return repo

    return make
