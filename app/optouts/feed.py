"""Change feeds: JSON Feed 1.1 and Atom (RFC 4287) from a list of entries.

Generic on purpose: the registry does not know which builds exist; the datasets side
turns a build's withdrawals into entries (SWHIDs only, never who asked) and serves
them with these functions. Atom is written with the standard library's ElementTree,
which escapes text and attributes; no feed library is needed for two formats this
small.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM_NS = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Entry:
    id: str  # stable and unique (a tag: or https: URI)
    title: str
    updated: datetime
    text: str
    url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable payload


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def json_feed(title: str, home_url: str, feed_url: str, entries: Sequence[Entry]) -> dict[str, Any]:
    """A JSON Feed 1.1 document; each item carries its data under ``_codecommons``
    (the spec's extension convention: keys starting with an underscore)."""
    items = []
    for entry in entries:
        item: dict[str, Any] = {
            "id": entry.id,
            "title": entry.title,
            "content_text": entry.text,
            "date_published": _iso(entry.updated),
            "date_modified": _iso(entry.updated),
        }
        if entry.url:
            item["url"] = entry.url
        if entry.data:
            item["_codecommons"] = entry.data
        items.append(item)
    return {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": home_url,
        "feed_url": feed_url,
        "items": items,
    }


def json_feed_bytes(title: str, home_url: str, feed_url: str, entries: Sequence[Entry]) -> bytes:
    return json.dumps(json_feed(title, home_url, feed_url, entries), ensure_ascii=False).encode()


def atom_feed(title: str, feed_id: str, feed_url: str, entries: Sequence[Entry]) -> bytes:
    """An Atom feed; the entries' data go in their content as JSON text."""
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    ET.SubElement(root, f"{{{ATOM_NS}}}title").text = title
    ET.SubElement(root, f"{{{ATOM_NS}}}id").text = feed_id
    ET.SubElement(root, f"{{{ATOM_NS}}}link", rel="self", href=feed_url)
    newest = max((e.updated for e in entries), default=datetime.now(UTC))
    ET.SubElement(root, f"{{{ATOM_NS}}}updated").text = _iso(newest)
    author = ET.SubElement(root, f"{{{ATOM_NS}}}author")
    ET.SubElement(author, f"{{{ATOM_NS}}}name").text = "CodeCommons"
    for entry in entries:
        node = ET.SubElement(root, f"{{{ATOM_NS}}}entry")
        ET.SubElement(node, f"{{{ATOM_NS}}}id").text = entry.id
        ET.SubElement(node, f"{{{ATOM_NS}}}title").text = entry.title
        ET.SubElement(node, f"{{{ATOM_NS}}}updated").text = _iso(entry.updated)
        if entry.url:
            ET.SubElement(node, f"{{{ATOM_NS}}}link", href=entry.url)
        ET.SubElement(node, f"{{{ATOM_NS}}}summary").text = entry.text
        if entry.data:
            content = ET.SubElement(node, f"{{{ATOM_NS}}}content", type="text")
            content.text = json.dumps(entry.data, sort_keys=True)
    xml: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + xml
