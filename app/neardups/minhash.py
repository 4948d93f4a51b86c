"""Near-duplicate contents: MinHash signatures, an LSH index, stable clusters.

Public interface (pure: no database)::

    minhash_signature(text: str, num_perm: int = 256) -> bytes   # 1024 bytes
    signature_from_bytes(data: bytes) -> datasketch.MinHash
    jaccard(left: bytes | MinHash, right: bytes | MinHash) -> float
    NearDupIndex(threshold=0.7, num_perm=256)
        .add(content_id: int, signature: bytes | MinHash) -> None
        .query(signature, *, verify=True) -> list[int]
        .pairs(*, verify=True) -> Iterator[tuple[int, int]]
    cluster(pairs: Iterable[tuple[int, int]], ids: Iterable[int] = ()) -> dict[int, int]
    band_keys(signature: bytes) -> list[bytes]   # the LSH bands, as stored

Exact duplicates share a ``sha1_git`` and need none of this; near duplicates (a
file with a changed header, a vendored copy with a patch) are what MinHash finds.

Settings follow BigCode's near-deduplication of The Stack
(``bigcode-dataset``, ``near_deduplication/minhash_deduplication.py``):

* Tokens: the text split on every character outside ``[A-Za-z_0-9]``
  (``NON_ALPHA.split``), *keeping* the empty strings that runs of punctuation and
  whitespace leave, exactly as their code does, so punctuation shape counts a little.
* Shingles: the set of 5-grams of tokens (``ngram_size=5``), each joined by a
  space and UTF-8 encoded. A text of fewer than 5 tokens (BigCode drops those) gets
  one shingle, its whole token sequence, so tiny files only match their equals
  instead of all colliding on an empty signature.
* 256 permutations (``num_perm=256``); LSH threshold 0.7 Jaccard, The Stack v2's
  setting (The Stack v1 used 0.85; both are one argument here). The LSH band and
  row counts are datasketch's optimum for the threshold, the same computation as
  BigCode's ``optimal_param``.

Signatures are datasketch ``MinHash`` values of scheme ``affine32`` (datasketch
2's default: 32-bit hash values) with seed 1, hashing shingles with SHA-1
(``sha1_hash32``), stored as the 256 hash values in little-endian uint32: 1024
bytes. Scheme, seed and shingling are fixed: changing any of them changes every
signature, and so bumps :data:`app.facts.version.FACTS_VERSION`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from itertools import islice

import numpy as np
from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]  # no py.typed

NUM_PERM = 256
NGRAM_SIZE = 5
SEED = 1
SCHEME = "affine32"
#: The Stack v2's near-dup threshold (Jaccard); The Stack v1 used 0.85.
DEFAULT_THRESHOLD = 0.7
_DTYPE = np.dtype("<u4")
_NON_ALPHA = re.compile("[^A-Za-z_0-9]")
#: Shingles hashed per numpy batch: bounds the (batch x num_perm) temporary matrix
#: to ~8 MB whatever the file size.
_BATCH = 8192


def shingles(text: str, ngram_size: int = NGRAM_SIZE) -> set[str]:
    """BigCode's shingles of ``text`` (see the module docstring)."""
    tokens = _NON_ALPHA.split(text)
    if len(tokens) < ngram_size:
        return {" ".join(tokens)}
    # zip of shifted views: the n-grams without a Python-level slice per position
    # (3x faster than slicing on real files); the shifted lists differ in length,
    # zip stops at the shortest, exactly at the last full n-gram.
    shifted = (tokens[i:] for i in range(ngram_size))
    return set(map(" ".join, zip(*shifted, strict=False)))


def _batches(items: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def minhash(text: str, num_perm: int = NUM_PERM) -> MinHash:
    """The datasketch ``MinHash`` of ``text``'s shingles."""
    signature = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME)
    for batch in _batches((s.encode("utf-8") for s in shingles(text)), _BATCH):
        signature.update_batch(batch)
    return signature


def minhash_signature(text: str, num_perm: int = NUM_PERM) -> bytes:
    """The compact stored form: ``num_perm`` little-endian uint32 hash values."""
    return to_bytes(minhash(text, num_perm))


