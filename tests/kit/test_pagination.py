"""Cursors round-trip, and anything else offered as one is a 400 ``invalid-cursor``."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import Settings
from app.kit.pagination import decode_cursor, decode_id_cursor, encode_cursor
from app.kit.problems import InvalidCursor
from app.main import create_app
from tests.factories import JobFactory, OriginFactory


def test_cursor_round_trip() -> None:
    cursor = encode_cursor("origins", [42])
    assert decode_id_cursor("origins", cursor) == 42
    assert decode_cursor("licenses", encode_cursor("licenses", ["mit"]), 1) == ["mit"]


@pytest.mark.parametrize("cursor", ["!!!", "bm90IGpzb24", encode_cursor("jobs", [1])])
def test_foreign_or_garbage_cursor_is_rejected(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_id_cursor("origins", cursor)


def test_non_integer_id_cursor_is_rejected() -> None:
    with pytest.raises(InvalidCursor):
        decode_id_cursor("origins", encode_cursor("origins", ["x"]))


# --- hostile cursors: 400 invalid-cursor on every list, never a 500 ---


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor",
    [
        b64(b'{"page": 2}'),  # someone else's base64 JSON
        b64(b"\xff\xfe\x00"),  # base64 of bytes that are not JSON
        b64(b'["owners", ' + b"[" * 300 + b"]" * 300 + b"]"),  # nested inside the length
        b64(b"[" * 5000 + b"]" * 5000),  # nested beyond Python's recursion limit
        encode_cursor("owners", [2**63]),  # beyond bigint
        encode_cursor("owners", [2**200]),
        encode_cursor("owners", [0]),  # no row has id 0
        encode_cursor("owners", [True]),
        encode_cursor("owners", [1.5]),
        encode_cursor("owners", [[1]]),
        encode_cursor("owners", ["\x00"]),
        "A" * 5000,
    ],
)
def test_hostile_cursors_are_invalid_cursor_problems(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_id_cursor("owners", cursor)


def test_the_largest_id_still_makes_a_cursor() -> None:
    assert decode_id_cursor("owners", encode_cursor("owners", [2**63 - 1])) == 2**63 - 1


# Each list's cursor kind and key length, as its handler encodes them.
CURSOR_KINDS: dict[str, tuple[str, int]] = {
    "/v1/origins": ("origins:id:asc", 2),
    "/v1/licenses": ("licenses", 1),
    "/v1/jobs": ("jobs", 1),
    "/v1/jobs/{job_id}/items": ("job-items", 1),
    "/v1/origins/{origin_id}/raw": ("raw", 1),
    "/v1/owners": ("owners", 1),
    "/v1/issues": ("issues", 1),
    "/v1/papers": ("papers", 1),
    "/v1/contents/{key}/occurrences": ("occurrences", 1),
    "/v1/directories/{swhid}/entries": ("entries", 1),
    "/v1/snapshots/{swhid}/branches": ("branches", 1),
}
# Lists under a built dataset: their hostile-cursor test needs a build
# (tests/datasets/test_routes.py, test_hostile_cursors_on_dataset_lists).
DATASET_LISTS = {
    "/v1/datasets",
    "/v1/datasets/{ref}/builds",
    "/v1/datasets/{ref}/builds/{number}/manifest",
    "/v1/datasets/{ref}/builds/{number}/diff/{other}",
    "/v1/datasets/{ref}/builds/{number}/withdrawals",
}
HOSTILE = {
    "garbage": lambda kind, n: "!!!not*base64",
    "foreign-json": lambda kind, n: b64(b'{"page": 2, "size": 50}'),
    "nested": lambda kind, n: b64(b"[" * 5000 + b"]" * 5000),
    "huge-number": lambda kind, n: encode_cursor(kind, [2**64] * n),
    "wrong-shape": lambda kind, n: encode_cursor(kind, [{"id": 1}] * n),
    "nul": lambda kind, n: encode_cursor(kind, ["\x00"] * n),
    "other-list": lambda kind, n: encode_cursor("someone-else", [1] * n),
    "too-long": lambda kind, n: encode_cursor(kind, ["x" * 2000] * n),
    "not-finite": lambda kind, n: b64(f'["{kind}"'.encode() + b", NaN" * n + b"]"),
}


def test_every_list_with_a_cursor_is_covered() -> None:
    document = create_app(Settings(database_url=None, redis_url=None)).openapi()
    paged = {
        path
        for path, item in document["paths"].items()
        for operation in item.values()
        if any(p["name"] == "cursor" for p in operation.get("parameters", []))
    }
    assert paged == set(CURSOR_KINDS) | DATASET_LISTS


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
@pytest.mark.parametrize("path", sorted(CURSOR_KINDS))
@pytest.mark.usefixtures("db")
def test_hostile_cursors_are_a_400_on_every_list(
    client: TestClient, path: str, hostile: str
) -> None:
    job, origin = JobFactory(), OriginFactory()  # lists that check their owner first
    url = (
        path.replace("{job_id}", str(job.id))
        .replace("{origin_id}", str(origin.id))
        .replace("{key}", f"sha1:{'0' * 40}")
        .replace("{swhid}", f"swh:1:{'dir' if 'directories' in path else 'snp'}:{'0' * 40}")
    )
    kind, arity = CURSOR_KINDS[path]
    response = client.get(url, params={"cursor": HOSTILE[hostile](kind, arity)})
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "/problems/invalid-cursor"


# --- property: every key a list can issue comes back as it went (issue 10) ---

KEY_PART = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    # what PostgreSQL can store: no NUL, no lone surrogate
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    kind=st.sampled_from(["origins", "owners", "jobs", "licenses", "issues"]),
    key=st.lists(KEY_PART, min_size=1, max_size=3),
)
def test_any_issued_cursor_round_trips(kind: str, key: list[object]) -> None:
    cursor = encode_cursor(kind, key)
    if len(cursor) > 1024:  # longer than any key a list sorts by: refused, never a 500
        with pytest.raises(InvalidCursor):
            decode_cursor(kind, cursor, len(key))
        return
    assert decode_cursor(kind, cursor, len(key)) == key
    other = "datasets" if kind != "datasets" else "origins"
    with pytest.raises(InvalidCursor):  # never accepted by another list
        decode_cursor(other, cursor, len(key))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(value=st.integers(min_value=1, max_value=2**63 - 1))
def test_any_id_cursor_round_trips(value: int) -> None:
    assert decode_id_cursor("origins", encode_cursor("origins", [value])) == value
