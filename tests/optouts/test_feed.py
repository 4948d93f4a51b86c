"""Change feeds from entries: JSON Feed 1.1 and Atom, escaped and parseable."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from defusedxml import ElementTree

from app.optouts.feed import ATOM_NS, Entry, atom_feed, json_feed, json_feed_bytes

ENTRY = Entry(
    id="tag:codecommons,2026:dataset:1:withdrawals:9",
    title="2 files withdrawn <& more>",
    updated=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
    text="Drop them before the next run.",
    url="https://example.org/v1/datasets/1/builds/3/withdrawals?since=8",
    data={"swhids": ["swh:1:cnt:" + "1" * 40, "swh:1:cnt:" + "2" * 40], "version": 9},
)


def test_json_feed_document():
    doc = json_feed("Withdrawals", "https://h", "https://h/feed.json", [ENTRY])
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    item = doc["items"][0]
    assert item["id"] == ENTRY.id
    assert item["date_published"] == "2026-12-01T12:00:00Z"
    assert item["_codecommons"]["version"] == 9
    assert json.loads(json_feed_bytes("W", "https://h", "https://h/f", [ENTRY])) == json_feed(
        "W", "https://h", "https://h/f", [ENTRY]
    )


def test_atom_feed_parses_and_escapes():
    root = ElementTree.fromstring(atom_feed("Withdrawals", "tag:x", "https://h/feed.atom", [ENTRY]))
    ns = {"a": ATOM_NS}
    assert root.tag == f"{{{ATOM_NS}}}feed"
    entry = root.find("a:entry", ns)
    assert entry is not None
    assert entry.findtext("a:title", namespaces=ns) == "2 files withdrawn <& more>"
    assert entry.findtext("a:updated", namespaces=ns) == "2026-12-01T12:00:00Z"
    content = json.loads(entry.findtext("a:content", namespaces=ns) or "{}")
    assert content["swhids"] == ENTRY.data["swhids"]
    assert root.findtext("a:updated", namespaces=ns) == "2026-12-01T12:00:00Z"
