"""Check a dataset membership proof offline, with nothing but ``hashlib``.

This module imports only the standard library on purpose: anyone can copy it (or the
snippet in the README) and check an answer of ``GET /v1/datasets/{id}/builds/{n}/
membership`` against a build's extensional fingerprint, without trusting the server.

The tree is RFC 9162's Merkle Tree Hash (Certificate Transparency v2, section 2.1.1):

* leaves are the build's content SWHIDs (``swh:1:cnt:<40 hex>``, ASCII), sorted
  (sorting the SWHIDs sorts their ``sha1_git``);
* leaf hash ``SHA-256(0x00 || swhid)``, node hash ``SHA-256(0x01 || left || right)``;
* a tree of ``n > 1`` leaves splits at ``k``, the largest power of two smaller than
  ``n``; the empty tree's hash is ``SHA-256()``.

The extensional fingerprint is the root hash, in hex. An inclusion proof is RFC 9162's
audit path (section 2.1.3). A non-inclusion proof shows the two leaves that would
surround the SWHID, adjacent in the tree (indexes ``i`` and ``i + 1``) with their
inclusion proofs, or one edge leaf (index 0 or ``size - 1``) for a SWHID before the
first or after the last, or an empty tree: since leaves are sorted, nothing can sit
between two adjacent leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root an audit path leads to from ``leaf`` at ``index`` in a tree of ``size``
    leaves (RFC 9162 section 2.1.3.2), or None if the path cannot belong to such a
    tree (wrong length, index out of range)."""
    if index < 0 or index >= size:
        return None
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def _included(entry: Any, size: int, root: bytes) -> bool:
    path = [bytes.fromhex(h) for h in entry["audit_path"]]
    found = root_from_inclusion(entry["swhid"].encode("ascii"), entry["index"], size, path)
    return found is not None and found == root


def verify(answer: dict[str, Any], swhid: str, fingerprint: str, size: int | None = None) -> bool:
    """The verdict of ``answer`` (the ``proof`` object of a membership answer): True
    when it proves ``swhid`` is in the build whose extensional fingerprint (hex root)
    is ``fingerprint``, False when it proves it is not. Raises ``ValueError`` when the
    proof does not check out. ``size``: the build's published number of files (an
    inclusion path alone does not pin the tree size, RFC 9162 section 2.1.3); give it
    to rule out a proof made for another size."""
    root = bytes.fromhex(fingerprint)
    tree_size = int(answer["tree_size"])
    if size is not None and tree_size != size:
        raise ValueError(f"the proof is for {tree_size} files, the build has {size}")
    size = tree_size
    if answer["member"]:
        leaf = answer["leaf"]
        if leaf["swhid"] != swhid or not _included(leaf, size, root):
            raise ValueError("the inclusion proof does not lead to the fingerprint")
        return True
    if size == 0:
        if root != EMPTY_ROOT:
            raise ValueError("an empty tree has another root")
        return False
    before, after = answer.get("before"), answer.get("after")
    if before is None and after is None:
        raise ValueError("a non-inclusion proof needs at least one neighbour")
    for entry in (before, after):
        if entry is not None and not _included(entry, size, root):
            raise ValueError("a neighbour's inclusion proof does not lead to the fingerprint")
    if before is not None and not before["swhid"] < swhid:
        raise ValueError("the leaf before does not sort before the SWHID")
    if after is not None and not swhid < after["swhid"]:
        raise ValueError("the leaf after does not sort after the SWHID")
    if before is not None and after is not None:
        if after["index"] != before["index"] + 1:
            raise ValueError("the neighbours are not adjacent leaves")
    elif before is not None:
        if before["index"] != size - 1:
            raise ValueError("only the last leaf may stand alone before the SWHID")
    elif after is not None and after["index"] != 0:
        raise ValueError("only the first leaf may stand alone after the SWHID")
    return False
