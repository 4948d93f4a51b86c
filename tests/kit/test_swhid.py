"""SWHIDs: our parsing and formatting agree with swh.model, and errors name the fault."""

from __future__ import annotations

import pytest
from swh.model.from_disk import Content as SWHContent
from swh.model.model import Origin
from swh.model.swhids import CoreSWHID, ExtendedSWHID

from app.kit.swhid import InvalidSWHID, ObjectType, format_swhid, origin_swhid_id, parse_swhid

HEX = "94a9ed024d3859793618152ea559a168bbcbb5e2"


@pytest.mark.parametrize("tag", ["cnt", "dir", "rev", "rel", "snp"])
def test_core_round_trip_matches_swh_model(tag: str) -> None:
    text = f"swh:1:{tag}:{HEX}"
    parsed = parse_swhid(text)
    reference = CoreSWHID.from_string(text)
    assert parsed.object_type.value == reference.object_type.value
    assert parsed.object_id == reference.object_id
    assert format_swhid(parsed.object_type, parsed.object_id) == str(reference)


def test_content_swhid_of_real_bytes_matches_swh_model() -> None:
    data = b"print('hello')\n"
    reference = SWHContent.from_bytes(mode=0o100644, data=data).swhid()
    parsed = parse_swhid(str(reference))
    assert parsed.object_type is ObjectType.CONTENT
    assert parsed.core == str(reference)


def test_origin_swhid_is_sha1_of_url_like_swh() -> None:
    url = "https://github.com/benjaminp/six"
    expected = ExtendedSWHID.from_string(str(Origin(url=url).swhid()))
    assert origin_swhid_id(url) == expected.object_id
    assert format_swhid(ObjectType.ORIGIN, origin_swhid_id(url)) == str(Origin(url=url).swhid())


def test_qualified_swhid_keeps_qualifiers() -> None:
    parsed = parse_swhid(f"swh:1:cnt:{HEX};origin=https://github.com/x/y;lines=3-9")
    assert parsed.qualifiers == {"origin": "https://github.com/x/y", "lines": "3-9"}
    assert parsed.core == f"swh:1:cnt:{HEX}"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (f"swh:2:cnt:{HEX}", "version"),
        (f"swh:1:xyz:{HEX}", "unknown object type 'xyz'"),
        ("swh:1:cnt:94a9ed", "40 lowercase hexadecimal digits"),
        (f"swh:1:cnt:{HEX.upper()}", "40 lowercase hexadecimal digits"),
        (f"foo:1:cnt:{HEX}", "scheme must be 'swh'"),
        ("not a swhid", "has the form"),
        (f"swh:1:cnt:{HEX};bogus=1", "invalid qualifiers"),
    ],
)
def test_malformed_swhids_say_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(InvalidSWHID, match="invalid SWHID") as info:
        parse_swhid(text)
    assert fragment in str(info.value)
    with pytest.raises(Exception):  # noqa: B017, PT011 - swh.model agrees it is invalid
        ExtendedSWHID.from_string(text.split(";")[0]) if ";" not in text else (
            CoreSWHID.from_string(text)
        )


def _swh_model_view(text: str) -> tuple[str, bytes] | None:
    try:
        parsed = ExtendedSWHID.from_string(text.strip())
    except Exception:
        return None
    return parsed.object_type.value, bytes(parsed.object_id)


def _our_view(text: str) -> tuple[str, bytes] | None:
    try:
        parsed = parse_swhid(text)
    except InvalidSWHID:
        return None
    return parsed.object_type.value, parsed.object_id


def test_fast_core_path_agrees_with_swh_model() -> None:
    """The regex fast path of parse_swhid must accept and refuse exactly what
    swh.model does, on valid SWHIDs and on near misses of every kind."""
    import random

    rng = random.Random(7)
    tags = ["cnt", "dir", "rev", "rel", "snp", "ori", "emd", "xyz", "CNT", ""]
    cases: list[str] = []
    for _ in range(400):
        hexid = rng.randbytes(20).hex()
        tag = rng.choice(tags)
        mutate = rng.randrange(8)
        if mutate == 1:
            hexid = hexid.upper()
        elif mutate == 2:
            hexid = hexid[:-1]
        elif mutate == 3:
            hexid += "0"
        elif mutate == 4:
            hexid = hexid[:10] + "g" + hexid[11:]
        text = f"swh:1:{tag}:{hexid}"
        if mutate == 5:
            text = " " + text + "\n"
        elif mutate == 6:
            text = text.replace("swh:1", rng.choice(["swh:2", "SWH:1", "sw:1"]))
        cases.append(text)
    accepted = 0
    for text in cases:
        assert _our_view(text) == _swh_model_view(text), text
        accepted += _our_view(text) is not None
    assert 100 < accepted < 400  # both kinds were exercised


HUGE = 64 * 1024


@pytest.mark.parametrize(
    "bad",
    [
        "swh:1:cnt:" + "g" * HUGE,  # a bad object id, 64 KB of it
        "swh:1:cnt:zz" + "\nX-Forged: log line" * 4000,  # multi-line
        "x" * HUGE,  # not a SWHID at all
        "swh:" + "9" * HUGE + ":cnt:" + HEX,  # a bad version
        "swh:1:" + "q" * HUGE + ":" + HEX,  # a bad object type
        "sw" + "h" * HUGE + ":1:cnt:" + HEX,  # a bad scheme
    ],
)
def test_an_error_quotes_only_a_short_escaped_prefix(bad: str) -> None:
    """The message reaches problem details, GraphQL errors and logs: a 64 KB or
    multi-line input must not come back whole, nor forge a line of a log."""
    with pytest.raises(InvalidSWHID) as raised:
        parse_swhid(bad)
    message = str(raised.value)
    assert len(message) < 400, len(message)
    assert "\n" not in message
    assert "\u2026" in message  # says it was cut
    assert repr(bad[:20])[1:-1] in message  # still says which input it was
