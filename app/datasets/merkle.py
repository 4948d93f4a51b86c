"""The extensional fingerprint: an RFC 9162 Merkle tree over a build's sorted SWHIDs,
built in one streaming pass, and the proofs it answers.

Why chunks: storing every node of a 10M-leaf tree costs ~640 MB; recomputing the
whole tree per proof costs a pass over the partition. An RFC 9162 tree over ``n``
leaves is the RFC 9162 tree over the roots of its aligned chunks of ``C = 2^c``
leaves (the last chunk possibly shorter): the split point ``k`` of any tree larger
than ``C`` is a multiple of ``C``, and by induction every chunk is a subtree. So a
build stores the chunk roots (32 bytes per ``C`` leaves: 125 KB per million leaves
at ``C = 256``) and a proof reads one chunk of leaves by its primary key range,
hashes it (~500 SHA-256) and takes the rest of the path from the stored roots.

The build pass keeps a stack of perfect subtrees (O(log n) hashes) for the root, and
emits each chunk's root as the stack completes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from app.datasets.verify import EMPTY_ROOT, leaf_hash, node_hash

CHUNK_LEAVES = 256
SWHID_PREFIX = b"swh:1:cnt:"


def leaf_of(sha1_git: bytes) -> bytes:
    """The leaf bytes of a content: its SWHID in ASCII."""
    return SWHID_PREFIX + sha1_git.hex().encode("ascii")


def _fold(stack: Sequence[tuple[int, bytes]]) -> bytes:
    """The root of a tree whose perfect subtrees (left to right, decreasing sizes) are
    ``stack``: RFC 9162 splits at the largest power of two, so the right-most subtrees
    combine first."""
    if not stack:
        return EMPTY_ROOT
    root = stack[-1][1]
    for _, h in reversed(stack[:-1]):
        root = node_hash(h, root)
    return root


class MerkleBuilder:
    """Feed leaf hashes in order; read ``root`` and the chunk roots at the end."""

    def __init__(self, chunk_leaves: int = CHUNK_LEAVES) -> None:
        if chunk_leaves < 1 or chunk_leaves & (chunk_leaves - 1):
            raise ValueError("chunk_leaves must be a power of two")
        self.chunk_leaves = chunk_leaves
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []
        self.chunk_roots: list[bytes] = []

    def add_hash(self, h: bytes) -> None:
        stack = self._stack
        size, value = 1, h
        if size == self.chunk_leaves:
            self.chunk_roots.append(value)
        while stack and stack[-1][0] == size:
            _, left = stack.pop()
            value = node_hash(left, value)
            size *= 2
            if size == self.chunk_leaves:
                self.chunk_roots.append(value)
        stack.append((size, value))
        self.size += 1

    def add(self, leaf: bytes) -> None:
        self.add_hash(leaf_hash(leaf))

    def finish(self) -> bytes:
        """The root; also appends the last, partial chunk's root."""
        partial = [(s, h) for s, h in self._stack if s < self.chunk_leaves]
        if partial:
            self.chunk_roots.append(_fold(partial))
        return _fold(self._stack)


def root_of(leaves: Iterable[bytes]) -> bytes:
    builder = MerkleBuilder()
    for leaf in leaves:
        builder.add(leaf)
    return builder.finish()


def _largest_power_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _mth(hashes: Sequence[bytes]) -> bytes:
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = _largest_power_below(len(hashes))
    return node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


def audit_path(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 9162 PATH(m, D[n]) over subtree hashes (leaf hashes, or chunk roots: see
    the module doc), leaf side first."""
    n = len(hashes)
    if n <= 1:
        return []
    k = _largest_power_below(n)
    if index < k:
        return [*audit_path(hashes[:k], index), _mth(hashes[k:])]
    return [*audit_path(hashes[k:], index - k), _mth(hashes[:k])]


class SubtreeHashes:
    """MTH of any range of a list of subtree hashes, memoized: every proof of a build
    walks the same few upper subtrees, so after the first proof each costs O(log n)
    lookups instead of rehashing every chunk root."""

    def __init__(self, hashes: Sequence[bytes]) -> None:
        self.hashes = list(hashes)
        self._memo: dict[tuple[int, int], bytes] = {}

    def mth(self, lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return self.hashes[lo]
        if hi <= lo:
            return EMPTY_ROOT
        found = self._memo.get((lo, hi))
        if found is None:
            k = _largest_power_below(hi - lo)
            found = node_hash(self.mth(lo, lo + k), self.mth(lo + k, hi))
            self._memo[(lo, hi)] = found
        return found

    def path(self, index: int, lo: int = 0, hi: int | None = None) -> list[bytes]:
        hi = len(self.hashes) if hi is None else hi
        if hi - lo <= 1:
            return []
        k = _largest_power_below(hi - lo)
        if index < lo + k:
            return [*self.path(index, lo, lo + k), self.mth(lo + k, hi)]
        return [*self.path(index, lo + k, hi), self.mth(lo, lo + k)]


_UPPER: dict[bytes, SubtreeHashes] = {}


def upper_tree(chunk_roots: bytes) -> SubtreeHashes:
    """The memoized tree over a build's chunk roots (a build never changes: keyed by
    the digest of its roots; a few builds kept)."""
    key = hashlib.sha256(chunk_roots).digest()
    tree = _UPPER.get(key)
    if tree is None:
        if len(_UPPER) >= 8:
            _UPPER.pop(next(iter(_UPPER)))
        tree = _UPPER[key] = SubtreeHashes(split_roots(chunk_roots))
    return tree


def split_roots(blob: bytes | None) -> list[bytes]:
    blob = blob or b""
    return [blob[i : i + 32] for i in range(0, len(blob), 32)]


def proof_for(
    index: int,
    size: int,
    chunk_leaves: int,
    chunk_roots: Sequence[bytes] | SubtreeHashes,
    chunk: Sequence[bytes],
) -> list[bytes]:
    """The audit path of leaf ``index`` of a tree of ``size`` leaves, from the leaves of
    its chunk (``chunk``: the leaf bytes) and every chunk's root."""
    inner = audit_path([leaf_hash(leaf) for leaf in chunk], index % chunk_leaves)
    upper = chunk_roots if isinstance(chunk_roots, SubtreeHashes) else SubtreeHashes(chunk_roots)
    del size
    return inner + upper.path(index // chunk_leaves)
