"""The card and the Croissant description: valid for the Hub's enumerations and for
mlcroissant, and every number they state recomputed from an export of the build."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from typing import Any

import mlcroissant as mlc
import yaml
from fastapi.testclient import TestClient

from app.datasets.card import check_hub_header, hub_license, size_category


def export_rows(client: TestClient) -> list[dict[str, Any]]:
    text = client.get("/v1/datasets/roadmap/builds/1/export/csv").text
    return list(csv.DictReader(io.StringIO(text)))


def table(card: str, head: str) -> dict[str, int]:
    """The rows of the card's table whose first column is ``head``."""
    lines = card.split(f"| {head} | files | share |", 1)[1].split("\n\n", 1)[0]
    out = {}
    for line in lines.strip().splitlines()[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        out[cells[0]] = int(cells[1])
    return out


def test_card_numbers_come_from_the_manifest(built: dict[str, Any], client: TestClient) -> None:
    response = client.get("/v1/datasets/roadmap/builds/1/card.md")
    assert response.status_code == 200
    card = response.text
    head = yaml.safe_load(card.split("---\n", 2)[1])
    assert check_hub_header(head) == []
    rows = export_rows(client)
    assert head["size_categories"] == [size_category(len(rows))]
    assert head["license"] == hub_license([r["license_expression"] or None for r in rows])
    assert f"**{len(rows)} files** ({sum(int(r['length']) for r in rows)} bytes)" in card
    origins = {r["origin"] for r in rows}
    assert f"from **{len(origins)} origins**" in card
    assert table(card, "language") == dict(Counter(r["language"] for r in rows))
    assert table(card, "license expression") == dict(Counter(r["license_expression"] for r in rows))
    assert table(card, "evidence") == dict(Counter(r["license_evidence"] for r in rows))
    root = built["fingerprints"]["extensional"]
    assert root in card
    assert built["fingerprints"]["intensional"] in card
    assert "Opt-out registry version | 0 |" in card  # an empty registry, consulted
    assert "Files removed by opt-outs | 0 |" in card
    funnel = {s["step"]: s for s in built["funnel"]}
    for step, data in funnel.items():
        if step != "candidates":
            assert re.search(rf"\| {step} \| {data['removed']} \| {data['left']} \|", card)
    for name in ("languages", "licenses", "funnel"):
        assert f"charts/{name}.png" in card
        png = client.get(f"/v1/datasets/roadmap/builds/1/charts/{name}.png")
        assert png.status_code == 200
        assert png.content.startswith(b"\x89PNG")
    assert client.get("/v1/datasets/roadmap/builds/1/charts/pie.png").status_code == 404


def test_hub_checks_catch_wrong_values() -> None:
    bad = {"license": "MIT", "size_categories": ["1K-10K"], "task_categories": ["coding"]}
    assert len(check_hub_header(bad)) == 3
    assert hub_license(["MIT", "MIT"]) == "mit"
    assert hub_license(["GPL-3.0-or-later"]) == "gpl-3.0"
    assert hub_license(["MIT", "Apache-2.0"]) == "other"
    assert hub_license(["LicenseRef-scancode-foo"]) == "other"


def test_croissant_is_valid_and_its_checksums_match(
    built: dict[str, Any], client: TestClient
) -> None:
    doc = client.get("/v1/datasets/roadmap/builds/1/croissant.json").json()
    dataset = mlc.Dataset(jsonld=doc)  # raises on errors
    assert dataset.metadata.name == "roadmap"
    assert doc["codecommons:manifestRoot"] == built["fingerprints"]["extensional"]
    assert doc["codecommons:optOutRegistryVersion"] == 0
    assert doc["codecommons:optOutRemovedFiles"] == 0
    assert doc["rai:personalSensitiveInformation"][0].startswith("Files where the scan found")
    by_id = {d["@id"]: d for d in doc["distribution"]}
    import hashlib

    for fmt in ("jsonl", "csv", "parquet"):
        body = client.get(f"/v1/datasets/roadmap/builds/1/export/{fmt}").content
        assert by_id[f"manifest-{fmt}"]["sha256"] == hashlib.sha256(body).hexdigest()
    names = [f["name"] for f in doc["recordSet"][0]["field"]]
    assert names[:2] == ["leaf_index", "swhid"]
    json.dumps(doc)
