"""The Merkle tree and its proofs: RFC 9162's hashing, the chunked builder against a
direct computation, and non-inclusion at the edges and in an empty tree."""

from __future__ import annotations

import hashlib
import random

import pytest
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from app.datasets.compiler import license_file_name
from app.datasets.merkle import MerkleBuilder, audit_path, leaf_of, proof_for, root_of
from app.datasets.verify import EMPTY_ROOT, leaf_hash, node_hash, verify
from app.licenses.detection.paths import FileKind, file_kind


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, written the way the RFC states it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 1000])
def test_builder_root_and_proofs_match_the_rfc(n: int) -> None:
    rng = random.Random(n)
    leaves = sorted(leaf_of(rng.randbytes(20)) for _ in range(n))
    builder = MerkleBuilder(chunk_leaves=16)
    for leaf in leaves:
        builder.add(leaf)
    root = builder.finish()
    assert root == mth(leaves) == root_of(leaves)
    assert len(builder.chunk_roots) == (n + 15) // 16
    hashes = [leaf_hash(x) for x in leaves]
    for i in sorted({0, n // 2, n - 1} & set(range(n))):
        start = i - i % 16
        path = proof_for(i, n, 16, builder.chunk_roots, leaves[start : start + 16])
        assert path == audit_path(hashes, i)
        entry = {"swhid": leaves[i].decode(), "index": i, "audit_path": [p.hex() for p in path]}
        assert verify(
            {"member": True, "tree_size": n, "leaf": entry}, leaves[i].decode(), root.hex(), n
        )


def test_non_inclusion_at_the_edges_and_in_an_empty_tree() -> None:
    leaves = [leaf_of(bytes([b]) * 20) for b in (0x10, 0x20, 0x30)]
    root = mth(leaves).hex()
    hashes = [leaf_hash(x) for x in leaves]

    def entry(i: int) -> dict[str, object]:
        return {
            "swhid": leaves[i].decode(),
            "index": i,
            "audit_path": [h.hex() for h in audit_path(hashes, i)],
        }

    before_all = leaf_of(b"\x01" * 20).decode()
    after_all = leaf_of(b"\xf0" * 20).decode()
    assert verify({"member": False, "tree_size": 3, "after": entry(0)}, before_all, root) is False
    assert verify({"member": False, "tree_size": 3, "before": entry(2)}, after_all, root) is False
    with pytest.raises(ValueError, match="only the first leaf"):
        verify({"member": False, "tree_size": 3, "after": entry(1)}, before_all, root)
    with pytest.raises(ValueError, match="only the last leaf"):
        verify({"member": False, "tree_size": 3, "before": entry(1)}, after_all, root)
    with pytest.raises(ValueError, match="sort after"):
        verify({"member": False, "tree_size": 3, "after": entry(0)}, after_all, root)
    assert verify({"member": False, "tree_size": 0}, before_all, EMPTY_ROOT.hex()) is False
    with pytest.raises(ValueError, match="empty tree"):
        verify({"member": False, "tree_size": 0}, before_all, root)
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


NAMES = [
    "LICENSE", "LICENSE.txt", "LICENSE-MIT", "licence.md", "COPYING", "COPYING.LIB",
    "UNLICENSE", "COPYRIGHT", "MIT-LICENSE", "LICENSE.py", "license.go", "license.json",
    "NOTICE", "README.md", "LICENSES/MIT.txt", "src/LICENSE", "vendor/x/COPYING.txt",
    "package.json", "main.py", "licenses.html", "setup.cfg", "THIRD-PARTY-LICENSE",
]  # fmt: skip


def test_license_file_names_in_sql_match_the_python_rule(db: Session) -> None:
    for name in NAMES:
        in_sql = db.scalar(select(license_file_name(literal(name.encode()))))
        assert in_sql is (file_kind(name) is FileKind.LICENSE), name
