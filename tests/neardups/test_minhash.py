"""Near duplicates: BigCode's shingles, compact signatures, LSH, stable clusters."""

from __future__ import annotations

import random
import re
from itertools import tee

import pytest

from app.neardups.minhash import (
    NearDupIndex,
    cluster,
    jaccard,
    minhash_signature,
    shingles,
    signature_from_bytes,
)
from tests.facts.conftest import sample


def bigcode_shingles(content: str, n: int = 5) -> set[str]:
    """BigCode's ``embed_func`` tokens (near_deduplication/minhash_deduplication.py):
    ``{" ".join(t) for t in ngrams(NON_ALPHA.split(content), n, n)}``."""
    sequence = re.split("[^A-Za-z_0-9]", content)
    iterables = tee(sequence, n)
    for i, sub in enumerate(iterables):
        for _ in range(i):
            next(sub, None)
    return {" ".join(t) for t in zip(*iterables, strict=False)}


def lightly_edited(text: str) -> str:
    """What a fork does: a changed header line, a renamed variable, one more line."""
    lines = text.splitlines(keepends=True)
    lines[0] = "# Copyright (c) 2024 A Fork Maintainer\n"
    lines.insert(len(lines) // 2, "    # NOTE: kept in sync with upstream\n")
    return "".join(lines).replace("other", "rhs", 1)


PY = sample("attr_version_info.py").decode()
JS = sample("emscripten_fetch_worker.js").decode()
CPP = sample("SectionMemoryManager.h").decode()


def test_shingles_are_bigcodes() -> None:
    for text in (PY, JS, CPP):
        assert shingles(text) == bigcode_shingles(text)


def test_tiny_texts_get_one_shingle() -> None:
    assert shingles("a b") == {"a b"}
    assert jaccard(minhash_signature("x = 1"), minhash_signature("x = 1")) == 1.0
    assert jaccard(minhash_signature("x = 1"), minhash_signature("y = 2")) < 0.1


def test_signature_is_compact_and_round_trips() -> None:
    signature = minhash_signature(PY)
    assert len(signature) == 256 * 4
    assert minhash_signature(PY) == signature  # deterministic across calls
    restored = signature_from_bytes(signature)
    assert len(restored) == 256
    assert jaccard(signature, restored) == 1.0
    with pytest.raises(ValueError, match="uint32"):
        signature_from_bytes(signature[:-1])


def test_estimate_tracks_true_jaccard() -> None:
    edited = lightly_edited(PY)
    a, b = shingles(PY), shingles(edited)
    true = len(a & b) / len(a | b)
    assert jaccard(minhash_signature(PY), minhash_signature(edited)) == pytest.approx(true, abs=0.1)


def test_index_finds_lightly_edited_copy_not_unrelated_files() -> None:
    index = NearDupIndex()  # threshold 0.7, 256 permutations
    index.add(1, minhash_signature(PY))
    index.add(2, minhash_signature(JS))
    index.add(3, minhash_signature(CPP))
    assert len(index) == 3
    assert index.query(minhash_signature(lightly_edited(PY))) == [1]
    assert index.query(minhash_signature(lightly_edited(JS))) == [2]
    assert index.query(minhash_signature("def unrelated():\n    return 42\n")) == []


def test_pairs_and_clusters() -> None:
    index = NearDupIndex(threshold=0.7)
    docs = {10: PY, 4: lightly_edited(PY), 7: JS, 12: lightly_edited(JS), 3: CPP}
    for content_id, text in docs.items():
        index.add(content_id, minhash_signature(text))
    index.add(10, minhash_signature(PY))  # idempotent
    pairs = sorted(index.pairs())
    assert pairs == [(4, 10), (7, 12)]
    assert cluster(pairs, ids=docs) == {4: 4, 10: 4, 7: 7, 12: 7, 3: 3}


def test_cluster_id_is_smallest_member_whatever_the_order() -> None:
    pairs = [(9, 5), (5, 7), (2, 8), (8, 11), (11, 14), (20, 21)]
    expected = {5: 5, 7: 5, 9: 5, 2: 2, 8: 2, 11: 2, 14: 2, 20: 20, 21: 20}
    rng = random.Random(7)
    for _ in range(20):
        shuffled = [(b, a) if rng.random() < 0.5 else (a, b) for a, b in pairs]
        rng.shuffle(shuffled)
        assert cluster(shuffled) == expected


def test_index_rejects_other_sizes() -> None:
    index = NearDupIndex(num_perm=256)
    with pytest.raises(ValueError, match="permutations"):
        index.add(1, minhash_signature(PY, num_perm=128))
