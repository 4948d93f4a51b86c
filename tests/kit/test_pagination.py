from __future__ import annotations

import pytest

from app.kit.pagination import decode_cursor, decode_id_cursor, encode_cursor
from app.kit.problems import InvalidCursor


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