def to_bytes(signature: MinHash) -> bytes:
    values = np.asarray(signature.hashvalues, dtype=_DTYPE)
    return values.tobytes()


def signature_from_bytes(data: bytes) -> MinHash:
    """The ``MinHash`` stored by :func:`minhash_signature` (num_perm from the length)."""
    if not data or len(data) % _DTYPE.itemsize:
        raise ValueError(f"a signature is a whole number of uint32 values, got {len(data)} bytes")
    values = np.frombuffer(data, dtype=_DTYPE)
    return MinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


def jaccard(left: bytes | MinHash, right: bytes | MinHash) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(_as_minhash(left).jaccard(_as_minhash(right)))


def _as_minhash(signature: bytes | MinHash) -> MinHash:
    return signature_from_bytes(signature) if isinstance(signature, bytes) else signature


@cache
def lsh_bands(threshold: float = DEFAULT_THRESHOLD, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows per band) datasketch's ``MinHashLSH`` picks for the threshold
    (25 bands of 10 rows at 0.7 and 256 permutations)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


def band_keys(
    signature: bytes, threshold: float = DEFAULT_THRESHOLD, num_perm: int = NUM_PERM
) -> list[bytes]:
    """The LSH band keys of a stored signature: band ``i`` is hash values
    ``[i*r, (i+1)*r)``, the ranges ``MinHashLSH`` buckets by, kept as their stored
    bytes (equal bytes exactly when equal values, so two signatures share a key
    exactly when datasketch would put them in one bucket)."""
    if len(signature) != num_perm * _DTYPE.itemsize:
        raise ValueError(f"signature of {len(signature)} bytes, expected {num_perm} values")
    bands, rows = lsh_bands(threshold, num_perm)
    width = rows * _DTYPE.itemsize
    return [signature[i * width : (i + 1) * width] for i in range(bands)]


class NearDupIndex:
    """MinHash LSH over content ids: add signatures, ask for near-duplicate candidates.

    LSH returns candidates whose signatures collide in at least one band; with
    ``verify`` (the default) only those whose estimated Jaccard similarity reaches
    the threshold are kept, trading a vector comparison per candidate for far fewer
    false positives. In memory (datasketch's dict storage): one index per batch of
    work, fed from stored signatures.
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = NUM_PERM) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._signatures: dict[int, MinHash] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, content_id: object) -> bool:
        return content_id in self._signatures

    def add(self, content_id: int, signature: bytes | MinHash) -> None:
        """Index one content; adding an id twice is a no-op (idempotent tasks)."""
        if content_id in self._signatures:
            return
        value = _as_minhash(signature)
        if len(value) != self.num_perm:
            raise ValueError(f"signature has {len(value)} permutations, index {self.num_perm}")
        self._lsh.insert(content_id, value)
        self._signatures[content_id] = value

    def query(self, signature: bytes | MinHash, *, verify: bool = True) -> list[int]:
        """Ids of indexed contents similar to ``signature``, ascending."""
        value = _as_minhash(signature)
        ids: list[int] = self._lsh.query(value)
        if verify:
            ids = [i for i in ids if self._signatures[i].jaccard(value) >= self.threshold]
        return sorted(ids)

    def pairs(self, *, verify: bool = True) -> Iterator[tuple[int, int]]:
        """Every near-duplicate pair ``(a, b)`` with ``a < b``, each once."""
        for content_id, value in self._signatures.items():
            for other in self.query(value, verify=verify):
                if other > content_id:
                    yield content_id, other


def cluster(pairs: Iterable[tuple[int, int]], ids: Iterable[int] = ()) -> dict[int, int]:
    """Connected components of near-duplicate ``pairs``, as ``{id: cluster id}``.

    A cluster's id is the smallest content id in it, so the answer depends only on
    the pairs, not on the order they arrive in (BigCode's union-find makes the same
    choice). ``ids`` adds singletons (each its own cluster).
    """
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            low, high = (ra, rb) if ra < rb else (rb, ra)
            parent[high] = low
    for i in ids:
        find(i)
    return {x: find(x) for x in parent}
