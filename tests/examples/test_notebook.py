"""The notebook example runs against the real GraphQL API on the demo corpus."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.demo.loader import load_demo_corpus
from app.kit.db import UnitOfWork
from examples import build_notebook
from examples.notebook_graphql import GraphQLError, http_poster, run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Poster:
    """Sends each GraphQL request through the TestClient and remembers it."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((query, variables))
        response = self.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def pages(self, operation: str) -> list[dict[str, Any]]:
        return [v for q, v in self.calls if f"query {operation}(" in q]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def demo(client: TestClient, db: Session) -> TestClient:
    load_demo_corpus(UnitOfWork(db))
    return client


def test_run_on_the_demo_corpus(demo: TestClient, tmp_path: Path) -> None:
    poster = Poster(demo)
    out = tmp_path / "charts" / "origins.png"

    frame = run(poster, out, page_size=2)

    # Six origins in pages of two: three requests, each passing on the last endCursor.
    pages = poster.pages("Origins")
    assert [p["first"] for p in pages] == [2, 2, 2]
    assert pages[0]["after"] is None
    assert all(p["after"] for p in pages[1:])
    assert len(poster.pages("Issues")) == 2  # three issues: 2 + 1

    by_url = frame.set_index("url")
    assert set(by_url.index) == {
        "https://github.com/benjaminp/six",
        "https://github.com/pallets/itsdangerous",
        "https://github.com/vercel/ms",
        "https://pypi.org/project/six/",
        "https://pypi.org/project/itsdangerous/",
        "https://www.npmjs.com/package/ms",
    }
    six = by_url.loc["https://github.com/benjaminp/six"]
    assert six["forge"] == "github.com"
    assert six["kind"] == "repository"
    assert six["full_name"] == "benjaminp/six"
    assert six["declared_license"] == "MIT"
    assert six["stars"] == 1033
    assert six["issues_total"] == 0

    repos = frame[frame["kind"] == "repository"].set_index("full_name")
    assert repos["stars"].to_dict() == {
        "benjaminp/six": 1033,
        "vercel/ms": 5342,
        "pallets/itsdangerous": 3061,
    }
    assert repos["declared_license"].to_dict() == {
        "benjaminp/six": "MIT",
        "vercel/ms": "MIT",
        "pallets/itsdangerous": "BSD-3-Clause",
    }
    # Packages have no stars (nullable, not NaN floats) but do declare licenses;
    # PyPI's "BSD License" classifier names no single SPDX license and is kept as text.
    packages = frame[frame["kind"] == "package"].set_index("url")
    assert packages["stars"].isna().all()
    assert str(frame["stars"].dtype) == "Int64"
    assert packages.loc["https://www.npmjs.com/package/ms", "declared_license"] == "MIT"
    assert packages.loc["https://pypi.org/project/six/", "declared_license"] == "MIT"
    assert (
        packages.loc["https://pypi.org/project/itsdangerous/", "declared_license"]
        == "unmapped: License :: OSI Approved :: BSD License"
    )

    itsdangerous = repos.loc["pallets/itsdangerous"]
    assert (itsdangerous["issues_open"], itsdangerous["issues_closed"]) == (0, 2)
    assert (itsdangerous["issues_merged"], itsdangerous["issues_total"]) == (1, 3)
    assert frame["issues_total"].sum() == 3

    assert out.stat().st_size > 20_000  # two labelled charts, not an empty canvas
    assert png_size(out) == (1320, 540)  # 11 x 4.5 inches at 120 dpi


def test_one_page_by_default_through_http_poster(demo: TestClient, tmp_path: Path) -> None:
    frame = run(http_poster("/graphql", client=demo), tmp_path / "origins.png")
    assert len(frame) == 6
    assert png_size(tmp_path / "origins.png") == (1320, 540)


def test_empty_database_still_draws(client: TestClient, tmp_path: Path) -> None:
    frame = run(Poster(client), tmp_path / "empty.png")
    assert frame.empty
    assert "declared_license" in frame.columns
    assert png_size(tmp_path / "empty.png") == (1320, 540)


def test_graphql_errors_are_raised(client: TestClient, tmp_path: Path) -> None:
    with pytest.raises(GraphQLError, match="`first` must be between 1 and 500"):
        run(Poster(client), tmp_path / "never.png", page_size=501)
    assert not (tmp_path / "never.png").exists()


def test_notebook_is_built_from_the_script() -> None:
    assert build_notebook.main(["--check"]) == 0, "run: python examples/build_notebook.py"
    cells = build_notebook.cells(build_notebook.SCRIPT.read_text(encoding="utf-8"))
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "# %%" not in code
    assert cells[0]["cell_type"] == "markdown"
    # The cells run one after the other, as Jupyter would (the last one only as __main__).
    namespace: dict[str, Any] = {"__name__": "notebook"}
    for cell in cells:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), "<cell>", "exec"), namespace)  # noqa: S102
    assert callable(namespace["run"])
